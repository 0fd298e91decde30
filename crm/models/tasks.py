"""The CRM's tasks: what a staff member has to do about a patient (call about a recall,
chase a payment), made by staff or by a marketing workflow, with a due time and a reminder.

The contact history will later count the calls made for a task; a workflow counts the tasks
it made (`origin` and `origin_id`). Workflows import this app, never the reverse, so a task
names the thing that made it by id and by the name it had then (`origin_label`), with no
foreign key upward.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from patients.models import Patient
from practice.models import Membership
from practice.reasons import reason_text
from practice.scoping import PracticeOwnedModel


class Task(PracticeOwnedModel):
    class Kind(models.TextChoices):
        RECALL = "recall", _("Recall")
        PAYMENT = "payment", _("Payment")
        COLLECTION = "collection", _("Collection")
        OTHER = "other", _("Other")
        # CALL = "call", _("Call") comes with the contact history.

    class Origin(models.TextChoices):
        STAFF = "staff", _("Staff")
        WORKFLOW = "workflow", _("Workflow")
        # CALL = "call" comes with the contact history.

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        # Closed without being done: its workflow no longer needs it (tasks_close_open).
        CANCELLED = "cancelled", _("Cancelled")

    DESCRIPTION_MAX = 1000

    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("patient")
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    description = models.CharField(_("description"), max_length=DESCRIPTION_MAX, blank=True)
    # RESTRICT: a staff member with tasks is deactivated, not deleted; deleting the whole
    # practice (which deletes its tasks too) still works.
    assignee = models.ForeignKey(
        Membership, on_delete=models.RESTRICT, related_name="tasks", verbose_name=_("assignee")
    )
    due_at = models.DateTimeField(
        _("due"), null=True, blank=True, help_text=_("Empty: no due time.")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    # When it was done or cancelled, and by whom (nobody when a workflow closed it).
    done_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("closed by"),
    )
    # Staff's words, or a reason stored as a code (a workflow's goal reached) read in the
    # reader's language: `close_note_text`.
    close_note = models.CharField(_("note"), max_length=300, blank=True)
    # Nobody when a workflow made it.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # The due reminder went out (or the assignee had no email): never again for this due time.
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    origin = models.CharField(
        _("made by"), max_length=10, choices=Origin.choices, default=Origin.STAFF
    )
    origin_id = models.BigIntegerField(null=True, blank=True)
    origin_label = models.CharField(_("made by (name)"), max_length=200, blank=True)

    @property
    def close_note_text(self) -> str:
        return reason_text(self.close_note)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        indexes = [
            # An assignee's open list by due time, and the top bar's count.
            models.Index(
                fields=["practice", "assignee", "due_at"],
                condition=Q(status="open"),
                name="crm_task_open_by_assignee",
            ),
            # The due-reminder claim runs across practices (one system-wide query, like the
            # message dispatcher), so it leads with due_at, not practice.
            models.Index(
                fields=["due_at"],
                condition=Q(status="open", reminded_at__isnull=True, due_at__isnull=False),
                name="crm_task_reminder_due",
            ),
            # A workflow's statistics: the tasks it made.
            models.Index(fields=["practice", "origin", "origin_id"], name="crm_task_origin"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["open", "done", "cancelled"]), name="crm_task_status"
            ),
            # Open means not closed: a closed task says when.
            models.CheckConstraint(
                condition=Q(status="open", done_at__isnull=True)
                | (~Q(status="open") & Q(done_at__isnull=False)),
                name="crm_task_closed_has_time",
            ),
            # Anything but staff names the thing that made it.
            models.CheckConstraint(
                condition=Q(origin="staff") | Q(origin_id__isnull=False),
                name="crm_task_origin_named",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.patient}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN
