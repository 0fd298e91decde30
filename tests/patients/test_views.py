import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from patients.models import Client, Patient

from .. import factories as f


def test_search_finds_a_patient_by_name_phone_and_email(rita_client, patient_a):
    for q in ["anna", "de vries", "0612345", "+31 6 1234", "anna@example"]:
        response = rita_client.get(reverse("patient-search"), {"q": q})
        assert patient_a.name in response.content.decode(), q


def test_search_with_no_match_says_so(rita_client, patient_a):
    response = rita_client.get(reverse("patient-search"), {"q": "zzzz"})
    assert "No patient matches" in response.content.decode()


def test_patient_card_shows_details_appointments_plan_and_payments(
    rita_client, practice_a, patient_a, appointment_a
):
    from appointments.models import PlannedTreatment, TreatmentPlan

    plan = TreatmentPlan.objects.unscoped().create(
        practice=practice_a, patient=patient_a, title="Crown upper left"
    )
    PlannedTreatment.objects.unscoped().create(
        practice=practice_a, plan=plan, code="R24", description="Crown", fee="650.00"
    )
    f.PaymentFactory(
        practice=practice_a,
        client=patient_a.client,
        patient=patient_a,
        appointment=appointment_a,
        amount="45.00",
    )
    content = rita_client.get(reverse("patient-card", args=[patient_a.pk])).content.decode()
    for text in [
        "anna@example.nl",
        "Crown upper left",
        "R24",
        "650.00",
        "45.00",
        appointment_a.consultation_type.name,
    ]:
        assert text in content


def _card_queries(rita_client, patient) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert rita_client.get(reverse("patient-card", args=[patient.pk])).status_code == 200
    return len(ctx)


def test_patient_card_runs_a_constant_number_of_queries(
    rita_client, practice_a, patient_a, location_a, ctype_a
):
    def add(n, day_offset):
        for i in range(n):
            start = dt.datetime(2030, 1, 7 + day_offset, 9, tzinfo=dt.UTC) + dt.timedelta(hours=i)
            appointment = f.AppointmentFactory(
                practice=practice_a,
                patient=patient_a,
                location=location_a,
                consultation_type=ctype_a,
                starts_at=start,
                ends_at=start + dt.timedelta(minutes=30),
            )
            f.PaymentFactory(
                practice=practice_a,
                client=patient_a.client,
                patient=patient_a,
                appointment=appointment,
            )

    add(1, 0)
    few = _card_queries(rita_client, patient_a)
    add(8, 1)
    assert _card_queries(rita_client, patient_a) == few


def test_new_dental_patient_is_one_person(rita_client, practice_a):
    response = rita_client.post(
        reverse("client-create"),
        {
            "first_name": "Sanne",
            "last_name": "Bakker",
            "mobile": "06 12345679",
            "email": "Sanne@Example.nl",
        },
    )
    client = Client.objects.unscoped().get(last_name="Bakker")
    patient = Patient.objects.unscoped().get(client=client)
    assert response["Location"] == reverse("patient-card", args=[patient.pk])
    assert client.mobile == "+31612345679"
    assert client.email == "sanne@example.nl"
    assert patient.name == "Sanne Bakker"


def test_invalid_mobile_is_refused_with_a_clear_message_and_nothing_saved(rita_client, practice_a):
    response = rita_client.post(
        reverse("client-create"),
        {
            "first_name": "Sanne",
            "last_name": "Bakker",
            "mobile": "12345",
        },
    )
    assert response.status_code == 200
    assert "not a valid phone number" in " ".join(response.context["form"].errors["mobile"])
    assert not Client.objects.unscoped().exists()
    assert not Patient.objects.unscoped().exists()


def test_editing_a_client_updates_search(rita_client, patient_a):
    rita_client.post(
        reverse("client-edit", args=[patient_a.client_id]),
        {
            "first_name": "Anna",
            "last_name": "Smit",
            "mobile": "+31612345678",
        },
    )
    patient_a.refresh_from_db()
    assert patient_a.name == "Anna Smit"
    response = rita_client.get(reverse("patient-search"), {"q": "smit"})
    assert "Anna Smit" in response.content.decode()


def test_vet_client_gets_animals(client, outsider, practice_b):
    client.force_login(outsider.user)
    response = client.post(
        reverse("client-create"),
        {
            "first_name": "Liisa",
            "last_name": "Korhonen",
            "mobile": "040 1234567",
        },
    )
    owner = Client.objects.unscoped().get(last_name="Korhonen")
    assert response["Location"] == reverse("patient-create", args=[owner.pk])
    assert owner.mobile == "+358401234567"
    client.post(
        reverse("patient-create", args=[owner.pk]), {"name": "Mirri", "species": "cat", "sex": "f"}
    )
    assert list(Patient.objects.unscoped().filter(client=owner).values_list("name", flat=True)) == [
        "Mirri"
    ]


def test_recording_marketing_consent_keeps_when_who_and_wording(rita_client, patient_a):
    response = rita_client.post(
        reverse("client-consent", args=[patient_a.client_id]),
        {"consent": "no", "wording": "May we send you offers?"},
    )
    assert response.status_code == 302
    client = Client.objects.unscoped().get(pk=patient_a.client_id)
    assert client.marketing_consent is False
    assert client.marketing_consent_by.username == "rita"
    assert client.marketing_consent_at is not None
    assert client.marketing_consent_wording == "May we send you offers?"


def test_consent_without_an_answer_records_nothing(rita_client, patient_a):
    rita_client.post(reverse("client-consent", args=[patient_a.client_id]), {"wording": "x"})
    client = Client.objects.unscoped().get(pk=patient_a.client_id)
    assert client.marketing_consent is None
    assert client.marketing_consent_at is None


def test_do_not_ask_again_dates_are_kept(rita_client, patient_a):
    rita_client.post(
        reverse("client-edit", args=[patient_a.client_id]),
        {
            "first_name": "Anna",
            "last_name": "de Vries",
            "mobile": "",
            "mobile_prompt_after": "2031-01-01",
        },
    )
    client = Client.objects.unscoped().get(pk=patient_a.client_id)
    assert client.mobile == ""
    assert client.mobile_prompt_after == dt.date(2031, 1, 1)


def test_patient_card_offers_the_consent_question_when_never_asked(rita_client, patient_a):
    content = rita_client.get(reverse("patient-card", args=[patient_a.pk])).content.decode()
    assert 'name="consent" value="yes"' in content
    assert 'name="wording"' in content


def test_card_shows_the_gateways_flags_on_the_number(rita_client, patient_a):
    Client.objects.unscoped().filter(pk=patient_a.client_id).update(
        sms_opted_out=True, mobile_is_landline=True, confirmation_channel="both"
    )
    content = rita_client.get(reverse("patient-card", args=[patient_a.pk])).content.decode()
    assert "Landline: cannot receive SMS" in content
    assert "Opted out of SMS" in content
    assert "SMS and email" in content


def test_a_new_number_clears_the_landline_flag(rita_client, patient_a):
    Client.objects.unscoped().filter(pk=patient_a.client_id).update(mobile_is_landline=True)
    rita_client.post(
        reverse("client-edit", args=[patient_a.client_id]),
        {
            "first_name": "Anna",
            "last_name": "de Vries",
            "mobile": "+31687654321",
        },
    )
    assert not Client.objects.unscoped().get(pk=patient_a.client_id).mobile_is_landline
