"""Due reminders: when an open task falls due, its assignee gets one email.

Durable timed work (DESIGN.md, "Work that happens later"): the due time is a row's
`due_at`, and a periodic tick (Celery beat's `remind_due_tasks_task`, or
`manage.py run_scheduler` without Redis) claims the tasks that fell due with
`SELECT ... FOR UPDATE SKIP LOCKED` and sets `reminded_at` in the same transaction, so two
workers never take the same task and a task is never reminded twice. The email goes after
the claim commits: at most once (a failed send is logged; the task still shows as overdue in
the list). A member without an email address is just marked reminded.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from practice.languages import staff_language
from practice.tenancy import practice_scope

from .display import due_label
from .models import Task

log = logging.getLogger(__name__)

BATCH = 200


def claim_due_reminders(*, limit: int = BATCH, now: dt.datetime | None = None) -> list[int]:
    """Mark up to `limit` open, unreminded tasks of every practice whose due time has come
    as reminded; return their ids (the caller sends the emails)."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            # A system-wide claim, deliberately across practices (the partial index
            # crm_task_reminder_due serves it); each email is then composed in its
            # practice's scope and language.
            Task.objects.unscoped()
            .filter(status=Task.Status.OPEN, reminded_at__isnull=True, due_at__lte=now)
            .order_by("due_at", "id")
            .select_for_update(skip_locked=True)
            .values_list("id", flat=True)[:limit]
        )
        Task.objects.unscoped().filter(id__in=ids).update(reminded_at=now)
    return ids


def reminder_email(task: Task) -> tuple[str, str]:
    """Subject and text of `task`'s due reminder, in the assignee's own language (else the
    practice's) and the practice's zone."""
    practice = task.practice
    with translation.override(staff_language(task.assignee)):
        kind = task.get_kind_display()
        patient = task.patient.name
        subject = _("Task due: %(kind)s, %(patient)s") % {"kind": kind, "patient": patient}
        facts = [
            (_("Patient"), patient),
            (_("Type"), kind),
            (_("Description"), task.description),
            (_("Due"), due_label(task.due_at, practice, relative=False)),
            (_("Made by"), task.origin_label),
        ]
        lines = [
            _("Hello %(name)s,") % {"name": task.assignee.name},
            "",
            _("A task of yours at %(practice)s is due.") % {"practice": practice.name},
            "",
            *(f"{label}: {value}" for label, value in facts if value),
            "",
            _("Your tasks: %(link)s") % {"link": tasks_link()},
        ]
    return subject, "\n".join(lines) + "\n"


def tasks_link() -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse("task-list")


def send_reminder(task: Task) -> bool:
    """Email `task`'s assignee; False when they have no address or the send failed."""
    address = task.assignee.user.email
    if not address:
        return False
    subject, body = reminder_email(task)
    try:
        send_mail(subject, body, None, [address])
    except Exception:  # at most once: the claim stands, the list still shows it overdue
        log.exception("Task %s: the due reminder could not be sent.", task.pk)
        return False
    return True


def remind_due_tasks(*, limit: int = BATCH) -> int:
    """Claim one batch of due tasks and email their assignees. Returns how many it claimed."""
    ids = claim_due_reminders(limit=limit)
    tasks = (
        Task.objects.unscoped()
        .filter(id__in=ids)
        .select_related("practice", "patient", "assignee__user")
        .order_by("due_at", "id")
    )
    for task in tasks:
        with practice_scope(task.practice_id):
            send_reminder(task)
    return len(ids)
