"""Staff propose a treatment plan from the patient card and work it (the same services as
/api/v1/treatment-plans/ and /api/v1/planned-treatments/: allowed status changes, fees never
below zero, closed plans unchanged, an audit row)."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from appointments.models import Appointment, PlannedTreatment, TreatmentPlan
from departure_workflow import services as departure
from practice import rights
from practice.localtime import local_today
from practice.models import AuditLog, Role
from practice.services import staff_language_set

from .. import factories as f

pytestmark = pytest.mark.django_db


def _plans(patient):
    return TreatmentPlan.objects.unscoped().filter(patient=patient)


def _treatments(patient):
    return PlannedTreatment.objects.unscoped().filter(plan__patient=patient).order_by("id")


def _lines(*rows, total=3):
    """The new-plan formset's fields: `rows` of (code, description, fee, to_book)."""
    data = {"lines-TOTAL_FORMS": str(total), "lines-INITIAL_FORMS": "0"}
    for i, (code, description, fee, to_book) in enumerate(rows):
        data |= {f"lines-{i}-code": code, f"lines-{i}-description": description}
        data[f"lines-{i}-fee"] = fee
        if to_book:
            data[f"lines-{i}-to_book"] = "on"
    return data


def _make_plan(patient, *, status="proposed", lines=1, title="Crowns"):
    plan = f.TreatmentPlanFactory(
        practice=patient.practice, patient=patient, title=title, status=status
    )
    for n in range(lines):
        PlannedTreatment.objects.unscoped().create(
            practice=patient.practice,
            plan=plan,
            code=f"R{n}",
            description=f"Crown {n}",
            fee=Decimal("100.00"),
        )
    return plan


@pytest.fixture
def dutch(receptionist):
    """Rita works in Dutch: she types 12,50 for a fee."""
    staff_language_set(receptionist.user, language="nl")


@pytest.fixture
def plan_a(patient_a):
    return _make_plan(patient_a)


@pytest.fixture
def plan_b(patient_b):
    return _make_plan(patient_b)


def test_the_patient_card_offers_a_new_treatment_plan(rita_client, patient_a, plan_a):
    card = rita_client.get(reverse("patient-card", args=[patient_a.pk])).content.decode()
    assert reverse("plan-add", args=[patient_a.pk]) in card
    assert reverse("plan-edit", args=[plan_a.pk]) in card


def test_staff_create_a_plan_with_several_lines_and_dutch_fees(rita_client, patient_a, dutch):
    # given: a Dutch user types fees with a decimal comma, and leaves line 2 empty
    url = reverse("plan-add", args=[patient_a.pk])
    page = rita_client.get(url).content.decode()
    assert page.count('name="lines-') >= 12  # three empty lines of four fields
    data = {"title": "Upper crowns"} | _lines(
        ("R24", "Crown upper left 6", "640,00", True),
        ("", "", "", False),
        ("V21", "Filling", "12,50", False),
    )
    # when
    response = rita_client.post(url, data)
    # then
    assert response.status_code == 302
    [plan] = _plans(patient_a)
    assert (plan.title, plan.status) == ("Upper crowns", "proposed")
    rows = [(t.code, t.fee, t.to_book, t.status) for t in _treatments(patient_a)]
    assert rows == [
        ("R24", Decimal("640.00"), True, "planned"),
        ("V21", Decimal("12.50"), False, "planned"),
    ]
    assert AuditLog.objects.unscoped().filter(action="treatment_plan.create", object_id=plan.pk)


def test_add_line_gives_one_more_empty_line_and_saves_nothing(rita_client, patient_a):
    url = reverse("plan-add", args=[patient_a.pk])
    data = {"title": "", "add_line": "1"} | _lines(("R24", "Crown", "640.00", True))
    response = rita_client.post(url, data)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="lines-TOTAL_FORMS" value="4"' in body
    assert 'name="lines-3-code"' in body
    assert 'value="R24"' in body
    assert 'class="error"' not in body  # the empty title is not an error yet
    assert not _plans(patient_a).exists()


