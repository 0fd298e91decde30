"""Writes for clients and patients. Each outermost call is one transaction."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from practice.models import Practice
from practice.scoping import for_practice
from practice.services import audit_log_write

from . import signals
from .models import Client, Patient
from .phone import normalize_phone

CLIENT_FIELDS = frozenset(Client.EDITABLE_FIELDS)
PATIENT_FIELDS = frozenset({"name", "species", "breed", "sex", "birth_date"})


def _clean_client_fields(practice: Practice, fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - CLIENT_FIELDS
    if unknown:
        raise ValueError(f"Unknown client fields: {sorted(unknown)}")
    if "mobile" in fields:
        try:
            fields["mobile"] = normalize_phone(fields["mobile"], practice.default_country)
        except ValidationError as exc:
            raise ValidationError({"mobile": exc.messages}) from exc
    if "email" in fields:
        fields["email"] = (fields["email"] or "").strip().lower()
    return fields


def _on_commit_details_changed(
    practice: Practice, client: Client, before: tuple[str, str] = ("", "")
) -> None:
    """Tell apps above (the contact history) when a client's number or email is new."""
    after = (client.mobile, client.email)
    if after == before:
        return
    numbers, emails = {before[0], after[0]} - {""}, {before[1], after[1]} - {""}
    transaction.on_commit(
        lambda: signals.client_contact_details_changed.send(
            sender=Client, practice=practice, client=client, numbers=numbers, emails=emails
        )
    )


def _refresh_search_text(client: Client) -> None:
    for patient in for_practice(Patient, client.practice).filter(client=client):
        patient.search_text = patient.build_search_text(client)
        patient.save(update_fields=["search_text"])


@transaction.atomic
def client_create(practice: Practice, *, actor, **fields: Any) -> Client:
    """Create a client. In a dental practice the client is also the patient."""
    fields = _clean_client_fields(practice, fields)
    client = Client(practice=practice, **fields)
    client.full_clean()
    client.save()
    if not practice.is_vet:
        patient_create(
            practice,
            actor=actor,
            client=client,
            name=client.full_name,
            sex=client.sex,
            birth_date=client.birth_date,
        )
    audit_log_write(practice, actor=actor, action="client.create", obj=client)
    _on_commit_details_changed(practice, client)
    return client


@transaction.atomic
def client_update(practice: Practice, *, actor, client: Client, **fields: Any) -> Client:
    fields = _clean_client_fields(practice, fields)
    # Compare with the stored number: a ModelForm may already have set the new one.
    stored = for_practice(Client, practice).filter(pk=client.pk).values_list("mobile", "email")
    before = stored.first() or ("", "")
    if "mobile" in fields and fields["mobile"] != before[0]:
        client.mobile_is_landline = False  # a new number gets a fresh chance
    for name, value in fields.items():
        setattr(client, name, value)
    client.full_clean()
    client.save()
    if not practice.is_vet:
        # The one person of a dental practice: keep the patient in step with the client.
        for_practice(Patient, practice).filter(client=client).update(
            name=client.full_name, sex=client.sex, birth_date=client.birth_date
        )
    _refresh_search_text(client)
    audit_log_write(
        practice, actor=actor, action="client.update", obj=client, data={"fields": sorted(fields)}
    )
    _on_commit_details_changed(practice, client, before)
    return client


@transaction.atomic
def patient_create(practice: Practice, *, actor, client: Client, **fields: Any) -> Patient:
    unknown = set(fields) - PATIENT_FIELDS
    if unknown:
        raise ValueError(f"Unknown patient fields: {sorted(unknown)}")
    if client.practice_id != practice.pk:
        raise ValidationError({"client": _("Unknown client.")})
    patient = Patient(practice=practice, client=client, **fields)
    patient.search_text = patient.build_search_text(client)
    patient.full_clean()
    patient.save()
    audit_log_write(practice, actor=actor, action="patient.create", obj=patient)
    return patient


@transaction.atomic
def patient_update(practice: Practice, *, actor, patient: Patient, **fields: Any) -> Patient:
    unknown = set(fields) - PATIENT_FIELDS
    if unknown:
        raise ValueError(f"Unknown patient fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(patient, name, value)
    patient.search_text = patient.build_search_text()
    patient.full_clean()
    patient.save()
    audit_log_write(practice, actor=actor, action="patient.update", obj=patient)
    return patient


@transaction.atomic
def client_record_consent(
    practice: Practice, *, actor, client: Client, consent: bool, wording: str
) -> Client:
    """Record an explicit marketing answer with when, by whom and the wording asked."""
    wording = (wording or "").strip()
    if not wording:
        raise ValidationError({"wording": _("Record the wording the client agreed or refused.")})
    client.marketing_consent = consent
    client.marketing_consent_at = timezone.now()
    client.marketing_consent_by = actor if getattr(actor, "is_authenticated", False) else None
    client.marketing_consent_wording = wording
    client.save(
        update_fields=[
            "marketing_consent",
            "marketing_consent_at",
            "marketing_consent_by",
            "marketing_consent_wording",
        ]
    )
    audit_log_write(
        practice,
        actor=actor,
        action="client.consent",
        obj=client,
        data={"consent": consent, "wording": wording},
    )
    return client
