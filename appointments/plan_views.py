"""Staff pages for a patient's treatment plans (from the patient card): propose a plan with its
treatment lines, move it on (accept, reject, complete), add, change and cancel treatments.

Thin: access helper → form → `appointments.plans` service → back to the plan or the card.
The service checks the right, the allowed status changes, the fees and whether the plan is
still open, and writes the audit row; the pages render its refusals as form errors.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from patients.access import access_patient_by_id
from practice.rights import Right
from practice.views_helpers import apply_validation_error, staff_view

from . import plans
from .access import access_plan_by_id, access_planned_treatment_by_id
from .forms import (
    TREATMENT_LINE_FIELDS,
    PlannedTreatmentForm,
    PlanStatusForm,
    TreatmentLineFormSet,
    TreatmentPlanForm,
)

LINES = "lines"
# The button for each status a plan can move to (which ones apply: plans.PLAN_TRANSITIONS).
STATUS_ACTIONS = {
    plans.Plan.ACCEPTED: gettext_lazy("Accept plan"),
    plans.Plan.COMPLETED: gettext_lazy("Mark plan completed"),
    plans.Plan.REJECTED: gettext_lazy("Reject plan"),
}


def _filled_lines_first(data: QueryDict, *, add_line: bool) -> QueryDict:
    """The posted lines with the blank ones moved to the end, so that line N on the page is
    the service's line N (it counts the lines it is given); one more blank line with
    `add_line`."""
    data = data.copy()
    try:
        total = int(data.get(f"{LINES}-TOTAL_FORMS") or 0)
    except ValueError:
        total = 0  # The formset then answers that its management form is wrong.
    total = max(0, min(total, TreatmentLineFormSet.absolute_max - 1))
    rows = [
        {name: data.get(f"{LINES}-{i}-{name}", "") for name in (*TREATMENT_LINE_FIELDS, "to_book")}
        for i in range(total)
    ]
    filled = [row for row in rows if any(row[name].strip() for name in TREATMENT_LINE_FIELDS)]
    for i in range(total):
        row = filled[i] if i < len(filled) else {}
        for name in (*TREATMENT_LINE_FIELDS, "to_book"):
            data.pop(f"{LINES}-{i}-{name}", None)
            if row.get(name):
                data[f"{LINES}-{i}-{name}"] = row[name]
    data[f"{LINES}-TOTAL_FORMS"] = str(total + 1 if add_line else total)
    return data


def _lines_of(formset) -> list[dict]:
    return [form.cleaned_data for form in formset.forms if form.has_changed()]


def _line_errors(formset) -> list[str]:
    """Each refused field of each line, named by its line, for the summary above the lines
    (worded as the service words its own refusals)."""
    return [
        _("Line %(line)d, %(field)s: %(reason)s")
        % {"line": line, "field": form.fields[name].label, "reason": reason}
        for line, form in enumerate(formset.forms, start=1)
        for name, reasons in form.errors.items()
        if name in form.fields
        for reason in reasons
    ]


@staff_view(Right.EDIT_PATIENTS)
def plan_add(request, patient_id: int):
    """A new plan: its title and several treatment lines, saved together or not at all."""
    practice = request.practice
    patient = access_patient_by_id(practice, patient_id)
    data = None
    if request.method == "POST":
        data = _filled_lines_first(request.POST, add_line="add_line" in request.POST)
    form = TreatmentPlanForm(data)
    formset = TreatmentLineFormSet(data, prefix=LINES)
    if data is not None and "add_line" not in data and form.is_valid() and formset.is_valid():
        try:
            plans.treatment_plan_create(
                practice,
                actor=request.user,
                patient=patient,
                title=form.cleaned_data["title"],
                treatments=_lines_of(formset),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Treatment plan saved."))
            return redirect("patient-card", patient_id=patient.pk)
    context = {
        "form": form,
        "formset": formset,
        "patient": patient,
        # 'Add line' only asks for one more blank line: nothing was meant to be saved yet.
        "show_errors": data is not None and "add_line" not in data,
    }
    if context["show_errors"] and formset.is_bound and formset.management_form.is_valid():
        context["line_errors"] = _line_errors(formset)
    return render(request, "appointments/plan_form.html", context)


def _plan_page(request, plan, *, form=None, status_form=None):
    patient = access_patient_by_id(request.practice, plan.patient_id)
    context = {
        "plan": plan,
        "patient": patient,
        "form": form or TreatmentPlanForm(instance=plan),
        "status_form": status_form or PlanStatusForm(),
        "status_actions": [
            (status, STATUS_ACTIONS[status])
            for status in STATUS_ACTIONS
            if status in plans.PLAN_TRANSITIONS.get(plan.status, set())
        ],
        "is_open": plan.status in plans.OPEN_PLAN,
        "changeable": plans.CHANGEABLE_TREATMENT,
        "treatments": list(plan.treatments.all()),
    }
    return render(request, "appointments/plan_detail.html", context)


@staff_view(Right.EDIT_PATIENTS)
def plan_edit(request, plan_id: int):
    """A plan's page: rename it, move it on, and its treatments."""
    practice = request.practice
    plan = access_plan_by_id(practice, plan_id)
    form = TreatmentPlanForm(request.POST or None, instance=plan)
    if request.method == "POST" and form.is_valid():
        try:
            plans.treatment_plan_update(
                practice, actor=request.user, plan=plan, title=form.cleaned_data["title"]
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Treatment plan saved."))
            return redirect("plan-edit", plan_id=plan.pk)
    return _plan_page(request, plan, form=form)


@require_POST
@staff_view(Right.EDIT_PATIENTS)
def plan_status(request, plan_id: int):
    """Accept, reject or complete a plan; a change the service refuses is the form's error."""
    practice = request.practice
    plan = access_plan_by_id(practice, plan_id)
    status_form = PlanStatusForm(request.POST)
    if status_form.is_valid():
        try:
            plans.treatment_plan_update(
                practice, actor=request.user, plan=plan, status=status_form.cleaned_data["status"]
            )
        except ValidationError as error:
            apply_validation_error(status_form, error)
        else:
            messages.success(
                request, _("The plan is now “%(status)s”.") % {"status": plan.get_status_display()}
            )
            return redirect("plan-edit", plan_id=plan.pk)
    plan.refresh_from_db()
    return _plan_page(request, plan, status_form=status_form)


def _treatment_page(request, form, plan, treatment=None):
    patient = access_patient_by_id(request.practice, plan.patient_id)
    context = {"form": form, "plan": plan, "patient": patient, "treatment": treatment}
    return render(request, "appointments/planned_treatment_form.html", context)


@staff_view(Right.EDIT_PATIENTS)
def treatment_add(request, plan_id: int):
    practice = request.practice
    plan = access_plan_by_id(practice, plan_id)
    form = PlannedTreatmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            plans.planned_treatment_add(
                practice, actor=request.user, plan=plan, **form.cleaned_data
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Treatment added."))
            return redirect("plan-edit", plan_id=plan.pk)
    return _treatment_page(request, form, plan)


@staff_view(Right.EDIT_PATIENTS)
def treatment_edit(request, treatment_id: int):
    practice = request.practice
    treatment = access_planned_treatment_by_id(practice, treatment_id)
    plan = access_plan_by_id(practice, treatment.plan_id)
    form = PlannedTreatmentForm(request.POST or None, instance=treatment)
    if request.method == "POST" and form.is_valid():
        try:
            plans.planned_treatment_update(
                practice, actor=request.user, treatment=treatment, **form.cleaned_data
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Treatment saved."))
            return redirect("plan-edit", plan_id=plan.pk)
    return _treatment_page(request, form, plan, treatment)


@require_POST
@staff_view(Right.EDIT_PATIENTS)
def treatment_cancel(request, treatment_id: int):
    practice = request.practice
    treatment = access_planned_treatment_by_id(practice, treatment_id)
    plan = access_plan_by_id(practice, treatment.plan_id)
    try:
        plans.planned_treatment_cancel(practice, actor=request.user, treatment=treatment)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Treatment cancelled."))
    return redirect("plan-edit", plan_id=plan.pk)
