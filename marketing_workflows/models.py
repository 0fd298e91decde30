"""Marketing workflows: criteria enrol patients, who then go through timed steps.

A Workflow is the name staff know and its state (active or paused). What it does lives in
a WorkflowVersion: criteria, steps and settings. A version is frozen once it has gone
live (`activated_at`); editing a frozen version makes the next one, and patients already
enrolled finish the version they entered (their Enrolment names it).

Timed work is durable rows (DESIGN.md "Work that happens later"): each enrolment has a
StepRun per action step it reaches, with a `due_at`, taken with SELECT ... FOR NO KEY UPDATE
SKIP LOCKED by the runner (runner.py) and run in that same transaction, never an ETA task.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from practice.reasons import reason_text
from practice.scoping import PracticeOwnedModel

ALL_WEEKDAYS = "0123456"


class Workflow(PracticeOwnedModel):
    class Status(models.TextChoices):
        PAUSED = "paused", _("Paused")
        ACTIVE = "active", _("Active")

    name = models.CharField(_("name"), max_length=120)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PAUSED
    )
    # The version that enrols new patients (and that edits start from).
    current_version = models.ForeignKey(
        "WorkflowVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("current version"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("workflow")
        verbose_name_plural = _("workflows")
        constraints = [
            models.UniqueConstraint(fields=["practice", "name"], name="workflow_unique_name")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class Goal(models.TextChoices):
    NONE = "", _("No goal")
    BOOKED_APPOINTMENT = "booked_appointment", _("Booked an appointment")


class WorkflowVersion(PracticeOwnedModel):
    """Criteria, steps and settings of one version of a workflow."""

    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"), default=1)
    enrol_existing = models.BooleanField(
        _("enrol existing patients"),
        default=False,
        help_text=_(
            "Enrol every patient who matches when the workflow goes live. Otherwise only "
            "patients who come to match later are enrolled."
        ),
    )
    exclusive = models.BooleanField(
        _("exclusive"),
        default=False,
        help_text=_(
            "A patient enrolled here is kept out of other active workflows, and a patient "
            "already in another active workflow is kept out of this one."
        ),
    )
    goal = models.CharField(_("goal"), max_length=30, choices=Goal.choices, blank=True)
    allow_reenrolment = models.BooleanField(_("may enrol again after finishing"), default=False)
    reenrol_after_days = models.PositiveSmallIntegerField(
        _("days before enrolling again"),
        default=30,
        help_text=_(
            "A patient who finished (or reached the goal) and still matches enrols again "
            "after this many days, not at once: otherwise they would loop."
        ),
    )
    # Local weekdays (digits 0 = Monday to 6) and hours in which steps may run.
    weekdays = models.CharField(_("days"), max_length=7, default=ALL_WEEKDAYS)
    window_start = models.TimeField(_("actions from"), default=dt.time(9))
    window_end = models.TimeField(
        _("actions until"), default=dt.time(20), help_text=_("00:00 means until midnight.")
    )
    # Set when the version goes live: from then on it is frozen (edits make a new version).
    activated_at = models.DateTimeField(_("live since"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["workflow", "-number"]
        verbose_name = _("workflow version")
        verbose_name_plural = _("workflow versions")
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "workflow", "number"], name="workflow_version_unique_number"
            ),
            models.CheckConstraint(
                condition=Q(window_end__gt=F("window_start")) | Q(window_end=dt.time(0)),
                name="workflow_window_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.workflow} v{self.number}"

    @property
    def is_frozen(self) -> bool:
        return self.activated_at is not None

    @property
    def weekday_set(self) -> frozenset[int]:
        return frozenset(int(day) for day in self.weekdays)


class Subject(models.TextChoices):
    PATIENT = "patient", _("Patient")
    APPOINTMENT = "appointment", _("Appointment")
    PLAN = "plan", _("Treatment plan")
    TREATMENT = "treatment", _("Treatment")


class Operator(models.TextChoices):
    EQUALS = "eq", _("equals")
    NOT_EQUALS = "ne", _("not equals")
    CONTAINS = "contains", _("contains")
    NOT_CONTAINS = "not_contains", _("does not contain")
    BEFORE = "lt", _("before / less than")
    AFTER = "gt", _("after / more than")
    BETWEEN = "between", _("between")
    MORE_THAN_DAYS_AGO = "days_ago_gt", _("more than N days ago")
    WITHIN_DAYS = "days_ago_lte", _("within the last N days")


class Criterion(PracticeOwnedModel):
    """One enrolment criterion; all of a version's criteria must hold (criteria.py)."""

    version = models.ForeignKey(WorkflowVersion, on_delete=models.CASCADE, related_name="criteria")
    subject = models.CharField(_("type"), max_length=20, choices=Subject.choices)
    field = models.CharField(_("field"), max_length=40)
    operator = models.CharField(_("condition"), max_length=20, choices=Operator.choices)
    value = models.CharField(_("value"), max_length=200, blank=True)
    value_to = models.CharField(
        _("and"), max_length=200, blank=True, help_text=_("The upper bound of 'between'.")
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("enrolment criterion")
        verbose_name_plural = _("enrolment criteria")

    def __str__(self) -> str:
        return f"{self.subject}.{self.field} {self.operator} {self.value}"

    def clean(self) -> None:
        from .criteria import parse_criterion

        parse_criterion(
            subject=self.subject,
            field=self.field,
            operator=self.operator,
            value=self.value,
            value_to=self.value_to,
        )


class TaskKind(models.TextChoices):
    """The kinds of task an 'add task' step makes (crm.models.Task.Kind's values)."""

    RECALL = "recall", _("Recall")
    PAYMENT = "payment", _("Payment")
    COLLECTION = "collection", _("Collection")
    OTHER = "other", _("Other")


class Step(PracticeOwnedModel):
    class Kind(models.TextChoices):
        PAUSE = "pause", _("Pause")
        EMAIL = "email", _("Send email")
        SMS = "sms", _("Send SMS")
        TASK = "task", _("Add task")

    MESSAGE_KINDS = (Kind.EMAIL, Kind.SMS)

    version = models.ForeignKey(WorkflowVersion, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    kind = models.CharField(_("action"), max_length=10, choices=Kind.choices)
    pause_days = models.PositiveIntegerField(
        pgettext_lazy("unit after a number", "days"), default=0
    )
    pause_hours = models.PositiveIntegerField(_("hours"), default=0)
    pause_minutes = models.PositiveIntegerField(_("minutes"), default=0)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text"), blank=True)
    task_kind = models.CharField(
        _("task type"), max_length=20, choices=TaskKind.choices, blank=True
    )
    task_description = models.CharField(_("description"), max_length=300, blank=True)
    task_assignee = models.ForeignKey(
        "practice.Membership",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("responsible"),
    )

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("step")
        verbose_name_plural = _("steps")

    def __str__(self) -> str:
        return f"{self.position}. {self.get_kind_display()}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from .checks import step_errors

        errors = step_errors(None, self)
        if errors:
            raise ValidationError(errors)

    @property
    def pause(self) -> dt.timedelta:
        return dt.timedelta(
            days=self.pause_days, hours=self.pause_hours, minutes=self.pause_minutes
        )

    @property
    def is_action(self) -> bool:
        return self.kind != self.Kind.PAUSE


class Enrolment(PracticeOwnedModel):
    """A patient in a workflow, in the version they entered."""

    class State(models.TextChoices):
        ACTIVE = "active", _("Active")
        COMPLETED = "completed", _("Completed")
        GOAL_REACHED = "goal_reached", _("Goal reached")
        REMOVED = "removed", _("Removed by staff")

    # No index on practice alone: every composite index below leads with it (a runner's
    # batch completes thousands of enrolments; each index is a write a row).
    practice = models.ForeignKey(
        "practice.Practice", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="enrolments")
    version = models.ForeignKey(
        WorkflowVersion, on_delete=models.CASCADE, related_name="enrolments"
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="workflow_enrolments"
    )
    # 1 for the first time in this workflow; one more each time they enrol again.
    round = models.PositiveSmallIntegerField(default=1)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.ACTIVE)
    # Steps run in this zone's allowed hours: the patient's usual location's, else the
    # practice's (taken when they enrol).
    time_zone = models.CharField(max_length=64)
    enrolled_at = models.DateTimeField(_("enrolled at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    # Indexed where set only (enrolment_ended_by_idx): completing thousands of enrolments
    # writes no entry for their empty ended_by.
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    # Why it ended: staff's own words, or a reason stored as a code (`practice.reasons`)
    # read in the reader's language (`end_note_text`).
    end_note = models.CharField(_("note"), max_length=200, blank=True)

    @property
    def end_note_text(self) -> str:
        return reason_text(self.end_note)

    class Meta:
        ordering = ["-enrolled_at", "-id"]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            # Enrolment inserts in bulk with ON CONFLICT DO NOTHING: these decide.
            models.UniqueConstraint(
                fields=["practice", "workflow", "patient", "round"], name="enrolment_once_a_round"
            ),
            models.UniqueConstraint(
                fields=["practice", "workflow", "patient"],
                condition=Q(state="active"),
                name="enrolment_one_active",
            ),
        ]
        indexes = [
            models.Index(fields=["practice", "patient", "state"], name="enrolment_patient_idx"),
            models.Index(fields=["practice", "version", "state"], name="enrolment_version_idx"),
            # A user's deletion finds what they ended (`x IN (...)` implies x IS NOT NULL).
            models.Index(
                fields=["ended_by"],
                condition=Q(ended_by__isnull=False),
                name="enrolment_ended_by_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patient_id} in {self.workflow_id} v{self.version_id}"

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def is_active(self) -> bool:
        return self.state == self.State.ACTIVE


class StepRun(PracticeOwnedModel):
    """One action step (or the closing pause) for one enrolment, due at `due_at`."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        # Its workflow is paused: out of the runner's way until it is active again.
        HELD = "held", _("Waiting: workflow paused")
        DONE = "done", _("Done")
        SKIPPED = "skipped", _("Skipped")
        CANCELLED = "cancelled", _("Cancelled")

    OPEN = (State.PENDING, State.HELD)

    # No index on practice alone: step_run_once and step_run_step_idx lead with it (each
    # index is a write a row when a run is finished).
    practice = models.ForeignKey(
        "practice.Practice", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="runs")
    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="runs")
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    due_at = models.DateTimeField(_("due"))
    # Tries that failed with an error (each puts the run back WORKFLOW_RETRY_SECONDS later).
    # A worker killed while running it leaves no trace: its transaction rolled back.
    attempts = models.PositiveSmallIntegerField(default=0)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    # No database constraint: the runner links a message it queued (or found) in the same
    # transaction, and the constraint's check at commit cost a lookup per run. Indexed
    # where set only (step_run_message_idx): a run not yet done has no entry.
    message = models.ForeignKey(
        "messaging.Message",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    # crm.Task's id (crm owns tasks; counts come from crm.selectors by origin).
    task_id = models.BigIntegerField(null=True, blank=True)
    # Why it was skipped or cancelled, stored as a code (`practice.reasons`) read in the
    # reader's language (`note_text`); rows from before hold the text as written.
    note = models.CharField(_("note"), max_length=300, blank=True)

    @property
    def note_text(self) -> str:
        return reason_text(self.note)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("step run")
        verbose_name_plural = _("step runs")
        constraints = [
            models.UniqueConstraint(fields=["practice", "enrolment", "step"], name="step_run_once")
        ]
        indexes = [
            # The claim's order, due_at then id: read in order, not sorted (every run of
            # an 'enrol existing' is due at the same moment).
            models.Index(
                fields=["due_at", "id"], condition=Q(state="pending"), name="step_run_due_idx"
            ),
            models.Index(fields=["practice", "step", "state"], name="step_run_step_idx"),
            # A message's deletion clears its runs' link (`x IN (...)` implies x IS NOT NULL).
            models.Index(
                fields=["message"], condition=Q(message__isnull=False), name="step_run_message_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id}/{self.step_id} {self.state}"


def message_key(enrolment_id: int, step_id: int) -> str:
    """The idempotency key of a step's message: one message per enrolment and step, even if
    the step runs again after a worker died."""
    return f"wf:{enrolment_id}:{step_id}"


class PriorMatch(PracticeOwnedModel):
    """A patient who already matched when a version went live without 'enrol existing'.

    They are not enrolled while they keep matching; the sweep deletes the row once they no
    longer match, so matching again later enrols them ("patients who come to match later").
    """

    version = models.ForeignKey(
        WorkflowVersion, on_delete=models.CASCADE, related_name="prior_matches"
    )
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "version", "patient"], name="prior_match_once"
            )
        ]
