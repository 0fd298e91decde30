"""Enrolment criteria: what each may say, how its value is read, and the one SQL query.

Each criterion names a subject (patient, appointment, treatment plan, treatment), one of
that subject's fields, an operator and a value. `parse_criterion` reads and checks one
without touching the database; `criteria_check` also checks that named rows (consultation
type, practitioner, location) belong to the practice. `matching_patients` compiles all of a
version's criteria into ONE query over patients.Patient: patient fields filter the patient
row (and its client); appointment, plan and treatment criteria each become one EXISTS
subquery, so all criteria of one subject must hold for the same appointment (plan,
treatment). All criteria must hold.

Dates are the practice's local days (practice/localtime.py): 'on 2030-03-31' is that local
day, 'more than 540 days ago' is before the start of the local day 540 days before today.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from appointments.models import Appointment, ConsultationType, PlannedTreatment, TreatmentPlan
from patients.models import Patient, Sex
from practice import localtime
from practice.models import Location, Membership, Practice
from practice.parsing import InvalidInput, parse_date, parse_id
from practice.scoping import for_practice

from .models import Operator, Subject

# How a field's value is read and which operators it takes.
TEXT, CHOICE, BOOL, ROW, DATE, MOMENT, NUMBER, AGE = (
    "text",
    "choice",
    "bool",
    "row",
    "date",
    "moment",
    "number",
    "age",
)
_SAME = (Operator.EQUALS, Operator.NOT_EQUALS)
_ORDERED = (*_SAME, Operator.BEFORE, Operator.AFTER, Operator.BETWEEN)
_DAYS_AGO = (Operator.MORE_THAN_DAYS_AGO, Operator.WITHIN_DAYS)
OPERATORS: dict[str, tuple[str, ...]] = {
    TEXT: (*_SAME, Operator.CONTAINS, Operator.NOT_CONTAINS),
    CHOICE: _SAME,
    BOOL: (Operator.EQUALS,),
    ROW: _SAME,
    DATE: (*_ORDERED, *_DAYS_AGO),
    MOMENT: (*_ORDERED, *_DAYS_AGO),
    NUMBER: _ORDERED,
    AGE: _ORDERED,
}
MAX_DAYS = 365 * 200
MAX_AMOUNT = decimal.Decimal("99999999.99")
BOOL_CHOICES = [("true", gettext_lazy("yes")), ("false", gettext_lazy("no"))]
CONSENT_CHOICES = [
    ("yes", gettext_lazy("agreed")),
    ("no", gettext_lazy("refused")),
    ("unknown", gettext_lazy("not asked")),
]
# Appointments that did not happen do not count as "seen" (first / last appointment).
_HELD = ~Q(status__in=Appointment.RELEASED)


@dataclass(frozen=True)
class FieldSpec:
    subject: str
    name: str
    label: object
    kind: str
    path: str = ""
    choices: list[tuple[str, object]] = field(default_factory=list)
    row_model: type[models.Model] | None = None
    # A field that is not a column: a Q built from the parsed value (e.g. 'SMS allowed').
    build: Callable[[object], Q] | None = None
    # An expression the path names, added with alias() (e.g. the last appointment's start).
    alias: Callable[[Practice], models.Expression] | None = None


def _sms_allowed(allowed: object) -> Q:
    # Mirrors patients.models.Client.usable_channels for SMS: a mobile that neither replied
    # STOP nor is a landline.
    usable = (
        Q(client__mobile__gt="")
        & Q(client__sms_opted_out=False)
        & Q(client__mobile_is_landline=False)
    )
    return usable if allowed else ~usable


def _consent(answer: object) -> Q:
    if answer == "unknown":
        return Q(client__marketing_consent__isnull=True)
    return Q(client__marketing_consent=(answer == "yes"))


def _appointment_moment(first: bool) -> Callable[[Practice], models.Expression]:
    def expression(practice: Practice) -> models.Expression:
        held = for_practice(Appointment, practice).filter(_HELD, patient_id=OuterRef("pk"))
        order = "starts_at" if first else "-starts_at"
        return Subquery(held.order_by(order).values("starts_at")[:1])

    return expression


def _plan_amount(practice: Practice) -> models.Expression:
    fees = (
        for_practice(PlannedTreatment, practice)
        .filter(plan_id=OuterRef("pk"))
        .exclude(status=PlannedTreatment.Status.CANCELLED)
        .order_by()
        .values("plan_id")
        .annotate(total=Sum("fee"))
        .values("total")
    )
    return Coalesce(Subquery(fees), Value(decimal.Decimal(0)), output_field=models.DecimalField())


def _specs() -> dict[tuple[str, str], FieldSpec]:
    P, A, PL, T = Subject.PATIENT, Subject.APPOINTMENT, Subject.PLAN, Subject.TREATMENT
    f = gettext_lazy
    specs = [
        FieldSpec(P, "last_name", f("last name"), TEXT, "client__last_name"),
        FieldSpec(P, "first_name", f("first name"), TEXT, "client__first_name"),
        FieldSpec(P, "name", f("patient name"), TEXT, "name"),
        FieldSpec(P, "species", f("species"), TEXT, "species"),
        FieldSpec(P, "city", f("city"), TEXT, "client__city"),
        FieldSpec(P, "sex", f("sex"), CHOICE, "sex", choices=list(Sex.choices)),
        FieldSpec(P, "age", f("age (or year of birth)"), AGE, "birth_date"),
        FieldSpec(
            P, "sms_allowed", f("SMS allowed"), BOOL, choices=BOOL_CHOICES, build=_sms_allowed
        ),
        FieldSpec(P, "email", f("email"), TEXT, "client__email"),
        FieldSpec(
            P, "marketing_consent", f("marketing consent"), CHOICE, choices=CONSENT_CHOICES,
            build=_consent,
        ),
        FieldSpec(P, "created_on", f("created on"), MOMENT, "created_at"),
        FieldSpec(
            P, "first_appointment", f("first appointment date"), MOMENT, "mw_first_appointment",
            alias=_appointment_moment(first=True),
        ),
        FieldSpec(
            P, "last_appointment", f("last appointment date"), MOMENT, "mw_last_appointment",
            alias=_appointment_moment(first=False),
        ),
        FieldSpec(
            A, "consultation_type", f("consultation type"), ROW, "consultation_type_id",
            row_model=ConsultationType,
        ),
        FieldSpec(
            A, "category", f("consultation category"), CHOICE, "consultation_type__category",
            choices=list(ConsultationType.Category.choices),
        ),
        FieldSpec(
            A, "status", f("status"), CHOICE, "status", choices=list(Appointment.Status.choices)
        ),
        FieldSpec(
            A, "practitioner", f("practitioner"), ROW, "practitioner_id", row_model=Membership
        ),
        FieldSpec(A, "location", f("location"), ROW, "location_id", row_model=Location),
        FieldSpec(A, "date", f("date"), MOMENT, "starts_at"),
        FieldSpec(
            PL, "status", f("status"), CHOICE, "status", choices=list(TreatmentPlan.Status.choices)
        ),
        FieldSpec(PL, "title", f("title"), TEXT, "title"),
        FieldSpec(PL, "date", f("created on"), MOMENT, "created_at"),
        FieldSpec(PL, "amount", f("amount"), NUMBER, "mw_amount", alias=_plan_amount),
        FieldSpec(T, "code", f("procedure code"), TEXT, "code"),
        FieldSpec(T, "description", f("description"), TEXT, "description"),
        FieldSpec(
            T, "status", f("status"), CHOICE, "status",
            choices=list(PlannedTreatment.Status.choices),
        ),
        FieldSpec(T, "amount", f("amount"), NUMBER, "fee"),
        FieldSpec(T, "date", f("date"), MOMENT, "appointment__starts_at"),
        FieldSpec(
            T, "practitioner", f("practitioner"), ROW, "appointment__practitioner_id",
            row_model=Membership,
        ),
        FieldSpec(
            T, "location", f("location"), ROW, "appointment__location_id", row_model=Location
        ),
    ]  # fmt: skip
    return {(spec.subject, spec.name): spec for spec in specs}


FIELDS = _specs()


def fields_of(subject: str) -> list[FieldSpec]:
    """The fields a criterion on `subject` may name, in the order to offer them."""
    return [spec for (of, _name), spec in FIELDS.items() if of == subject]


@dataclass(frozen=True)
class Parsed:
    """A criterion read and checked: `value` and `value_to` are Python values."""

    spec: FieldSpec
    operator: str
    value: object
    value_to: object = None


def _read_number(text: str, key: str) -> decimal.Decimal:
    try:
        number = decimal.Decimal(text.replace(",", "."))
    except decimal.InvalidOperation:
        number = None
    if number is None or not number.is_finite() or abs(number) > MAX_AMOUNT:
        raise ValidationError({key: _("Give a number, for example 120 or 99.50.")})
    return number


def _read_whole(text: str, key: str, low: int, high: int, message: str) -> int:
    if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
        raise ValidationError({key: message})
    return int(text)


MAX_AGE = 150


def _read_age(text: str, key: str) -> int:
    message = _("Give an age in years (e.g. 40) or a year of birth (e.g. 1988).")
    number = _read_whole(text, key, 0, localtime.LAST_YEAR, message)
    if MAX_AGE < number < localtime.FIRST_YEAR:
        raise ValidationError({key: message})
    return number


def _read_value(spec: FieldSpec, operator: str, text: str, key: str) -> object:
    """The Python value of `text` for `spec` and `operator`, or a ValidationError on `key`."""
    if operator in _DAYS_AGO:
        return _read_whole(text, key, 0, MAX_DAYS, _("Give a number of days, e.g. 540."))
    if spec.kind == TEXT:
        return text
    if spec.kind in (CHOICE, BOOL):
        if text not in {value for value, _label in spec.choices}:
            labels = ", ".join(str(label) for _value, label in spec.choices)
            raise ValidationError({key: _("Choose one of: %(values)s.") % {"values": labels}})
        return text == "true" if spec.kind == BOOL else text
    if spec.kind == ROW:
        try:
            return parse_id(text, field=key)
        except InvalidInput as error:
            raise ValidationError({key: _("Choose one from the list.")}) from error
    if spec.kind in (DATE, MOMENT):
        try:
            return parse_date(text, field=key)
        except InvalidInput as error:
            raise ValidationError({key: _("Give a date as YYYY-MM-DD.")}) from error
    if spec.kind == AGE:
        return _read_age(text, key)
    return _read_number(text, key)


def parse_criterion(
    *, subject: str, field: str, operator: str, value: str, value_to: str = ""
) -> Parsed:
    """Read one criterion without the database; ValidationError keyed by the part at fault."""
    spec = FIELDS.get((subject, field))
    if spec is None:
        if subject not in Subject.values:
            raise ValidationError({"subject": _("Choose patient, appointment, plan or treatment.")})
        raise ValidationError({"field": _("Choose a field of this type from the list.")})
    if operator not in OPERATORS[spec.kind]:
        labels = ", ".join(str(Operator(op).label) for op in OPERATORS[spec.kind])
        raise ValidationError(
            {"operator": _("'%(field)s' can be compared with: %(operators)s.")
             % {"field": spec.label, "operators": labels}}
        )  # fmt: skip
    text = (value or "").strip()
    contains = operator in (Operator.CONTAINS, Operator.NOT_CONTAINS)
    if not text and (spec.kind != TEXT or contains):
        raise ValidationError({"value": _("Give a value.")})
    parsed = _read_value(spec, operator, text, "value")
    upper = None
    if operator == Operator.BETWEEN:
        upper = _read_value(spec, operator, (value_to or "").strip(), "value_to")
        if upper < parsed:
            raise ValidationError({"value_to": _("The second value must not be below the first.")})
    return Parsed(spec, operator, parsed, upper)


def criteria_rows(
    practice: Practice, criteria: Iterable[object]
) -> tuple[list[Parsed], list[dict[str, list[str]]]]:
    """Read every criterion (objects with subject, field, operator, value, value_to) and
    check that the rows they name belong to `practice`: (the criteria read, one error dict
    per criterion, empty for a good one)."""
    parsed: list[Parsed] = []
    problems: list[dict[str, list[str]]] = []
    for criterion in criteria:
        try:
            one = _parse_saved(criterion)
            _check_row(practice, one)
        except ValidationError as error:
            problems.append(error.message_dict)
        else:
            parsed.append(one)
            problems.append({})
    return parsed, problems


def _check_row(practice: Practice, parsed: Parsed) -> None:
    model = parsed.spec.row_model
    if model is None:
        return
    if not for_practice(model, practice).filter(pk=parsed.value).exists():
        raise ValidationError({"value": _("Choose one from the list.")})


# --- compiling -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Days:
    """The practice's local days as UTC bounds."""

    tz: object
    today: dt.date

    def start(self, day: dt.date) -> dt.datetime:
        return localtime.day_bounds(day, self.tz)[0]

    def days_ago(self, days: int) -> dt.date:
        return self.today - dt.timedelta(days=days)


