"""The builder page's form: the name and settings (a Django form), criteria and action rows.

The page is one HTML form. Its buttons (+ Patient, × on a row, ↑ ↓ on an action, Preview,
Save) all post it back with `op` naming what to do, so it works without JavaScript; htmx
posts the same form and swaps it in place. Rows are named as the engine keys its errors
(`criteria-0-value`, `steps-2-body`: checks.VersionInvalid), so each error lands next to
its field. This module only reads what was typed (whole numbers, ids, lengths); the rules
of a workflow are the engine's (checks.py, criteria.py) and are never repeated here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

from django import forms
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from appointments.models import ConsultationType
from practice.models import Location, Membership, Practice
from practice.parsing import InvalidInput, date_placeholder, parse_id, parse_user_date
from practice.scoping import for_practice

from . import checks, sending
from . import criteria as crit
from .models import (
    ALL_WEEKDAYS,
    Criterion,
    Goal,
    Operator,
    Step,
    Subject,
    TaskKind,
    WorkflowVersion,
)

MAX_ROWS = 30
MAX_PAUSE_NUMBER = 100_000  # beyond any pause the engine allows (it says so), below overflow
MAX_BODY = checks.MAX_EMAIL_TEXT  # the engine's limit, checked again on saving
WEEKDAYS = [
    ("0", gettext_lazy("Mon")),
    ("1", gettext_lazy("Tue")),
    ("2", gettext_lazy("Wed")),
    ("3", gettext_lazy("Thu")),
    ("4", gettext_lazy("Fri")),
    ("5", gettext_lazy("Sat")),
    ("6", gettext_lazy("Sun")),
]

# How operators read for each kind of field (the engine's labels fit text fields; a date
# is 'before', an amount 'less than').
_DATE_WORDS = {
    Operator.EQUALS: gettext_lazy("on"),
    Operator.NOT_EQUALS: gettext_lazy("not on"),
    Operator.BEFORE: gettext_lazy("before"),
    Operator.AFTER: gettext_lazy("after"),
    Operator.BETWEEN: gettext_lazy("between"),
    Operator.MORE_THAN_DAYS_AGO: gettext_lazy("more than N days ago"),
    Operator.WITHIN_DAYS: gettext_lazy("within the last N days"),
}
_NUMBER_WORDS = {
    Operator.EQUALS: gettext_lazy("equals"),
    Operator.NOT_EQUALS: gettext_lazy("not equals"),
    Operator.BEFORE: gettext_lazy("less than"),
    Operator.AFTER: gettext_lazy("more than"),
    Operator.BETWEEN: gettext_lazy("between"),
}
_AGE_WORDS = {
    Operator.EQUALS: gettext_lazy("is / born in"),
    Operator.NOT_EQUALS: gettext_lazy("is not / not born in"),
    Operator.BEFORE: gettext_lazy("younger than / born before"),
    Operator.AFTER: gettext_lazy("older than / born after"),
    Operator.BETWEEN: gettext_lazy("between"),
}
_CHOICE_WORDS = {Operator.EQUALS: gettext_lazy("is"), Operator.NOT_EQUALS: gettext_lazy("is not")}
OPERATOR_WORDS = {
    crit.DATE: _DATE_WORDS,
    crit.MOMENT: _DATE_WORDS,
    crit.NUMBER: _NUMBER_WORDS,
    crit.AGE: _AGE_WORDS,
    crit.CHOICE: _CHOICE_WORDS,
    crit.BOOL: _CHOICE_WORDS,
    crit.ROW: _CHOICE_WORDS,
}
DAYS_OPERATORS = (Operator.MORE_THAN_DAYS_AGO, Operator.WITHIN_DAYS)


def operator_choices(kind: str) -> list[tuple[str, str]]:
    """The operators a field of `kind` allows (criteria.OPERATORS), worded for the kind."""
    words = OPERATOR_WORDS.get(kind, {})
    return [(op, str(words.get(op) or Operator(op).label)) for op in crit.OPERATORS[kind]]


class SettingsForm(forms.Form):
    """The workflow's name and its version's settings (checks.SETTINGS)."""

    name = forms.CharField(label=gettext_lazy("Name"), required=False, max_length=200)
    enrol_existing = forms.BooleanField(
        label=gettext_lazy("Enrol existing patients"),
        required=False,
        help_text=gettext_lazy(
            "Ticked: every patient who matches when the workflow is activated is enrolled. "
            "Otherwise only patients who come to match later are."
        ),
    )
    weekdays = forms.MultipleChoiceField(
        label=gettext_lazy("Days on which actions may run"),
        choices=WEEKDAYS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    window_start = forms.TimeField(label=gettext_lazy("From"), widget=forms.TimeInput(
        attrs={"type": "time"}, format="%H:%M"))  # fmt: skip
    window_end = forms.TimeField(
        label=gettext_lazy("Until"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=gettext_lazy("Local time of the patient's usual location. 00:00: midnight."),
    )
    exclusive = forms.BooleanField(
        label=gettext_lazy("Exclusive"),
        required=False,
        help_text=WorkflowVersion._meta.get_field("exclusive").help_text,
    )
    goal = forms.ChoiceField(
        label=gettext_lazy("Goal"),
        choices=Goal.choices,
        required=False,
        help_text=gettext_lazy(
            "Reaching it ends the patient's enrolment and closes its recall tasks."
        ),  # fmt: skip
    )
    allow_reenrolment = forms.BooleanField(
        label=gettext_lazy("May enrol again after finishing"), required=False
    )
    reenrol_after_days = forms.IntegerField(
        label=gettext_lazy("Days before enrolling again"),
        required=False,
        min_value=0,
        widget=forms.NumberInput(attrs={"min": 0, "class": "short"}),
    )

    def settings(self) -> dict[str, object]:
        """The settings read so far (a field that could not be read is left to its default:
        its own error shows)."""
        data = getattr(self, "cleaned_data", {})
        values: dict[str, object] = {}
        for name in ("enrol_existing", "exclusive", "allow_reenrolment", "goal"):
            if name in data:
                values[name] = data[name] or (False if name != "goal" else "")
        if "weekdays" in data:
            values["weekdays"] = "".join(sorted(data["weekdays"]))
        for name in ("window_start", "window_end"):
            if data.get(name) is not None:
                values[name] = data[name].replace(second=0, microsecond=0)
        if data.get("reenrol_after_days") is not None:
            values["reenrol_after_days"] = data["reenrol_after_days"]
        return values


def settings_initial(name: str, version: WorkflowVersion | None) -> dict[str, object]:
    if version is None:
        return {"name": name, "weekdays": list(ALL_WEEKDAYS), "window_start": dt.time(9),
                "window_end": dt.time(20), "reenrol_after_days": 30}  # fmt: skip
    return {
        "name": name,
        "enrol_existing": version.enrol_existing,
        "exclusive": version.exclusive,
        "goal": version.goal,
        "allow_reenrolment": version.allow_reenrolment,
        "reenrol_after_days": version.reenrol_after_days,
        "weekdays": list(version.weekdays),
        "window_start": version.window_start,
        "window_end": version.window_end,
    }


@dataclass
class CriterionRow:
    subject: str = ""
    field: str = ""
    operator: str = ""
    value: str = ""
    value_to: str = ""
    errors: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    # The choices of the value, when it is a select.
    choices: list[tuple[str, str]] = dataclasses.field(default_factory=list)

    @property
    def spec(self) -> crit.FieldSpec | None:
        return crit.FIELDS.get((self.subject, self.field))

    @property
    def subject_label(self) -> str:
        return str(Subject(self.subject).label) if self.subject in Subject.values else "?"

    @property
    def fields(self) -> list[tuple[str, str]]:
        return [(spec.name, str(spec.label)) for spec in crit.fields_of(self.subject)]

    @property
    def operators(self) -> list[tuple[str, str]]:
        spec = self.spec
        return operator_choices(spec.kind) if spec else []

    @property
    def widget(self) -> str:
        """How the value is typed: text, select, date, days, number or age."""
        spec = self.spec
        if spec is None:
            return "text"
        if self.operator in DAYS_OPERATORS:
            return "days"
        if spec.kind in (crit.CHOICE, crit.BOOL, crit.ROW):
            return "select"
        if spec.kind in (crit.DATE, crit.MOMENT):
            return "date"
        return {crit.NUMBER: "number", crit.AGE: "age"}.get(spec.kind, "text")

    @property
    def between(self) -> bool:
        return self.operator == Operator.BETWEEN

    def show_dates_typed(self) -> None:
        """A saved day (ISO) shown as the user's language types it (30/11/2026)."""
        if self.widget == "date":
            self.value, self.value_to = _typed_day(self.value), _typed_day(self.value_to)

    @property
    def date_placeholder(self) -> str:
        return date_placeholder(formats.get_format("DATE_INPUT_FORMATS")[0])

    def settle(self) -> None:
        """After the field changed: an operator the new field does not take becomes its
        first one (the engine would refuse it anyway; the page offers only what fits)."""
        allowed = [op for op, _label in self.operators]
        if allowed and self.operator not in allowed:
            self.operator = allowed[0]


