"""Staff pages: patient search, patient card, client and animal forms."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from appointments.selectors import (
    patient_appointments,
    patient_payments,
    patient_recalls,
    patient_treatment_plans,
)
from practice.hooks import sms_available
from practice.rights import Right
from practice.views_helpers import apply_validation_error, is_htmx, staff_view

from . import services
from .access import access_client_by_id, access_patient_by_id
from .forms import ClientForm, ConsentForm, PatientForm, SearchForm
from .selectors import client_patients, patient_search


@staff_view(Right.VIEW_CALENDAR)
def patient_search_page(request):
    form = SearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    results = list(patient_search(request.practice, query))
    template = "patients/_search_results.html" if is_htmx(request) else "patients/search.html"
    picker = request.GET.get("pick") == "1"
    if picker:
        template = "patients/_picker_results.html"
    return render(request, template, {"form": form, "query": query, "results": results})


@staff_view(Right.VIEW_CALENDAR)
def patient_card(request, patient_id: int):
    practice = request.practice
    patient = access_patient_by_id(practice, patient_id)
    appointments = list(patient_appointments(practice, patient.pk))
    now = timezone.now()
    upcoming = sorted((a for a in appointments if a.ends_at >= now), key=lambda a: a.starts_at)
    return render(
        request,
        "patients/card.html",
        {
            "patient": patient,
            "client": patient.client,
            "other_patients": [
                p for p in client_patients(practice, patient.client_id) if p.pk != patient.pk
            ],
            "upcoming": upcoming,
            "past": [a for a in appointments if a.ends_at < now],
            "plans": list(patient_treatment_plans(practice, patient.pk)),
            "payments": list(patient_payments(practice, patient.pk)),
            "recalls": list(patient_recalls(practice, patient.pk)),
            "consent_form": ConsentForm(),
        },
    )


def _client_fields(form: ClientForm) -> dict:
    return {name: form.cleaned_data[name] for name in form.Meta.fields}


@staff_view(Right.EDIT_PATIENTS)
def client_create(request):
    practice = request.practice
    form = ClientForm(request.POST or None, sms_available=sms_available(practice))
    if request.method == "POST" and form.is_valid():
        try:
            client = services.client_create(practice, actor=request.user, **_client_fields(form))
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("%(name)s was added.") % {"name": client.full_name})
            if practice.is_vet:
                return redirect("patient-create", client_id=client.pk)
            return redirect("patient-card", patient_id=client_patients(practice, client.pk)[0].pk)
    return render(request, "patients/client_form.html", {"form": form, "client": None})


@staff_view(Right.EDIT_PATIENTS)
def client_edit(request, client_id: int):
    practice = request.practice
    client = access_client_by_id(practice, client_id)
    form = ClientForm(request.POST or None, instance=client, sms_available=sms_available(practice))
    if request.method == "POST" and form.is_valid():
        try:
            services.client_update(
                practice, actor=request.user, client=client, **_client_fields(form)
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Details saved."))
            patient = client_patients(practice, client.pk).first()
            return (
                redirect("patient-card", patient_id=patient.pk)
                if patient
                else redirect("patient-search")
            )
    return render(request, "patients/client_form.html", {"form": form, "client": client})


@staff_view(Right.EDIT_PATIENTS)
def patient_create(request, client_id: int):
    practice = request.practice
    client = access_client_by_id(practice, client_id)
    form = PatientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            patient = services.patient_create(
                practice, actor=request.user, client=client, **form.cleaned_data
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("%(name)s was added.") % {"name": patient.name})
            return redirect("patient-card", patient_id=patient.pk)
    return render(request, "patients/patient_form.html", {"form": form, "client": client})


@staff_view(Right.EDIT_PATIENTS)
def patient_edit(request, patient_id: int):
    practice = request.practice
    patient = access_patient_by_id(practice, patient_id)
    form = PatientForm(request.POST or None, instance=patient)
    if request.method == "POST" and form.is_valid():
        try:
            services.patient_update(
                practice, actor=request.user, patient=patient, **form.cleaned_data
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Details saved."))
            return redirect("patient-card", patient_id=patient.pk)
    return render(
        request,
        "patients/patient_form.html",
        {"form": form, "client": patient.client, "patient": patient},
    )


@require_POST
@staff_view(Right.EDIT_PATIENTS)
def client_consent(request, client_id: int):
    practice = request.practice
    client = access_client_by_id(practice, client_id)
    form = ConsentForm(request.POST)
    if form.is_valid():
        try:
            services.client_record_consent(
                practice, actor=request.user, client=client, **form.cleaned_data
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Marketing consent recorded."))
    else:
        messages.error(request, _("Choose yes or no and record the wording."))
    patient = client_patients(practice, client.pk).first()
    return (
        redirect("patient-card", patient_id=patient.pk) if patient else redirect("patient-search")
    )