def _date_range(parsed: Parsed, days: _Days, moment: bool) -> tuple[object, object]:
    """[low, high) for the operator, in the column's terms (UTC instants or dates); None is
    open. Days-ago operators count local days back from today."""
    op, value = parsed.operator, parsed.value

    def bound(day: dt.date) -> object:
        return days.start(day) if moment else day

    if op == Operator.MORE_THAN_DAYS_AGO:
        return None, bound(days.days_ago(value))
    if op == Operator.WITHIN_DAYS:
        return bound(days.days_ago(value)), None
    after = dt.timedelta(days=1)
    if op == Operator.BEFORE:
        return None, bound(value)
    if op == Operator.AFTER:
        return bound(value + after), None
    last = parsed.value_to if op == Operator.BETWEEN else value
    return bound(value), bound(last + after)


def _birth_range(parsed: Parsed, days: _Days) -> tuple[object, object]:
    """[low, high) of birth dates. A value of a year (1900 and later) means born in it,
    as in 'age equals 1988'; a smaller one is an age in whole years on the local today."""
    low_value, high_value = parsed.value, parsed.value_to
    op = parsed.operator
    if low_value >= localtime.FIRST_YEAR:
        first = dt.date(low_value, 1, 1)
        last_year = high_value if op == Operator.BETWEEN else low_value
        end = dt.date(last_year + 1, 1, 1)
        if op == Operator.BEFORE:
            return None, first
        if op == Operator.AFTER:
            return end, None
        return first, end
    today = days.today

    def born_by(age: int) -> dt.date:
        # The day after which someone is younger than `age`: born after it means younger.
        return today - relativedelta(years=age)

    if op == Operator.BEFORE:  # younger than N
        return born_by(low_value) + dt.timedelta(days=1), None
    if op == Operator.AFTER:  # older than N: N+1 or more
        return None, born_by(low_value + 1) + dt.timedelta(days=1)
    oldest = high_value if op == Operator.BETWEEN else low_value
    return born_by(oldest + 1) + dt.timedelta(days=1), born_by(low_value) + dt.timedelta(days=1)