@dataclass
class StepRow:
    kind: str = ""
    pause_days: str = "0"
    pause_hours: str = "0"
    pause_minutes: str = "0"
    subject: str = ""
    body: str = ""
    task_kind: str = ""
    task_description: str = ""
    task_assignee: str = ""
    errors: dict[str, list[str]] = dataclasses.field(default_factory=dict)

    @property
    def kind_label(self) -> str:
        return str(Step.Kind(self.kind).label) if self.kind in Step.Kind.values else "?"

    @property
    def segments(self) -> int:
        return sending.sample_segments(self.body) if self.kind == Step.Kind.SMS else 0


_CRITERION_FIELDS = ("subject", "field", "operator", "value", "value_to")
_STEP_FIELDS = ("kind", "pause_days", "pause_hours", "pause_minutes", "subject", "body",
                "task_kind", "task_description", "task_assignee")  # fmt: skip
_LIMITS = {
    "value": Criterion._meta.get_field("value").max_length,
    "value_to": Criterion._meta.get_field("value_to").max_length,
    "subject": Step._meta.get_field("subject").max_length,
    "task_description": Step._meta.get_field("task_description").max_length,
    "body": MAX_BODY,
}


def _indices(data: Mapping[str, str], prefix: str) -> list[int]:
    pattern = re.compile(rf"^{prefix}-(\d{{1,3}})-(?:subject|kind)$")
    found = {int(m.group(1)) for key in data if (m := pattern.match(key))}
    return sorted(found)[:MAX_ROWS]


