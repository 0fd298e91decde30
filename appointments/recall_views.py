"""Staff pages to set, move and remove a patient's recalls (from the patient card).

Thin: access helper → form → `appointments.recalls` service → back to the card. The service
checks the right, the one-recall-per-kind rule and the date, and writes the audit row.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patients.access import access_patient_by_id
from practice.rights import Right
from practice.views_helpers import apply_validation_error, staff_view

from . import recalls
from .access import access_recall_by_id
from .forms import RecallChangeForm, RecallForm


def _form_page(request, form, patient, recall=None):
    context = {"form": form, "patient": patient, "recall": recall}
    return render(request, "appointments/recall_form.html", context)


@staff_view(Right.EDIT_PATIENTS)
def recall_add(request, patient_id: int):
    practice = request.practice
    patient = access_patient_by_id(practice, patient_id)
    form = RecallForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            recalls.recall_create(
                practice, actor=request.user, patient=patient, **form.cleaned_data
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Recall saved."))
            return redirect("patient-card", patient_id=patient.pk)
    return _form_page(request, form, patient)


@staff_view(Right.EDIT_PATIENTS)
def recall_edit(request, recall_id: int):
    practice = request.practice
    recall = access_recall_by_id(practice, recall_id)
    patient = access_patient_by_id(practice, recall.patient_id)
    form = RecallChangeForm(request.POST or None, instance=recall)
    if request.method == "POST" and form.is_valid():
        try:
            recalls.recall_update(practice, actor=request.user, recall=recall, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Recall saved."))
            return redirect("patient-card", patient_id=patient.pk)
    return _form_page(request, form, patient, recall)


@require_POST
@staff_view(Right.EDIT_PATIENTS)
def recall_remove(request, recall_id: int):
    practice = request.practice
    recall = access_recall_by_id(practice, recall_id)
    patient_id = recall.patient_id
    recalls.recall_delete(practice, actor=request.user, recall=recall)
    messages.success(request, _("Recall removed."))
    return redirect("patient-card", patient_id=patient_id)