def _range_q(path: str, low: object, high: object, negate: bool) -> Q:
    q = Q()
    if low is not None:
        q &= Q(**{f"{path}__gte": low})
    if high is not None:
        q &= Q(**{f"{path}__lt": high})
    return ~q if negate else q


def condition(parsed: Parsed, days: _Days) -> Q:
    """The Q one criterion adds, on its subject's model."""
    spec, op, value = parsed.spec, parsed.operator, parsed.value
    negate = op == Operator.NOT_EQUALS
    if spec.build is not None:
        q = spec.build(value)
        return ~q if negate else q
    if spec.kind == TEXT:
        lookup = "icontains" if op in (Operator.CONTAINS, Operator.NOT_CONTAINS) else "iexact"
        q = Q(**{f"{spec.path}__{lookup}": value})
        return ~q if op in (Operator.NOT_EQUALS, Operator.NOT_CONTAINS) else q
    if spec.kind in (DATE, MOMENT, AGE):
        if spec.kind == AGE:
            low, high = _birth_range(parsed, days)
        else:
            low, high = _date_range(parsed, days, moment=spec.kind == MOMENT)
        return _range_q(spec.path, low, high, negate)
    if spec.kind == NUMBER:
        return _number_q(spec.path, op, value, parsed.value_to)
    q = Q(**{spec.path: value})
    return ~q if negate else q