def _rows(data: Mapping[str, str], prefix: str, names: tuple[str, ...], row_type):
    rows = []
    for index in _indices(data, prefix):
        values = {name: str(data.get(f"{prefix}-{index}-{name}", "")) for name in names}
        rows.append(row_type(**values))
    return rows


class Builder:
    """What the page holds: the settings form, the criteria and the action rows."""

    def __init__(self, practice: Practice, form: SettingsForm, criteria, steps) -> None:
        self.practice = practice
        self.form = form
        self.criteria: list[CriterionRow] = criteria
        self.steps: list[StepRow] = steps
        self.problems: list[str] = []  # not about one field (the SMS credit, activation)

    @classmethod
    def from_post(cls, practice: Practice, data: Mapping[str, str]) -> Builder:
        form = SettingsForm(data)
        form.is_valid()
        criteria = _rows(data, "criteria", _CRITERION_FIELDS, CriterionRow)
        steps = _rows(data, "steps", _STEP_FIELDS, StepRow)
        for row in criteria:
            row.settle()
        return cls(practice, form, criteria, steps)

    @classmethod
    def from_version(cls, practice: Practice, name: str, version: WorkflowVersion | None):
        form = SettingsForm(initial=settings_initial(name, version))
        criteria, steps = [], []
        if version is not None:
            criteria = [
                CriterionRow(**{name: getattr(c, name) for name in _CRITERION_FIELDS})
                for c in for_practice(Criterion, practice).filter(version=version)
            ]
            for row in criteria:
                row.show_dates_typed()
            steps = [_step_row(s) for s in for_practice(Step, practice).filter(version=version)]
        return cls(practice, form, criteria, steps)

    # --- what the buttons do ------------------------------------------------------------

    def apply(self, op: str) -> None:
        """Add, remove or move a row as `op` says ('add-criterion:patient', 'up:2', ...).
        Anything else (refresh, preview, an unknown op) changes nothing."""
        verb, _sep, arg = op.partition(":")
        if verb == "add-criterion" and arg in Subject.values:
            self._add_criterion(arg)
        elif verb == "add-step" and arg in Step.Kind.values and len(self.steps) < MAX_ROWS:
            self.steps.append(StepRow(kind=arg))
        elif verb in ("remove-criterion", "remove-step", "up", "down") and arg.isdigit():
            self._change_row(verb, int(arg))

    def _add_criterion(self, subject: str) -> None:
        if len(self.criteria) >= MAX_ROWS:
            return
        first = crit.fields_of(subject)[0]
        row = CriterionRow(subject=subject, field=first.name)
        row.settle()
        self.criteria.append(row)

    def _change_row(self, verb: str, index: int) -> None:
        rows = self.criteria if verb == "remove-criterion" else self.steps
        if not 0 <= index < len(rows):
            return
        if verb.startswith("remove"):
            del rows[index]
            return
        other = index - 1 if verb == "up" else index + 1
        if 0 <= other < len(rows):
            rows[index], rows[other] = rows[other], rows[index]

    # --- what goes to the engine --------------------------------------------------------

    @property
    def name(self) -> str:
        return str(self.form.data.get("name", "")) if self.form.is_bound else ""

    def engine_rows(self) -> tuple[list[Criterion], list[Step], dict[str, list[str]]]:
        """Criteria and steps as unsaved engine rows, and what could not be read (whole
        numbers, ids, lengths) keyed as the engine keys its errors."""
        unread: dict[str, list[str]] = {}
        criteria = []
        for index, row in enumerate(self.criteria):
            for name in ("value", "value_to"):
                self._limit(unread, f"criteria-{index}-{name}", getattr(row, name), name)
            values = {name: getattr(row, name) for name in _CRITERION_FIELDS}
            if row.widget == "date":
                values.update(value=_iso_day(row.value), value_to=_iso_day(row.value_to))
            criteria.append(Criterion(practice=self.practice, **values))
        steps = [self._engine_step(index, row, unread) for index, row in enumerate(self.steps)]
        return criteria, steps, unread

    def _engine_step(self, index: int, row: StepRow, unread: dict[str, list[str]]) -> Step:
        key = f"steps-{index}-"
        numbers = {}
        for name in ("pause_days", "pause_hours", "pause_minutes"):
            numbers[name] = _whole(getattr(row, name), key + name, unread)
        for name in ("subject", "body", "task_description"):
            self._limit(unread, key + name, getattr(row, name), name)
        assignee = None
        if row.kind == Step.Kind.TASK and row.task_assignee.strip():
            try:
                assignee = parse_id(row.task_assignee, field="task_assignee")
            except InvalidInput:
                unread[key + "task_assignee"] = [_("Choose the staff member from the list.")]
        return Step(
            practice=self.practice,
            kind=row.kind,
            subject=row.subject if row.kind == Step.Kind.EMAIL else "",
            body=row.body if row.kind in Step.MESSAGE_KINDS else "",
            task_kind=row.task_kind if row.kind == Step.Kind.TASK else "",
            task_description=row.task_description if row.kind == Step.Kind.TASK else "",
            task_assignee_id=assignee,
            **(numbers if row.kind == Step.Kind.PAUSE else {}),
        )

    @staticmethod
    def _limit(unread: dict[str, list[str]], key: str, text: str, name: str) -> None:
        limit = _LIMITS[name]
        if len(text) > limit:
            unread[key] = [_("At most %(max)s characters.") % {"max": limit}]

    # --- showing errors -----------------------------------------------------------------

    def show_errors(
        self,
        fields: Mapping[str, list[str]],
        criteria: list[Mapping[str, list[str]]] = (),
        steps: list[Mapping[str, list[str]]] = (),
    ) -> None:
        for name, messages in fields.items():
            if name in self.form.fields:
                if name not in self.form.errors:
                    self.form.add_error(name, list(messages))
            else:
                self.problems.extend(messages)
        for rows, errors in ((self.criteria, criteria), (self.steps, steps)):
            for row, row_errors in zip(rows, errors, strict=False):
                for name, messages in row_errors.items():
                    row.errors.setdefault(name, list(messages))

    def show_unread(self, unread: Mapping[str, list[str]]) -> None:
        """Errors keyed 'criteria-0-value' / 'steps-1-pause_days' onto their rows."""
        for key, messages in unread.items():
            prefix, index, name = key.split("-", 2)
            rows = self.criteria if prefix == "criteria" else self.steps
            rows[int(index)].errors[name] = list(messages)

    @property
    def has_errors(self) -> bool:
        rows = [*self.criteria, *self.steps]
        return bool(self.form.errors or self.problems or any(row.errors for row in rows))

    # --- what the page shows ------------------------------------------------------------

    def decorate(self) -> None:
        """Fill in the choices of value selects (consultation types, staff, locations of
        this practice): one query a kind of row, only when a criterion needs it."""
        rows_by_model: dict[type, list[tuple[str, str]]] = {}
        for row in self.criteria:
            spec = row.spec
            if spec is None or spec.kind not in (crit.CHOICE, crit.BOOL, crit.ROW):
                continue
            if spec.row_model is None:
                row.choices = [(value, str(label)) for value, label in spec.choices]
                continue
            if spec.row_model not in rows_by_model:
                rows_by_model[spec.row_model] = _practice_rows(self.practice, spec.row_model)
            row.choices = rows_by_model[spec.row_model]


