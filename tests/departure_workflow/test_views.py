"""The checkout desk through HTTP: screens, one-click steps, booking round trip, isolation."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from appointments.models import Appointment
from departure_workflow import services
from departure_workflow.models import CustomOptionLink, DepartureAction, DepartureStep, Outcome
from patients.models import Client

from .. import factories as f
from .conftest import local_today
from .helpers import action_of, build

pytestmark = pytest.mark.django_db


@pytest.fixture
def workflow(practice_a, make_visit):
    visit = make_visit(fee="45.00")
    Client.objects.unscoped().filter(pk=visit.client_id).update(mobile="")
    return build(practice_a, visit)


def test_checkout_screen_lists_the_actions(rita_client, workflow):
    response = rita_client.get(reverse("checkout", args=[workflow.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    for label in ("Take Payment", "Collect Mobile", "Collect Marketing Consent"):
        assert label in body


def test_checkout_needs_login(client, workflow):
    response = client.get(reverse("checkout", args=[workflow.pk]))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_taking_a_payment_from_the_screen(rita_client, workflow):
    action = action_of(workflow, "payment")
    url = reverse("checkout-step", args=[workflow.pk, action.pk, "pay"])
    response = rita_client.post(url, {"amount": "45.00", "method": "card"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert action_of(workflow, "payment").paid_amount == Decimal("45.00")


def test_bad_payment_input_is_a_clear_message_and_saves_nothing(rita_client, workflow):
    action = action_of(workflow, "payment")
    url = reverse("checkout-step", args=[workflow.pk, action.pk, "pay"])
    response = rita_client.post(url, {"amount": "abc", "method": "card"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    assert "Enter the amount" in response.content.decode()
    assert action_of(workflow, "payment").paid_amount == 0


def test_invalid_mobile_is_a_clear_message(rita_client, workflow):
    action = action_of(workflow, "mobile")
    url = reverse("checkout-step", args=[workflow.pk, action.pk, "collect"])
    response = rita_client.post(url, {"value": "abc"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    assert Client.objects.unscoped().get(pk=workflow.client_id).mobile == ""


def test_complete_without_reasons_answers_422_naming_the_actions(rita_client, workflow):
    response = rita_client.post(
        reverse("checkout-complete", args=[workflow.pk]), {"complete": "1"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 422
    assert "Take Payment" in response.content.decode()
    workflow.refresh_from_db()
    assert workflow.is_open


def test_complete_with_reasons(rita_client, workflow, practice_a):
    from departure_workflow.models import FailureReason

    reasons = FailureReason.objects.unscoped().filter(practice=practice_a)
    data = {"complete": "1"}
    for kind in ("payment", "mobile", "marketing_consent"):
        data[f"f{action_of(workflow, kind).pk}-reason"] = reasons.filter(kind=kind).first().pk
    response = rita_client.post(reverse("checkout-complete", args=[workflow.pk]), data)
    assert response.status_code == 302
    workflow.refresh_from_db()
    assert not workflow.is_open
    assert workflow.has_failure
    assert action_of(workflow, "payment").failure_reason == reasons.filter(kind="payment").first()


def test_booking_round_trip_through_the_prefilled_calendar(
    rita_client, practice_a, make_visit, dentist, location_a
):
    from appointments.models import Recall

    visit = make_visit()
    Recall.objects.unscoped().create(
        practice=practice_a, patient=visit.patient, kind="dentist", due_date=local_today(location_a)
    )
    recall_type = f.ConsultationTypeFactory(
        practice=practice_a, name="Recall", category="dentist_recall"
    )
    workflow = build(practice_a, visit)
    action = action_of(workflow, "dentist_recall")

    # 'Book in the calendar' opens the calendar with the patient and a recall type.
    response = rita_client.get(reverse("checkout-book", args=[workflow.pk, action.pk]))
    calendar = rita_client.get(response["Location"])
    assert calendar.status_code == 200
    assert f"Booking for {visit.patient.name}" in calendar.content.decode()
    create_url = calendar.context["create_url"]
    assert f"patient={visit.patient.pk}" in create_url
    assert f"consultation_type={recall_type.pk}" in create_url

    # The booking form carries `next`; after booking, reception lands back on the checkout.
    form = rita_client.get(create_url + f"&practitioner={dentist.pk}")
    next_url = form.context["next"]
    day = local_today(location_a) + dt.timedelta(days=30)
    response = rita_client.post(
        reverse("appointment-create"),
        {
            "patient": visit.patient.pk,
            "practitioner": dentist.pk,
            "location": location_a.pk,
            "consultation_type": recall_type.pk,
            "date": day.isoformat(),
            "start_time": "10:00",
            "next": next_url,
        },
    )
    booked = Appointment.objects.unscoped().get(consultation_type=recall_type)
    assert response["Location"] == f"{next_url}?appointment={booked.pk}"
    back = rita_client.get(response["Location"])
    assert back["Location"] == reverse("checkout", args=[workflow.pk])
    assert action_of(workflow, "dentist_recall").booked_appointment == booked


def test_next_to_another_site_is_ignored(
    rita_client, practice_a, patient_a, dentist, location_a, ctype_a
):
    day = local_today(location_a) + dt.timedelta(days=3)
    response = rita_client.post(
        reverse("appointment-create"),
        {
            "patient": patient_a.pk,
            "practitioner": dentist.pk,
            "location": location_a.pk,
            "consultation_type": ctype_a.pk,
            "date": day.isoformat(),
            "start_time": "10:00",
            "next": "https://evil.example/",
        },
    )
    assert response["Location"].startswith(reverse("calendar"))


def test_custom_link_click_is_recorded_and_redirects(rita_client, practice_a, visit, dentist):
    services.option_add(
        practice_a,
        actor=dentist.user,
        appointment=visit,
        message="Leaflet",
        links=[("Aftercare", "https://example.org/aftercare.pdf")],
    )
    workflow = build(practice_a, visit)
    link = CustomOptionLink.objects.unscoped().get()
    response = rita_client.get(reverse("checkout-link", args=[workflow.pk, link.pk]))
    assert response["Location"] == "https://example.org/aftercare.pdf"
    link.refresh_from_db()
    assert link.clicked_at
    assert link.clicked_by.username == "rita"
    assert DepartureStep.objects.unscoped().filter(workflow=workflow, what="link_opened").exists()


def test_practitioner_adds_a_custom_option_from_the_appointment_panel(
    client, dentist, appointment_a
):
    client.force_login(dentist.user)
    response = client.post(
        reverse("departure-option-add", args=[appointment_a.pk]),
        {"message": "Give leaflet", "link_title": "Leaflet", "link_url": "https://example.org/l"},
    )
    assert response.status_code == 302
    panel = client.get(reverse("appointment-departure", args=[appointment_a.pk]))
    assert "Give leaflet" in panel.content.decode()


def test_bad_custom_option_link_is_refused(client, dentist, appointment_a):
    from departure_workflow.models import CustomOption

    client.force_login(dentist.user)
    client.post(
        reverse("departure-option-add", args=[appointment_a.pk]),
        {"message": "Give leaflet", "link_title": "Leaflet", "link_url": "not a url"},
    )
    assert not CustomOption.objects.unscoped().exists()


def test_checkout_list_shows_waiting_and_done_in_constant_queries(
    rita_client, practice_a, make_visit, django_assert_max_num_queries, location_a
):
    for minute in range(0, 60, 10):  # 10-minute visits, back to back
        build(practice_a, make_visit(minute=minute, patient=f.PatientFactory(practice=practice_a)))
    with django_assert_max_num_queries(12):
        response = rita_client.get(reverse("checkout-list") + f"?location={location_a.pk}")
    assert len(response.context["open_workflows"]) == 6


def test_checkout_screen_in_constant_queries(rita_client, workflow, django_assert_max_num_queries):
    with django_assert_max_num_queries(30):
        rita_client.get(reverse("checkout", args=[workflow.pk]))


def test_follow_up_page_lists_postponed_items(rita_client, practice_a, workflow, receptionist):
    services.action_prompt_later(
        practice_a, actor=receptionist.user, action=action_of(workflow, "mobile")
    )
    services.workflow_complete(
        practice_a,
        actor=receptionist.user,
        workflow=workflow,
        failure_reasons={
            a.pk: (None, "x") for a in DepartureAction.objects.unscoped().filter(workflow=workflow)
        },
    )
    assert action_of(workflow, "mobile").outcome == Outcome.POSTPONED
    response = rita_client.get(reverse("checkout-follow-up"))
    assert "Collect Mobile" in response.content.decode()
    screen = rita_client.get(reverse("checkout", args=[workflow.pk]) + "?from=follow-up")
    assert 'name="value"' in screen.content.decode()  # the mobile can be typed in now


def test_another_practices_checkout_answers_like_a_missing_one(
    client, outsider, workflow, practice_b
):
    client.force_login(outsider.user)
    action = action_of(workflow, "payment")
    urls = [
        reverse("checkout", args=[workflow.pk]),
        reverse("checkout-book", args=[workflow.pk, action.pk]),
        reverse("checkout-booked", args=[workflow.pk, action.pk]) + "?appointment=1",
        reverse("checkout-for-appointment", args=[workflow.appointment_id]),
        reverse("appointment-departure", args=[workflow.appointment_id]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    missing = reverse("checkout", args=[987654])
    assert client.get(missing).status_code == 404
    post = client.post(
        reverse("checkout-step", args=[workflow.pk, action.pk, "pay"]),
        {"amount": "1", "method": "card"},
    )
    assert post.status_code == 404
    assert client.post(reverse("checkout-complete", args=[workflow.pk])).status_code == 404
    assert action_of(workflow, "payment").paid_amount == 0


def test_follow_up_page_filters_by_group_and_pages_in_constant_queries(
    rita_client, practice_a, make_visit, receptionist, django_assert_max_num_queries
):
    for minute in range(0, 60, 10):
        visit = make_visit(minute=minute, patient=f.PatientFactory(practice=practice_a))
        Client.objects.unscoped().filter(pk=visit.client_id).update(mobile="")
        wf = build(practice_a, visit)
        services.action_prompt_later(
            practice_a, actor=receptionist.user, action=action_of(wf, "mobile")
        )
        services.workflow_complete(
            practice_a,
            actor=receptionist.user,
            workflow=wf,
            failure_reasons={
                a.pk: (None, "x") for a in DepartureAction.objects.unscoped().filter(workflow=wf)
            },
        )
    with django_assert_max_num_queries(10):
        response = rita_client.get(reverse("checkout-follow-up") + "?show=details")
    assert response.context["page"].paginator.count == 6
    response = rita_client.get(reverse("checkout-follow-up") + "?show=book")
    assert response.context["page"].paginator.count == 0


def test_checkout_screen_queries_do_not_grow_with_the_actions(
    rita_client, practice_a, make_visit, django_assert_max_num_queries
):
    from appointments.models import Recall

    few = build(practice_a, make_visit(fee="45.00"))
    with django_assert_max_num_queries(40) as baseline:
        rita_client.get(reverse("checkout", args=[few.pk]))
    visit = make_visit(minute=40, fee="45.00", patient=f.PatientFactory(practice=practice_a))
    Client.objects.unscoped().filter(pk=visit.client_id).update(mobile="", email="")
    for kind in ("dentist", "hygienist"):
        Recall.objects.unscoped().create(
            practice=practice_a, patient=visit.patient, kind=kind, due_date=visit.starts_at.date()
        )
    many = build(practice_a, visit)
    assert len(DepartureAction.objects.unscoped().filter(workflow=many)) > len(
        DepartureAction.objects.unscoped().filter(workflow=few)
    )
    with django_assert_max_num_queries(len(baseline)):
        rita_client.get(reverse("checkout", args=[many.pk]))