def _number_q(path: str, op: str, value: object, value_to: object) -> Q:
    if op == Operator.BEFORE:
        return Q(**{f"{path}__lt": value})
    if op == Operator.AFTER:
        return Q(**{f"{path}__gt": value})
    if op == Operator.BETWEEN:
        return Q(**{f"{path}__gte": value, f"{path}__lte": value_to})
    q = Q(**{path: value})
    return ~q if op == Operator.NOT_EQUALS else q


# How each related subject reaches the patient, and its rows.
_RELATED: dict[str, tuple[type[models.Model], str]] = {
    Subject.APPOINTMENT: (Appointment, "patient_id"),
    Subject.PLAN: (TreatmentPlan, "patient_id"),
    Subject.TREATMENT: (PlannedTreatment, "plan__patient_id"),
}


def _with_aliases(queryset: QuerySet, practice: Practice, parsed: list[Parsed]) -> QuerySet:
    aliases = {p.spec.path: p.spec.alias(practice) for p in parsed if p.spec.alias is not None}
    return queryset.alias(**aliases) if aliases else queryset


def matching_patients(
    practice: Practice, criteria: Iterable[Parsed | object], *, now: dt.datetime | None = None
) -> QuerySet[Patient]:
    """The practice's active patients meeting every criterion, as ONE query (not run here).

    `criteria` are Parsed, or objects with subject/field/operator/value/value_to (saved
    Criterion rows), read with `parse_criterion` (no database work)."""
    parsed = [c if isinstance(c, Parsed) else _parse_saved(c) for c in criteria]
    days = _Days(practice.tz, localtime.local_today(practice.tz, now))
    by_subject: dict[str, list[Parsed]] = defaultdict(list)
    for one in parsed:
        by_subject[one.spec.subject].append(one)
    patients = for_practice(Patient, practice).filter(is_active=True)
    own = by_subject.pop(Subject.PATIENT, [])
    patients = _with_aliases(patients, practice, own)
    patients = patients.filter(*[condition(one, days) for one in own])
    for subject, group in by_subject.items():
        model, link = _RELATED[subject]
        rows = _with_aliases(for_practice(model, practice), practice, group)
        rows = rows.filter(*[condition(one, days) for one in group], **{link: OuterRef("pk")})
        patients = patients.filter(Exists(rows))
    return patients.order_by()


def _parse_saved(criterion: object) -> Parsed:
    return parse_criterion(
        subject=criterion.subject,
        field=criterion.field,
        operator=criterion.operator,
        value=criterion.value,
        value_to=getattr(criterion, "value_to", ""),
    )


__all__ = [
    "FIELDS",
    "OPERATORS",
    "FieldSpec",
    "Parsed",
    "criteria_rows",
    "fields_of",
    "matching_patients",
    "parse_criterion",
]
