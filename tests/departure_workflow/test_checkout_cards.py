"""Checkout, as reception sees it: the planned-treatment card names what to book and its
fee, and each action offers its own reasons for being left undone."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from appointments.models import PlannedTreatment
from departure_workflow import services
from departure_workflow.models import ActionKind, FailureReason
from patients.models import Client

from .. import factories as f
from .helpers import action_of, build

pytestmark = pytest.mark.django_db


def _treatment(practice, patient, description, fee, code="V21"):
    plan = f.TreatmentPlanFactory(practice=practice, patient=patient)
    return PlannedTreatment.objects.unscoped().create(
        practice=practice,
        plan=plan,
        code=code,
        description=description,
        fee=Decimal(fee),
        to_book=True,
    )


@pytest.fixture
def workflow(practice_a, make_visit, patient_a):
    _treatment(practice_a, patient_a, "Crown upper left 6", "640.00", code="R24")
    visit = make_visit(fee="45.00")
    Client.objects.unscoped().filter(pk=visit.client_id).update(mobile="")
    return build(practice_a, visit)


def _select_options(body: str, action) -> list[str]:
    select = re.search(rf'<select id="f{action.pk}-reason".*?</select>', body, re.S)
    assert select, f"no reason menu for {action.kind}"
    return re.findall(r"<option value=\"\d+\"[^>]*>([^<]+)</option>", select.group(0))


def test_planned_treatment_card_names_the_treatment_and_its_fee(rita_client, workflow):
    body = rita_client.get(reverse("checkout", args=[workflow.pk])).content.decode()
    card = re.search(r'id="action-planned_treatment".*?</article>', body, re.S).group(0)
    assert "Crown upper left 6" in card
    assert "R24" in card
    assert "€&nbsp;640.00" in card


def test_planned_treatment_card_keeps_naming_the_treatment_once_booked(
    rita_client, workflow, practice_a, dentist, location_a, ctype_a
):
    action = action_of(workflow, ActionKind.PLANNED_TREATMENT)
    later = workflow.appointment.starts_at + dt.timedelta(days=7)
    booked = f.AppointmentFactory(
        practice=practice_a,
        patient=workflow.patient,
        practitioner=dentist,
        location=location_a,
        consultation_type=ctype_a,
        starts_at=later,
        ends_at=later + dt.timedelta(minutes=30),
    )
    services.action_record_booking(
        practice_a, actor=workflow.appointment.practitioner.user, action=action, booked=booked
    )
    body = rita_client.get(reverse("checkout", args=[workflow.pk])).content.decode()
    card = re.search(r'id="action-planned_treatment".*?</article>', body, re.S).group(0)
    assert "Crown upper left 6" in card


def test_each_action_offers_its_own_failure_reasons(rita_client, workflow, practice_a):
    with_label = {
        (r.kind, r.label) for r in FailureReason.objects.unscoped().filter(practice=practice_a)
    }
    body = rita_client.get(reverse("checkout", args=[workflow.pk])).content.decode()
    for kind in ("payment", "mobile", "marketing_consent"):
        offered = _select_options(body, action_of(workflow, kind))
        assert offered, kind
        assert all((kind, label) in with_label for label in offered), kind
    payment = _select_options(body, action_of(workflow, "payment"))
    mobile = _select_options(body, action_of(workflow, "mobile"))
    assert set(payment) != set(mobile)


def test_another_actions_reason_is_refused_and_nothing_is_saved(rita_client, workflow, practice_a):
    reasons = FailureReason.objects.unscoped().filter(practice=practice_a)
    data = {"complete": "1"}
    for kind in ("payment", "mobile", "marketing_consent"):
        data[f"f{action_of(workflow, kind).pk}-reason"] = reasons.filter(kind=kind).first().pk
    # A payment's reason for the mobile number.
    data[f"f{action_of(workflow, 'mobile').pk}-reason"] = reasons.filter(kind="payment").first().pk
    response = rita_client.post(
        reverse("checkout-complete", args=[workflow.pk]), data, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 422
    workflow.refresh_from_db()
    assert workflow.is_open


def test_a_new_practice_gets_reasons_per_action_in_its_own_language(db):
    practice = f.PracticeFactory(language="it")
    reasons = FailureReason.objects.unscoped().filter(practice=practice)
    assert {r.kind for r in reasons} == set(ActionKind.values)
    treatment = list(
        reasons.filter(kind=ActionKind.PLANNED_TREATMENT).values_list("label", flat=True)
    )
    assert "Il paziente ha rifiutato" in treatment  # 'Patient declined'
    assert "Patient declined" not in treatment


def test_a_practice_with_reasons_keeps_them_and_they_are_offered_for_every_action(
    rita_client, practice_a, make_visit
):
    FailureReason.objects.unscoped().filter(practice=practice_a).delete()
    own = FailureReason.objects.unscoped().create(practice=practice_a, label="Eigen reden")
    services.failure_reasons_install_defaults(practice_a)
    assert list(FailureReason.objects.unscoped().filter(practice=practice_a)) == [own]
    visit = make_visit(fee="45.00")
    workflow = build(practice_a, visit)
    body = rita_client.get(reverse("checkout", args=[workflow.pk])).content.decode()
    assert _select_options(body, action_of(workflow, "payment")) == ["Eigen reden"]
