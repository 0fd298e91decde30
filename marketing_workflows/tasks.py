"""Celery tasks: the runner (beat, every 15 s), the enrolment sweep (beat, every 5 min) and
enrolment after a change to a patient (queued by receivers.py after commit)."""

from __future__ import annotations

import time

from celery import shared_task

from practice.models import Practice
from practice.tenancy import practice_task

from . import services
from .models import Enrolment, Workflow

SWEEP_EVERY_SECONDS = 300.0


@shared_task(ignore_result=True)
def workflow_steps_run_due_task() -> int:
    """Claim and run every due step (SKIP LOCKED: any number of workers may run this)."""
    return services.workflow_steps_run_due()


def _practices_to_sweep() -> list[int]:
    # Across practices, deliberately: which ones have something to sweep. Each is then
    # swept in its own task and scope.
    active = Workflow.objects.unscoped().filter(status=Workflow.Status.ACTIVE)
    enrolled = Enrolment.objects.unscoped().filter(state=Enrolment.State.ACTIVE)
    ids = set(active.values_list("practice_id", flat=True))
    ids |= set(enrolled.values_list("practice_id", flat=True).distinct())
    return sorted(ids)


@shared_task(ignore_result=True)
def workflows_sweep_task() -> int:
    """Periodic: each practice with workflows is swept in a task of its own."""
    practice_ids = _practices_to_sweep()
    for practice_id in practice_ids:
        workflows_enrol_task.delay(practice_id)
    return len(practice_ids)


@shared_task(ignore_result=True)
@practice_task
def workflows_enrol_task(practice_id: int, patient_ids: list[int] | None = None) -> int:
    """Enrol (and check goals) for `patient_ids` after a change to them, or everyone."""
    practice = Practice.objects.get(pk=practice_id)
    return services.workflows_enrol(practice, patient_ids=patient_ids).enrolled


_last_sweep = {"at": float("-inf")}


def scheduler_tick() -> None:
    """`manage.py run_scheduler` (embedded mode): what beat would do, at beat's pace."""
    services.workflow_steps_run_due()
    if time.monotonic() - _last_sweep["at"] >= SWEEP_EVERY_SECONDS:
        _last_sweep["at"] = time.monotonic()
        workflows_sweep_task()