def test_a_bad_fee_is_a_form_error_naming_its_line_and_nothing_is_saved(rita_client, patient_a):
    url = reverse("plan-add", args=[patient_a.pk])
    data = {"title": "Crowns"} | _lines(
        ("R24", "Crown", "640.00", False), ("V21", "Filling", "twelve", False)
    )
    response = rita_client.post(url, data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Line 2, Fee: Enter a number." in body
    line_2 = re.search(r"<legend>Line 2</legend>.*?</fieldset>", body, re.S).group(0)
    assert 'class="error"' in line_2
    assert 'value="twelve"' in line_2
    assert not _plans(patient_a).exists()
    assert not _treatments(patient_a).exists()


def test_a_fee_below_zero_is_refused_by_the_service_naming_the_line(rita_client, patient_a):
    # given: line 2 is left empty, so the service's line 2 is the page's line 3 before
    # the page moves the filled lines up
    url = reverse("plan-add", args=[patient_a.pk])
    data = {"title": "Crowns"} | _lines(
        ("R24", "Crown", "640.00", False), ("", "", "", False), ("V21", "Filling", "-5", False)
    )
    response = rita_client.post(url, data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Line 2, fee: A fee cannot be below zero." in body
    line_2 = re.search(r"<legend>Line 2</legend>.*?</fieldset>", body, re.S).group(0)
    assert 'value="V21"' in line_2
    assert not _plans(patient_a).exists()


@pytest.mark.parametrize(
    ("before", "after"),
    [("proposed", "accepted"), ("proposed", "rejected"), ("accepted", "completed")],
)
def test_staff_move_a_plan_on_as_the_service_allows(rita_client, patient_a, before, after):
    plan = _make_plan(patient_a, status=before)
    page = rita_client.get(reverse("plan-edit", args=[plan.pk])).content.decode()
    assert f'name="status" value="{after}"' in page
    response = rita_client.post(reverse("plan-status", args=[plan.pk]), {"status": after})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == after


def test_rejecting_a_plan_cancels_its_planned_treatments(rita_client, plan_a, patient_a):
    rita_client.post(reverse("plan-status", args=[plan_a.pk]), {"status": "rejected"})
    assert set(_treatments(patient_a).values_list("status", flat=True)) == {"cancelled"}


@pytest.mark.parametrize(
    ("before", "after", "reason"),
    [
        ("proposed", "completed", "A plan cannot go from “Proposed” to “Completed”."),
        ("completed", "accepted", "A plan cannot go from “Completed” to “Accepted”."),
        ("rejected", "accepted", "A plan cannot go from “Rejected” to “Accepted”."),
    ],
)
def test_a_refused_status_change_is_a_form_error(rita_client, patient_a, before, after, reason):
    plan = _make_plan(patient_a, status=before)
    page = rita_client.get(reverse("plan-edit", args=[plan.pk])).content.decode()
    assert f'value="{after}"' not in page
    response = rita_client.post(reverse("plan-status", args=[plan.pk]), {"status": after})
    assert response.status_code == 200
    assert reason in response.content.decode()
    plan.refresh_from_db()
    assert plan.status == before


def test_an_unknown_status_is_a_form_error(rita_client, plan_a):
    response = rita_client.post(reverse("plan-status", args=[plan_a.pk]), {"status": "lost"})
    assert response.status_code == 200
    assert "form-errors" in response.content.decode()


def test_staff_rename_a_plan(rita_client, plan_a):
    response = rita_client.post(reverse("plan-edit", args=[plan_a.pk]), {"title": "Bridges"})
    assert response.status_code == 302
    plan_a.refresh_from_db()
    assert plan_a.title == "Bridges"
    blank = rita_client.post(reverse("plan-edit", args=[plan_a.pk]), {"title": " "})
    assert blank.status_code == 200
    plan_a.refresh_from_db()
    assert plan_a.title == "Bridges"


def test_staff_add_a_treatment_to_an_open_plan(rita_client, plan_a, dutch):
    url = reverse("plan-treatment-add", args=[plan_a.pk])
    assert rita_client.get(url).status_code == 200
    data = {"code": "X1", "description": "X-ray", "fee": "35,75", "to_book": "on"}
    response = rita_client.post(url, data)
    assert response.status_code == 302
    added = PlannedTreatment.objects.unscoped().get(plan=plan_a, code="X1")
    assert (added.fee, added.to_book) == (Decimal("35.75"), True)


def test_a_closed_plan_refuses_a_new_treatment(rita_client, patient_a):
    plan = _make_plan(patient_a, status="completed")
    page = rita_client.get(reverse("plan-edit", args=[plan.pk])).content.decode()
    assert reverse("plan-treatment-add", args=[plan.pk]) not in page
    data = {"code": "X1", "description": "X-ray", "fee": "35"}
    response = rita_client.post(reverse("plan-treatment-add", args=[plan.pk]), data)
    assert response.status_code == 200
    assert "its treatments can no longer change" in response.content.decode()
    assert _treatments(patient_a).count() == 1


def test_staff_edit_a_planned_treatment_and_see_its_fee_their_way(
    rita_client, plan_a, receptionist
):
    treatment = PlannedTreatment.objects.unscoped().get(plan=plan_a)
    url = reverse("planned-treatment-edit", args=[treatment.pk])
    staff_language_set(receptionist.user, language="nl")
    assert 'value="100,00"' in rita_client.get(url).content.decode()
    data = {"code": "R0", "description": "Crown, gold", "fee": "120,50"}
    assert rita_client.post(url, data).status_code == 302
    treatment.refresh_from_db()
    assert (treatment.description, treatment.fee) == ("Crown, gold", Decimal("120.50"))
    staff_language_set(receptionist.user, language="en")
    below = rita_client.post(url, data | {"fee": "-1"})
    assert "A fee cannot be below zero." in below.content.decode()
    treatment.refresh_from_db()
    assert treatment.fee == Decimal("120.50")


def test_staff_cancel_a_planned_treatment(rita_client, plan_a):
    treatment = PlannedTreatment.objects.unscoped().get(plan=plan_a)
    url = reverse("planned-treatment-cancel", args=[treatment.pk])
    assert rita_client.get(url).status_code == 405
    response = rita_client.post(url)
    assert response.status_code == 302
    treatment.refresh_from_db()
    assert treatment.status == "cancelled"
    assert AuditLog.objects.unscoped().filter(
        action="planned_treatment.cancel", object_id=treatment.pk
    )
    page = rita_client.get(reverse("plan-edit", args=[plan_a.pk])).content.decode()
    assert reverse("planned-treatment-edit", args=[treatment.pk]) not in page


def test_another_practices_patient_plan_or_treatment_answers_404(
    rita_client, patient_a, patient_b, plan_b
):
    treatment_b = PlannedTreatment.objects.unscoped().get(plan=plan_b)
    add_b = reverse("plan-add", args=[patient_b.pk])
    assert rita_client.get(add_b).status_code == 404
    assert rita_client.post(add_b, {"title": "X"} | _lines()).status_code == 404
    edit_b = reverse("plan-edit", args=[plan_b.pk])
    assert rita_client.get(edit_b).status_code == 404
    assert rita_client.post(edit_b, {"title": "Stolen"}).status_code == 404
    status_b = reverse("plan-status", args=[plan_b.pk])
    assert rita_client.post(status_b, {"status": "accepted"}).status_code == 404
    line = {"code": "X", "description": "X", "fee": "1"}
    add_t = reverse("plan-treatment-add", args=[plan_b.pk])
    assert rita_client.post(add_t, line).status_code == 404
    edit_t = reverse("planned-treatment-edit", args=[treatment_b.pk])
    assert rita_client.get(edit_t).status_code == 404
    assert rita_client.post(edit_t, line).status_code == 404
    cancel_t = reverse("planned-treatment-cancel", args=[treatment_b.pk])
    assert rita_client.post(cancel_t).status_code == 404
    plan_b.refresh_from_db()
    treatment_b.refresh_from_db()
    assert (plan_b.title, plan_b.status) == ("Crowns", "proposed")
    assert (treatment_b.code, treatment_b.status) == ("R0", "planned")
    assert _plans(patient_b).count() == 1


def test_a_role_without_the_right_sees_no_links_and_gets_403(
    rita_client, monkeypatch, patient_a, plan_a
):
    # No role lacks edit_patients today; take it away from reception to prove the pages
    # follow the right the services require.
    without = rights.ROLE_RIGHTS[Role.RECEPTION] - {rights.Right.EDIT_PATIENTS}
    monkeypatch.setitem(rights.ROLE_RIGHTS, Role.RECEPTION, without)
    card = rita_client.get(reverse("patient-card", args=[patient_a.pk])).content.decode()
    assert reverse("plan-add", args=[patient_a.pk]) not in card
    assert reverse("plan-edit", args=[plan_a.pk]) not in card
    treatment = PlannedTreatment.objects.unscoped().get(plan=plan_a)
    assert rita_client.get(reverse("plan-add", args=[patient_a.pk])).status_code == 403
    assert rita_client.get(reverse("plan-edit", args=[plan_a.pk])).status_code == 403
    status = rita_client.post(reverse("plan-status", args=[plan_a.pk]), {"status": "accepted"})
    assert status.status_code == 403
    cancel = rita_client.post(reverse("planned-treatment-cancel", args=[treatment.pk]))
    assert cancel.status_code == 403
    plan_a.refresh_from_db()
    treatment.refresh_from_db()
    assert (plan_a.status, treatment.status) == ("proposed", "planned")


def _card_queries(client, patient) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("patient-card", args=[patient.pk])).status_code == 200
    return len(queries)


def test_the_card_queries_do_not_grow_with_plans_or_treatment_lines(rita_client, patient_a):
    _make_plan(patient_a, lines=1)
    one = _card_queries(rita_client, patient_a)
    for n in range(3):
        _make_plan(patient_a, lines=4, title=f"Plan {n}")
    many = _card_queries(rita_client, patient_a)
    assert many == one


def test_a_plan_made_on_the_page_is_offered_at_checkout(
    rita_client, receptionist, patient_a, practice_a, dentist, location_a, ctype_a
):
    # given: a plan proposed on the new page, one line to be booked and one not
    data = {"title": "Crowns"} | _lines(
        ("R24", "Crown upper left 6", "640,00", True), ("V21", "Polish", "20", False)
    )
    staff_language_set(receptionist.user, language="nl")
    assert rita_client.post(reverse("plan-add", args=[patient_a.pk]), data).status_code == 302
    # when: the patient leaves after today's visit
    start = dt.datetime.combine(local_today(location_a.tz), dt.time(0, 15), tzinfo=location_a.tz)
    visit = f.AppointmentFactory(
        practice=practice_a,
        patient=patient_a,
        practitioner=dentist,
        location=location_a,
        consultation_type=ctype_a,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=10),
        status=Appointment.Status.COMPLETED,
    )
    workflow = departure.workflow_build(practice_a, visit)
    # then: the checkout's 'Book planned treatment' card names the line to be booked
    staff_language_set(receptionist.user, language="en")
    body = rita_client.get(reverse("checkout", args=[workflow.pk])).content.decode()
    card = re.search(r'id="action-planned_treatment".*?</article>', body, re.S).group(0)
    assert "Crown upper left 6" in card
    assert "640.00" in card
    assert "Polish" not in card


@pytest.mark.parametrize("total", ["", "lots", "-3", "99999"])
def test_a_broken_line_count_is_a_form_error_not_a_500(rita_client, patient_a, total):
    data = {"title": "Crowns", "lines-TOTAL_FORMS": total, "lines-INITIAL_FORMS": "0"}
    response = rita_client.post(reverse("plan-add", args=[patient_a.pk]), data)
    assert response.status_code in (200, 302)
    assert not _treatments(patient_a).exists()


def test_the_services_refusal_names_the_field_in_the_readers_language(
    rita_client, receptionist, patient_a
):
    from practice.models import StaffProfile

    StaffProfile.objects.update_or_create(user=receptionist.user, defaults={"language": "nl"})
    url = reverse("plan-add", args=[patient_a.pk])
    data = {"title": "Kronen"} | _lines(("V21", "Vulling", "-5", False))
    body = rita_client.post(url, data).content.decode()
    assert "Regel 1, tarief: " in body
    assert ", fee:" not in body
