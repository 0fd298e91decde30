"""Writes for treatment plans and their planned treatments (services; pages and API call them).

A plan is proposed, then accepted or rejected; an accepted plan is completed or, after all,
rejected (`PLAN_TRANSITIONS`). Completed and rejected plans are closed: their treatments are
no longer added to or changed. Rejecting a plan cancels its treatments still planned, so the
checkout stops offering to book them; treatments already booked stay with their visit.

A planned treatment is changed while planned or booked, and cancelled rather than deleted
(a booked one's fee counts towards its visit's bill until it is cancelled).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from patients.models import Patient
from practice.models import Practice
from practice.rights import Right, require_right
from practice.scoping import for_practice
from practice.services import audit_log_write

from .models import PlannedTreatment, TreatmentPlan
from .services import check_same_practice

Plan = TreatmentPlan.Status
Treatment = PlannedTreatment.Status

PLAN_TRANSITIONS: dict[str, set[str]] = {
    Plan.PROPOSED: {Plan.ACCEPTED, Plan.REJECTED},
    Plan.ACCEPTED: {Plan.COMPLETED, Plan.REJECTED},
    Plan.COMPLETED: set(),
    Plan.REJECTED: set(),
}
OPEN_PLAN = {Plan.PROPOSED, Plan.ACCEPTED}
CHANGEABLE_TREATMENT = {Treatment.PLANNED, Treatment.BOOKED}
TREATMENT_FIELDS = {"code", "description", "fee", "to_book"}
# Django's checks of the fields' own shape (blank, length, digits); the foreign keys are
# checked by the services against the practice instead.
_NOT_CHECKED = ["practice", "plan", "patient", "appointment", "created_by"]


def _actor_user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _field_errors(row) -> dict[str, list[str]]:
    """The row's fields as Django checks them (blank, max length, digits), field → reasons."""
    try:
        row.full_clean(exclude=_NOT_CHECKED, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        return error.message_dict
    return {}


def _field_label(name: str) -> str:
    """A planned treatment's field as the reader's language names it ('tarief', not 'fee')."""
    try:
        return str(PlannedTreatment._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


def _treatment_errors(treatment: PlannedTreatment) -> dict[str, list[str]]:
    """What is wrong with a planned treatment's code, description and fee (a fee may be zero,
    for a treatment given free, but never below)."""
    errors = _field_errors(treatment)
    if treatment.fee is not None and "fee" not in errors and treatment.fee < 0:
        errors["fee"] = [_("A fee cannot be below zero.")]
    return errors


def _new_treatment(practice: Practice, plan: TreatmentPlan, fields: Mapping[str, Any]):
    unknown = set(fields) - TREATMENT_FIELDS
    if unknown:
        raise ValueError(f"Unknown planned treatment fields: {sorted(unknown)}")
    cleaned = {
        name: value.strip() if isinstance(value, str) else value for name, value in fields.items()
    }
    return PlannedTreatment(practice=practice, plan=plan, **cleaned)


def _check_open(plan: TreatmentPlan) -> None:
    if plan.status not in OPEN_PLAN:
        raise ValidationError(
            {
                "plan": _("The plan is “%(status)s”: its treatments can no longer change.")
                % {"status": plan.get_status_display()}
            }
        )


@transaction.atomic
def treatment_plan_create(
    practice: Practice,
    *,
    actor,
    patient: Patient,
    title: str,
    treatments: Sequence[Mapping[str, Any]] = (),
) -> TreatmentPlan:
    """Propose a plan for `patient` with its treatments (code, description, fee, to_book),
    made by `actor`. Nothing is saved when the title or any treatment is refused; a
    treatment's reasons are named by its line (1 for the first)."""
    require_right(practice, actor, Right.EDIT_PATIENTS)
    check_same_practice(practice, patient=patient)
    plan = TreatmentPlan(
        practice=practice,
        patient=patient,
        title=(title or "").strip(),
        status=Plan.PROPOSED,
        created_by=_actor_user(actor),
    )
    errors = _field_errors(plan)
    rows = [_new_treatment(practice, plan, fields) for fields in treatments]
    for line, row in enumerate(rows, start=1):
        for field, reasons in _treatment_errors(row).items():
            errors.setdefault("treatments", []).extend(
                _("Line %(line)d, %(field)s: %(reason)s")
                % {"line": line, "field": _field_label(field), "reason": reason}
                for reason in reasons
            )
    if errors:
        raise ValidationError(errors)
    plan.save()
    for row in rows:
        row.plan = plan
        row.save()
    audit_log_write(
        practice,
        actor=actor,
        action="treatment_plan.create",
        obj=plan,
        data={"treatments": len(rows), "fees": str(sum((row.fee for row in rows), Decimal(0)))},
    )
    return plan


def _locked_plan(practice: Practice, plan: TreatmentPlan) -> TreatmentPlan:
    """The plan re-read under a row lock: two changes of one plan happen one after the other."""
    return for_practice(TreatmentPlan, practice).select_for_update().get(pk=plan.pk)


@transaction.atomic
def treatment_plan_update(
    practice: Practice,
    *,
    actor,
    plan: TreatmentPlan,
    title: str | None = None,
    status: str | None = None,
) -> TreatmentPlan:
    """Rename a plan or move it on: proposed → accepted or rejected; accepted → completed or
    rejected (`PLAN_TRANSITIONS`). Rejecting cancels its treatments still planned."""
    require_right(practice, actor, Right.EDIT_PATIENTS)
    check_same_practice(practice, plan=plan)
    current = _locked_plan(practice, plan)
    changed: list[str] = []
    if title is not None:
        current.title = title.strip()
        changed.append("title")
        errors = _field_errors(current)
        if errors:
            raise ValidationError(errors)
    before = current.status
    if status is not None and status != before:
        if status not in PLAN_TRANSITIONS.get(before, set()):
            raise ValidationError(
                {
                    "status": _("A plan cannot go from “%(before)s” to “%(after)s”.")
                    % {
                        "before": current.get_status_display(),
                        "after": Plan(status).label if status in Plan.values else status,
                    }
                }
            )
        current.status = status
        changed.append("status")
    if changed:
        current.save(update_fields=changed)
        if "status" in changed and current.status == Plan.REJECTED:
            for treatment in for_practice(PlannedTreatment, practice).filter(
                plan=current, status=Treatment.PLANNED
            ):
                treatment.status = Treatment.CANCELLED
                treatment.save(update_fields=["status"])
        audit_log_write(
            practice,
            actor=actor,
            action="treatment_plan.update",
            obj=current,
            data={"fields": changed, "status": [before, current.status]},
        )
    plan.title, plan.status = current.title, current.status
    return plan


@transaction.atomic
def planned_treatment_add(
    practice: Practice, *, actor, plan: TreatmentPlan, **fields: Any
) -> PlannedTreatment:
    """Add a treatment (code, description, fee ≥ 0, to_book) to a plan still open."""
    require_right(practice, actor, Right.EDIT_PATIENTS)
    check_same_practice(practice, plan=plan)
    plan = _locked_plan(practice, plan)
    _check_open(plan)
    treatment = _new_treatment(practice, plan, fields)
    errors = _treatment_errors(treatment)
    if errors:
        raise ValidationError(errors)
    treatment.save()
    audit_log_write(
        practice,
        actor=actor,
        action="planned_treatment.add",
        obj=treatment,
        data={"plan": plan.pk, "fee": str(treatment.fee)},
    )
    return treatment


def _changeable(practice: Practice, treatment: PlannedTreatment) -> PlannedTreatment:
    """The treatment under a lock (its plan's first), refused unless it and its plan can
    still change."""
    check_same_practice(practice, treatment=treatment)
    plan = for_practice(TreatmentPlan, practice).select_for_update().get(pk=treatment.plan_id)
    current = for_practice(PlannedTreatment, practice).select_for_update().get(pk=treatment.pk)
    _check_open(plan)
    if current.status not in CHANGEABLE_TREATMENT:
        raise ValidationError(
            {
                "status": _("The treatment is “%(status)s”: it can no longer change.")
                % {"status": current.get_status_display()}
            }
        )
    return current


@transaction.atomic
def planned_treatment_update(
    practice: Practice, *, actor, treatment: PlannedTreatment, **fields: Any
) -> PlannedTreatment:
    """Change a planned or booked treatment's code, description, fee (≥ 0) or to_book."""
    require_right(practice, actor, Right.EDIT_PATIENTS)
    unknown = set(fields) - TREATMENT_FIELDS
    if unknown:
        raise ValueError(f"Unknown planned treatment fields: {sorted(unknown)}")
    current = _changeable(practice, treatment)
    for name, value in fields.items():
        setattr(current, name, value.strip() if isinstance(value, str) else value)
    errors = _treatment_errors(current)
    if errors:
        raise ValidationError(errors)
    if fields:
        current.save(update_fields=sorted(fields))
        audit_log_write(
            practice,
            actor=actor,
            action="planned_treatment.update",
            obj=current,
            data={"fields": sorted(fields), "fee": str(current.fee)},
        )
    return current


@transaction.atomic
def planned_treatment_cancel(
    practice: Practice, *, actor, treatment: PlannedTreatment
) -> PlannedTreatment:
    """Cancel a planned or booked treatment (it stays on the plan, and no longer counts
    towards its visit's bill). Cancelling it again changes nothing."""
    require_right(practice, actor, Right.EDIT_PATIENTS)
    if treatment.status == Treatment.CANCELLED:
        return treatment
    current = _changeable(practice, treatment)
    before = current.status
    current.status = Treatment.CANCELLED
    current.save(update_fields=["status"])
    audit_log_write(
        practice,
        actor=actor,
        action="planned_treatment.cancel",
        obj=current,
        data={"status": [before, current.status]},
    )
    return current
