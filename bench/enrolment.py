"""Enrolment: N matching patients of one practice (default 100,000) enrolled in a workflow
with 'enrol existing' (enrol_seconds: the activation, dry run included), then its first
step, an email, run for all of them (first_step_seconds: the runner queueing N messages
through messaging's outbox; sending them is the dispatch benchmark's job).

The runner drains a backlog with WORKFLOW_WORKERS threads side by side (first_step_workers),
as a worker does. first_step_cpu_seconds adds up the CPU time of this process (all its
threads) and of the database server (when that runs on this machine): on a machine busy
with other work it moves far less than the wall-clock figure does; first_step_queries
counts the queries of every thread."""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from contextlib import contextmanager
from unittest import mock

from django.conf import settings
from django.db import connection
from django.db.backends.signals import connection_created
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat

from marketing_workflows import sending, services
from marketing_workflows.models import Enrolment, StepRun, Workflow
from messaging.models import Kind, Message
from patients.models import Client, Patient
from practice import demo
from practice.models import Location, Membership, Role
from practice.scoping import for_practice
from practice.tenancy import practice_scope

from .common import dataset, practice_for

DEFAULT_SCALE = 100_000


def build(scale: int) -> bool:
    return dataset(
        "enrolment",
        scale,
        lambda spec: demo.build_practice(
            spec, clients=scale, appointments=1, seed=17, demo_extras=False
        ),
    )


def _reset(practice) -> None:
    """No workflow yet; every client reachable by email and agreeing to news and offers.
    Earlier runs' messages stay, as a practice's message history would."""
    for_practice(Workflow, practice).delete()
    clients = for_practice(Client, practice)
    address = Concat(
        Value("c"), Cast("id", CharField()), Value("@example.com"), output_field=CharField()
    )
    clients.filter(email="").update(email=address)
    clients.exclude(marketing_consent=True).update(marketing_consent=True)
    if connection.vendor == "postgresql":
        # Each run deletes the last one's rows: vacuum them away, or every run would be
        # slower than the one before (this server runs no autovacuum).
        tables = [m._meta.db_table for m in (Message, Enrolment, StepRun, Client, Patient)]
        # VACUUM cannot run inside a transaction (the test suite's); ANALYZE can.
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
        with connection.cursor() as cursor:
            cursor.execute(f"{command} {', '.join(tables)}")


def _server_cpu_seconds() -> float | None:
    """CPU time used so far by the PostgreSQL server on this machine: every postgres
    process, and the backends that have already exited (counted in the postmaster's
    children's time), so the runner's thread connections count too. None when the server
    runs elsewhere."""
    if connection.vendor != "postgresql":
        return None
    ticks, found = 0, False
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                head, tail = stat.read().rsplit(")", 1)
        except OSError:
            continue
        if head.endswith("(postgres"):
            found = True
            user, system, child_user, child_system = tail.split()[11:15]
            ticks += int(user) + int(system) + int(child_user) + int(child_system)
    return ticks / os.sysconf("SC_CLK_TCK") if found else None


def _cpu_seconds() -> float:
    """CPU time used so far by this process (all its threads) and the database server."""
    return time.process_time() + (_server_cpu_seconds() or 0.0)


class _Counter:
    """Counts the queries of this thread's connection and of every connection opened while
    it counts (the runner's threads open their own)."""

    def __init__(self) -> None:
        self.queries = 0
        self._lock = threading.Lock()

    def __call__(self, execute, sql, params, many, context):
        with self._lock:
            self.queries += 1
        return execute(sql, params, many, context)

    def _hook(self, sender, connection, **kwargs) -> None:
        connection.execute_wrappers.append(self)

    @contextmanager
    def counting(self):
        connection_created.connect(self._hook)
        try:
            with connection.execute_wrapper(self):
                yield
        finally:
            connection_created.disconnect(self._hook)


def run(scale: int) -> dict[str, object]:
    practice = practice_for("enrolment")
    _reset(practice)
    director = for_practice(Membership, practice).filter(role=Role.DIRECTOR).first()
    city = for_practice(Location, practice).order_by("id").first().city
    counter = _Counter()
    with practice_scope(practice):
        workflow = services.workflow_create(practice, actor=director.user, name="Bench recall")
        services.workflow_version_save(
            practice,
            actor=director.user,
            workflow=workflow,
            settings={
                "enrol_existing": True,
                "window_start": dt.time(0),
                "window_end": dt.time(0),
            },
            criteria=[{"subject": "patient", "field": "city", "operator": "eq", "value": city}],
            steps=[
                {"kind": "email", "subject": "Time for a check-up, {patient}", "body": "Hi"},
            ],
        )
        # Sending is the dispatch benchmark's: no worker is asked to send here.
        with counter.counting(), mock.patch.object(sending, "dispatch_soon"):
            started = time.perf_counter()
            activation = services.workflow_activate(
                practice, actor=director.user, workflow=workflow
            )
            enrol_seconds = time.perf_counter() - started
            enrol_queries = counter.queries
            cpu = _cpu_seconds()
            started = time.perf_counter()
            claimed = services.workflow_steps_run_due()
            first_step_seconds = time.perf_counter() - started
            cpu = _cpu_seconds() - cpu
    queued = for_practice(Message, practice).filter(
        kind=Kind.MARKETING,
        status=Message.Status.SCHEDULED,
        pk__in=for_practice(StepRun, practice).values("message_id"),
    )
    return {
        "patients": for_practice(Patient, practice).count(),
        "enrolled": activation.enrolled,
        "enrol_seconds": f"{enrol_seconds:.1f}",
        "enrol_queries": enrol_queries,
        "first_step_runs": claimed,
        "first_step_seconds": f"{first_step_seconds:.1f}",
        "first_step_workers": settings.WORKFLOW_WORKERS,
        "first_step_cpu_seconds": f"{cpu:.1f}",
        "first_step_queries": counter.queries - enrol_queries,
        "messages_queued": queued.count(),
        "enrolments_completed": for_practice(Enrolment, practice)
        .filter(state=Enrolment.State.COMPLETED)
        .count(),
        "runs_done": for_practice(StepRun, practice).filter(state=StepRun.State.DONE).count(),
    }
