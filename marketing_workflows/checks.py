"""Checking a version before it is saved: its settings, criteria and steps.

One owner for these rules: the services call `version_check`, admin's forms call the
per-row checks through the models' `clean`, and pages show the errors. Errors come keyed
as a formset names its fields (`criteria-0-value`, `steps-2-body`), so a page using the
prefixes 'criteria' and 'steps' can put each under its field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from practice.models import Membership, Practice
from practice.scoping import for_practice

from . import sending
from .criteria import Parsed, criteria_rows
from .models import Goal, Step, TaskKind

SETTINGS = (
    "enrol_existing",
    "exclusive",
    "goal",
    "allow_reenrolment",
    "reenrol_after_days",
    "weekdays",
    "window_start",
    "window_end",
)
MAX_PAUSE = dt.timedelta(days=3 * 365)
MAX_SMS_SEGMENTS = 10
MAX_EMAIL_TEXT = 20_000  # characters: a letter, not a newsletter archive
MAX_REENROL_DAYS = 3650


class VersionInvalid(ValidationError):
    """What is wrong with a version, by setting and by criterion and step row."""

    def __init__(
        self,
        *,
        fields: Mapping[str, list[str]] | None = None,
        criteria: Sequence[Mapping[str, list[str]]] = (),
        steps: Sequence[Mapping[str, list[str]]] = (),
    ) -> None:
        self.fields = dict(fields or {})
        self.criteria = list(criteria)
        self.steps = list(steps)
        flat: dict[str, list[str]] = dict(self.fields)
        for prefix, rows in (("criteria", self.criteria), ("steps", self.steps)):
            for index, row in enumerate(rows):
                for name, messages in row.items():
                    flat[f"{prefix}-{index}-{name}"] = list(messages)
        super().__init__(flat)


def settings_errors(values: Mapping[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    unknown = set(values) - set(SETTINGS)
    if unknown:
        raise ValueError(f"Unknown workflow settings: {sorted(unknown)}")
    days = values.get("weekdays", "0123456")
    if not days or not (set(days) <= set("0123456") and len(set(days)) == len(days)):
        errors["weekdays"] = [_("Choose at least one day from Monday to Sunday.")]
    start, end = values.get("window_start", dt.time(9)), values.get("window_end", dt.time(20))
    if not (isinstance(start, dt.time) and isinstance(end, dt.time)):
        errors["window_start"] = [_("Give the hours as HH:MM.")]
    elif not (end > start or end == dt.time(0)):
        errors["window_end"] = [_("The end of the allowed hours must be after their start.")]
    if values.get("goal", "") not in Goal.values:
        errors["goal"] = [_("Choose a goal from the list.")]
    wait = values.get("reenrol_after_days", 30)
    if not isinstance(wait, int) or not 0 <= wait <= MAX_REENROL_DAYS:
        errors["reenrol_after_days"] = [
            _("Give a number of days from 0 to %(max)s.") % {"max": MAX_REENROL_DAYS}
        ]
    return errors


def _placeholders(text: str, field: str, errors: dict[str, list[str]]) -> None:
    try:
        sending.text_check(text)
    except ValidationError as error:
        errors.setdefault(field, []).extend(error.messages)


def step_errors(practice: Practice | None, step: Step) -> dict[str, list[str]]:
    """What is wrong with one step ({} when nothing). Without `practice` (admin's form
    before it knows it), the responsible staff member is checked by the caller."""
    errors: dict[str, list[str]] = {}
    if step.kind not in Step.Kind.values:
        return {"kind": [_("Choose pause, email, SMS or task.")]}
    _lengths(step, errors)
    if errors:
        return errors
    if step.kind == Step.Kind.PAUSE:
        if not step.pause:
            errors["pause_days"] = [_("A pause needs days, hours or minutes.")]
        elif step.pause > MAX_PAUSE:
            errors["pause_days"] = [_("A pause can last at most three years.")]
    elif step.kind == Step.Kind.EMAIL:
        if not step.subject.strip():
            errors["subject"] = [_("An email needs a subject.")]
        if not step.body.strip():
            errors["body"] = [_("An email needs a text.")]
        _placeholders(step.subject, "subject", errors)
        _placeholders(step.body, "body", errors)
    elif step.kind == Step.Kind.SMS:
        if not step.body.strip():
            errors["body"] = [_("An SMS needs a text.")]
        elif sending.sms_segments(step.body) > MAX_SMS_SEGMENTS:
            errors["body"] = [
                _("An SMS may take at most %(max)s segments.") % {"max": MAX_SMS_SEGMENTS}
            ]
        _placeholders(step.body, "body", errors)
    else:
        errors.update(_task_errors(practice, step))
    return errors


def _lengths(step: Step, errors: dict[str, list[str]]) -> None:
    """Texts that would not fit their columns (or a message), and pause parts too large to
    be a time at all, refused before anything reads them."""
    for field in ("subject", "task_description"):
        limit = Step._meta.get_field(field).max_length
        if len(getattr(step, field) or "") > limit:
            errors[field] = [_("At most %(max)s characters.") % {"max": limit}]
    if step.kind == Step.Kind.EMAIL and len(step.body or "") > MAX_EMAIL_TEXT:
        errors["body"] = [_("At most %(max)s characters.") % {"max": MAX_EMAIL_TEXT}]
    limits = {"pause_days": MAX_PAUSE.days, "pause_hours": 24 * MAX_PAUSE.days}
    limits["pause_minutes"] = 60 * limits["pause_hours"]
    for field, limit in limits.items():
        value = getattr(step, field)
        if not isinstance(value, int) or not 0 <= value <= limit:
            errors["pause_days"] = [_("A pause can last at most three years.")]


def _task_errors(practice: Practice | None, step: Step) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if step.task_kind not in TaskKind.values:
        errors["task_kind"] = [_("Choose recall, payment, collection or other.")]
    if not step.task_description.strip():
        errors["task_description"] = [_("Describe the task.")]
    if step.task_assignee_id is None:
        errors["task_assignee"] = [_("Choose the staff member responsible.")]
    elif practice is not None:
        staff = for_practice(Membership, practice).filter(pk=step.task_assignee_id, is_active=True)
        if not staff.exists():
            errors["task_assignee"] = [_("Choose an active staff member of this practice.")]
    return errors


def version_check(
    practice: Practice,
    *,
    settings: Mapping[str, Any],
    criteria: Sequence[object],
    steps: Sequence[Step],
) -> list[Parsed]:
    """Raise VersionInvalid unless settings, criteria and steps are all right; returns the
    criteria read."""
    fields = settings_errors(settings)
    step_rows = [step_errors(practice, step) for step in steps]
    parsed, criteria_errors = criteria_rows(practice, criteria)
    if fields or any(step_rows) or any(criteria_errors):
        raise VersionInvalid(fields=fields, criteria=criteria_errors, steps=step_rows)
    return parsed


def activation_errors(criteria: Sequence[object], steps: Sequence[Step]) -> list[str]:
    """Why a version cannot go live (beyond its rows being right)."""
    errors = []
    if not criteria:
        errors.append(_("Add at least one enrolment criterion: a workflow for every patient "
                        "is rarely meant."))  # fmt: skip
    if not any(step.is_action for step in steps):
        errors.append(_("Add at least one email, SMS or task."))
    return errors