def _typed_day(text: str) -> str:
    try:
        return formats.localize_input(dt.date.fromisoformat(text))
    except ValueError:
        return text


def _iso_day(text: str) -> str:
    """A day typed in the user's format, saved as ISO (what the engine reads, whoever's
    language); left as typed when unreadable, so the engine names the error."""
    try:
        return parse_user_date(text, field="value").isoformat() if text else text
    except InvalidInput:
        return text


def _whole(text: str, key: str, unread: dict[str, list[str]]) -> int:
    text = (text or "").strip() or "0"
    if text.isascii() and text.isdigit() and int(text) <= MAX_PAUSE_NUMBER:
        return int(text)
    unread[key] = [_("Give a whole number, 0 or more.")]
    return 0


def _step_row(step: Step) -> StepRow:
    return StepRow(
        kind=step.kind,
        pause_days=str(step.pause_days),
        pause_hours=str(step.pause_hours),
        pause_minutes=str(step.pause_minutes),
        subject=step.subject,
        body=step.body,
        task_kind=step.task_kind,
        task_description=step.task_description,
        task_assignee=str(step.task_assignee_id or ""),
    )


def _practice_rows(practice: Practice, model: type) -> list[tuple[str, str]]:
    if model is Membership:
        staff = for_practice(Membership, practice).filter(is_active=True).select_related("user")
        return sorted(((str(m.pk), m.name) for m in staff), key=lambda pair: pair[1].lower())
    if model is ConsultationType:
        rows = for_practice(ConsultationType, practice).order_by("name")
    elif model is Location:
        rows = for_practice(Location, practice).order_by("name")
    else:
        rows = for_practice(model, practice).order_by("pk")
    return [(str(row.pk), str(row)) for row in rows]


def active_staff(practice: Practice) -> list[tuple[str, str]]:
    """Who may be responsible for a task: the practice's active staff, by name, each with
    their role (a manager looks for 'reception', not a name)."""
    staff = for_practice(Membership, practice).filter(is_active=True).select_related("user")
    rows = ((str(m.pk), f"{m.name} · {m.get_role_display()}") for m in staff)
    return sorted(rows, key=lambda pair: pair[1].lower())


TASK_KINDS = TaskKind.choices
