"""Writing payments, treatment plans (and their treatments) and recalls through /api/v1/.

Each rule of the services (appointments.services.payment_take, appointments.plans,
appointments.recalls) through the endpoint an integrator calls: what is saved and audited,
what is refused with a 400 and its reason (nothing saved), and that another practice's ids
answer like missing ones, never a 500.
"""

import datetime as dt
from decimal import Decimal

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from appointments import recalls as recall_services
from appointments.models import Payment, PlannedTreatment, Recall, TreatmentPlan
from appointments.services import appointment_amount_due
from practice.models import AuditLog

from .. import factories as f

MISSING = 987_654
DUE = dt.date(2030, 6, 3)


def _audited(action, obj):
    return (
        AuditLog.objects.unscoped()
        .filter(action=action, object_id=obj.pk, practice_id=obj.practice_id)
        .exists()
    )


def _client_of(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def _same_refusal(api, url, body, field, b_id):
    """B's id and a missing id are refused alike on `field`: 400, the same words."""
    other = api.post(url, {**body, field: b_id}, format="json")
    missing = api.post(url, {**body, field: MISSING}, format="json")
    assert other.status_code == missing.status_code == 400
    assert other.json()[field] == [
        m.replace(str(MISSING), str(b_id)) for m in missing.json()[field]
    ]


# --- Payments ---------------------------------------------------------------------------


def test_a_payment_for_an_appointment_is_booked_to_its_client_and_patient(
    api, appointment_a, receptionist
):
    response = api.post(
        "/api/v1/payments/",
        {"appointment": appointment_a.pk, "amount": "45.50", "method": "card"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["client"] == appointment_a.client_id
    assert body["patient"] == appointment_a.patient_id
    assert body["amount"] == "45.50"
    payment = Payment.objects.unscoped().get(pk=body["id"])
    assert payment.taken_by == receptionist.user
    assert _audited("payment.take", payment)


def test_a_payment_for_a_patient_alone_is_booked_to_their_client(api, patient_a):
    response = api.post(
        "/api/v1/payments/",
        {"patient": patient_a.pk, "amount": "10", "method": "cash"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["client"] == patient_a.client_id
    assert response.json()["appointment"] is None


def test_a_payment_from_a_client_alone_names_no_patient(api, patient_a):
    response = api.post(
        "/api/v1/payments/",
        {"client": patient_a.client_id, "amount": "10", "method": "transfer"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["patient"] is None


def test_a_payment_names_who_paid(api, practice_a):
    response = api.post("/api/v1/payments/", {"amount": "10", "method": "cash"}, format="json")
    assert response.status_code == 400
    assert "client" in response.json()
    assert not Payment.objects.unscoped().exists()


def test_a_payment_for_another_patient_than_the_appointments_is_refused(
    api, appointment_a, practice_a
):
    other = f.PatientFactory(practice=practice_a, client=appointment_a.client, name="Sibling")
    response = api.post(
        "/api/v1/payments/",
        {"appointment": appointment_a.pk, "patient": other.pk, "amount": "10", "method": "cash"},
        format="json",
    )
    assert response.status_code == 400
    assert "patient" in response.json()
    assert not Payment.objects.unscoped().exists()


def test_a_payment_from_another_client_than_the_appointments_is_refused(
    api, appointment_a, practice_a
):
    stranger = f.ClientFactory(practice=practice_a, first_name="Sam")
    response = api.post(
        "/api/v1/payments/",
        {"appointment": appointment_a.pk, "client": stranger.pk, "amount": "10", "method": "card"},
        format="json",
    )
    assert response.status_code == 400
    assert "client" in response.json()


def test_a_payment_for_a_patient_of_another_client_is_refused(api, patient_a, practice_a):
    stranger = f.ClientFactory(practice=practice_a, first_name="Sam")
    response = api.post(
        "/api/v1/payments/",
        {"client": stranger.pk, "patient": patient_a.pk, "amount": "10", "method": "card"},
        format="json",
    )
    assert response.status_code == 400
    assert "patient" in response.json()


@pytest.mark.parametrize("amount", ["0", "-5.00", "0.00"])
def test_a_payment_amount_must_be_above_zero(api, appointment_a, amount):
    response = api.post(
        "/api/v1/payments/",
        {"appointment": appointment_a.pk, "amount": amount, "method": "cash"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["amount"] == ["Enter an amount above zero."]
    assert not Payment.objects.unscoped().exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("amount", "1e30"),
        ("amount", "123456789012"),
        ("amount", "1.234"),
        ("amount", "NaN"),
        ("amount", "ten"),
        ("method", "bitcoin"),
        ("appointment", "abc"),
        ("appointment", 10**30),
        ("appointment", -1),
        ("appointment", [1]),
        ("client", True),
    ],
)
def test_hostile_payment_input_is_a_400_with_the_reason(api, appointment_a, field, value):
    body = {"appointment": appointment_a.pk, "amount": "10", "method": "cash", field: value}
    response = api.post("/api/v1/payments/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Payment.objects.unscoped().exists()


@pytest.mark.parametrize("method", ["patch", "put", "delete"])
def test_a_payment_is_never_changed_or_deleted(api, appointment_a, method):
    payment = f.PaymentFactory(
        practice=appointment_a.practice, client=appointment_a.client, appointment=appointment_a
    )
    response = getattr(api, method)(
        f"/api/v1/payments/{payment.pk}/", {"amount": "1.00"}, format="json"
    )
    assert response.status_code == 405
    assert "cannot be changed or deleted" in response.json()["detail"]
    payment.refresh_from_db()
    assert payment.amount == Decimal("45.00")


def test_a_role_without_the_payments_right_is_refused_403(appointment_a, dentist):
    response = _client_of(dentist.user).post(
        "/api/v1/payments/",
        {"appointment": appointment_a.pk, "amount": "10", "method": "cash"},
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "Your role does not allow taking payments."
    assert not Payment.objects.unscoped().exists()


@pytest.mark.parametrize(
    ("field", "fixture", "attr"),
    [
        ("appointment", "appointment_b", "pk"),
        ("patient", "patient_b", "pk"),
        ("client", "patient_b", "client_id"),
    ],
)
def test_a_payment_naming_another_practices_row_is_refused_as_unknown(
    api, request, appointment_a, field, fixture, attr
):
    b_id = getattr(request.getfixturevalue(fixture), attr)
    body = {"amount": "10", "method": "cash"}
    _same_refusal(api, "/api/v1/payments/", body, field, b_id)
    assert not Payment.objects.unscoped().filter(practice=appointment_a.practice).exists()


# --- Treatment plans --------------------------------------------------------------------

TREATMENTS = [
    {"code": "D2740", "description": "Crown, porcelain", "fee": "850.00", "to_book": True},
    {"code": "D1110", "description": "Cleaning", "fee": "0"},
]


def _treatments(plan):
    return PlannedTreatment.objects.unscoped().filter(plan=plan)


def _propose(api, who, **extra):
    body = {"patient": who.pk, "title": "Upper right crown", "treatments": TREATMENTS}
    return api.post("/api/v1/treatment-plans/", {**body, **extra}, format="json")


@pytest.fixture
def plan_a(api, patient_a):
    return TreatmentPlan.objects.unscoped().get(pk=_propose(api, patient_a).json()["id"])


def test_proposing_a_plan_with_its_treatments(api, patient_a, receptionist):
    response = _propose(api, patient_a)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "proposed"
    assert [(t["code"], t["fee"], t["to_book"]) for t in body["treatments"]] == [
        ("D2740", "850.00", True),
        ("D1110", "0.00", False),  # a treatment given free is fine
    ]
    plan = TreatmentPlan.objects.unscoped().get(pk=body["id"])
    assert plan.created_by == receptionist.user
    assert _audited("treatment_plan.create", plan)


def test_a_negative_fee_refuses_the_whole_plan_naming_the_line(api, patient_a):
    treatments = [TREATMENTS[0], {"code": "X", "description": "Refund?", "fee": "-1.00"}]
    response = _propose(api, patient_a, treatments=treatments)
    assert response.status_code == 400
    assert response.json()["treatments"] == ["Line 2, fee: A fee cannot be below zero."]
    assert not TreatmentPlan.objects.unscoped().exists()
    assert not PlannedTreatment.objects.unscoped().exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"patient": "abc"}, "patient"),
        ({"patient": 2**70}, "patient"),
        ({"treatments": "crown"}, "treatments"),
        ({"treatments": [{"code": "", "description": "d", "fee": "1"}]}, "treatments"),
        ({"treatments": [{"code": "C", "description": "d", "fee": "1e12"}]}, "treatments"),
        ({"treatments": [{"code": "C", "description": "d", "fee": "abc"}]}, "treatments"),
        ({"treatments": [{"code": "C" * 21, "description": "d", "fee": "1"}]}, "treatments"),
        ({"treatments": [{"code": "C", "description": "d", "fee": "1"}] * 101}, "treatments"),
    ],
)
def test_hostile_plan_input_is_a_400_with_the_reason(api, patient_a, change, field):
    response = _propose(api, patient_a, **change)
    assert response.status_code == 400
    assert field in response.json()
    assert not TreatmentPlan.objects.unscoped().exists()


def test_a_refused_treatment_line_is_named_in_the_apis_one_400_shape(api, patient_a):
    treatments = [TREATMENTS[0], {"code": "", "description": "Filling", "fee": "x"}]
    response = _propose(api, patient_a, treatments=treatments)
    assert response.status_code == 400
    assert response.json() == {
        "treatments": [
            "Line 2, code: This field may not be blank.",
            "Line 2, fee: A valid number is required.",
        ]
    }


def test_a_plan_for_another_practices_patient_is_refused_as_unknown(api, patient_a, patient_b):
    body = {"title": "Plan", "treatments": []}
    _same_refusal(api, "/api/v1/treatment-plans/", body, "patient", patient_b.pk)
    assert not TreatmentPlan.objects.unscoped().exists()


def test_a_plan_is_accepted_then_completed(api, plan_a):
    url = f"/api/v1/treatment-plans/{plan_a.pk}/"
    assert api.patch(url, {"status": "accepted"}, format="json").json()["status"] == "accepted"
    assert api.patch(url, {"status": "completed"}, format="json").json()["status"] == "completed"
    assert _audited("treatment_plan.update", plan_a)


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        ([], "completed"),  # proposed → completed: not accepted yet
        (["rejected"], "accepted"),  # rejected is final: propose a new plan
        (["accepted", "completed"], "proposed"),
        (["accepted", "completed"], "rejected"),
    ],
)
def test_a_plan_moves_only_along_its_allowed_statuses(api, plan_a, path, refused):
    url = f"/api/v1/treatment-plans/{plan_a.pk}/"
    for step in path:
        assert api.patch(url, {"status": step}, format="json").status_code == 200
    response = api.patch(url, {"status": refused}, format="json")
    assert response.status_code == 400
    assert "status" in response.json()
    plan_a.refresh_from_db()
    assert plan_a.status == (path[-1] if path else "proposed")


def test_rejecting_a_plan_cancels_its_treatments_still_planned(api, plan_a, appointment_a):
    crown, cleaning = _treatments(plan_a).order_by("id")
    PlannedTreatment.objects.unscoped().filter(pk=crown.pk).update(
        status=PlannedTreatment.Status.BOOKED, appointment=appointment_a
    )
    api.patch(f"/api/v1/treatment-plans/{plan_a.pk}/", {"status": "rejected"}, format="json")
    crown.refresh_from_db()
    cleaning.refresh_from_db()
    assert cleaning.status == PlannedTreatment.Status.CANCELLED
    assert crown.status == PlannedTreatment.Status.BOOKED  # stays with its visit


def test_renaming_a_plan(api, plan_a):
    url = f"/api/v1/treatment-plans/{plan_a.pk}/"
    response = api.patch(url, {"title": "  Both crowns "}, format="json")
    assert response.status_code == 200
    assert response.json()["title"] == "Both crowns"
    assert api.patch(url, {"title": ""}, format="json").status_code == 400
    assert api.patch(url, {"status": "maybe"}, format="json").status_code == 400


def test_plans_are_not_deleted(api, plan_a):
    assert api.delete(f"/api/v1/treatment-plans/{plan_a.pk}/").status_code == 405
    assert TreatmentPlan.objects.unscoped().filter(pk=plan_a.pk).exists()


def test_another_practices_plan_answers_404_to_a_change(api, patient_b, practice_a):
    plan_b = f.TreatmentPlanFactory(practice=patient_b.practice, patient=patient_b)
    other = api.patch(f"/api/v1/treatment-plans/{plan_b.pk}/", {"title": "x"}, format="json")
    missing = api.patch(f"/api/v1/treatment-plans/{MISSING}/", {"title": "x"}, format="json")
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()
    plan_b.refresh_from_db()
    assert plan_b.title == "Plan"


# --- Planned treatments -----------------------------------------------------------------


def _add(api, plan, **extra):
    body = {"plan": plan.pk, "code": "D0120", "description": "Periodic exam", "fee": "35.00"}
    return api.post("/api/v1/planned-treatments/", {**body, **extra}, format="json")


def test_adding_a_treatment_to_an_open_plan(api, plan_a):
    response = _add(api, plan_a, to_book=True)
    assert response.status_code == 201, response.json()
    assert response.json()["plan"] == plan_a.pk
    assert response.json()["status"] == "planned"
    treatment = PlannedTreatment.objects.unscoped().get(pk=response.json()["id"])
    assert treatment.to_book
    assert _audited("planned_treatment.add", treatment)


@pytest.mark.parametrize("status", ["rejected", "completed"])
def test_a_closed_plan_takes_no_more_treatments(api, plan_a, status):
    TreatmentPlan.objects.unscoped().filter(pk=plan_a.pk).update(status=status)
    response = _add(api, plan_a)
    assert response.status_code == 400
    assert "plan" in response.json()
    assert _treatments(plan_a).count() == 2


@pytest.mark.parametrize("fee", ["-0.01", "1e12", "abc", ""])
def test_a_treatments_fee_is_zero_or_more(api, plan_a, fee):
    response = _add(api, plan_a, fee=fee)
    assert response.status_code == 400
    assert "fee" in response.json()


def test_changing_a_treatments_fee_changes_its_visits_bill(api, plan_a, appointment_a):
    crown = _treatments(plan_a).order_by("id").first()
    PlannedTreatment.objects.unscoped().filter(pk=crown.pk).update(
        status=PlannedTreatment.Status.BOOKED, appointment=appointment_a
    )
    before = appointment_amount_due(appointment_a)
    url = f"/api/v1/planned-treatments/{crown.pk}/"
    response = api.patch(url, {"fee": "800.00", "description": "Crown, zirconia"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["description"] == "Crown, zirconia"
    assert appointment_amount_due(appointment_a) == before - Decimal("50.00")
    assert api.patch(url, {"fee": "-1"}, format="json").status_code == 400


def test_cancelling_a_treatment_keeps_it_on_the_plan_and_off_the_bill(api, plan_a, appointment_a):
    crown = _treatments(plan_a).order_by("id").first()
    PlannedTreatment.objects.unscoped().filter(pk=crown.pk).update(
        status=PlannedTreatment.Status.BOOKED, appointment=appointment_a
    )
    before = appointment_amount_due(appointment_a)
    response = api.post(f"/api/v1/planned-treatments/{crown.pk}/cancel/")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert appointment_amount_due(appointment_a) == before - Decimal("850.00")
    assert _treatments(plan_a).count() == 2
    assert _audited("planned_treatment.cancel", crown)
    # Cancelling again changes nothing; a cancelled treatment is no longer changed.
    assert api.post(f"/api/v1/planned-treatments/{crown.pk}/cancel/").status_code == 200
    changed = api.patch(f"/api/v1/planned-treatments/{crown.pk}/", {"fee": "1"}, format="json")
    assert changed.status_code == 400
    assert "status" in changed.json()


def test_planned_treatments_are_cancelled_not_deleted(api, plan_a):
    treatment = _treatments(plan_a).first()
    assert api.delete(f"/api/v1/planned-treatments/{treatment.pk}/").status_code == 405


def test_another_practices_plan_or_treatment_is_unknown(api, plan_a, patient_b):
    plan_b = f.TreatmentPlanFactory(practice=patient_b.practice, patient=patient_b)
    body = {"code": "X", "description": "x", "fee": "1"}
    _same_refusal(api, "/api/v1/planned-treatments/", body, "plan", plan_b.pk)
    treatment_b = PlannedTreatment.objects.unscoped().create(
        practice=plan_b.practice, plan=plan_b, code="B", description="b", fee=Decimal(1)
    )
    for url in (
        f"/api/v1/planned-treatments/{treatment_b.pk}/",
        f"/api/v1/planned-treatments/{MISSING}/",
    ):
        assert api.patch(url, {"fee": "2"}, format="json").status_code == 404
        assert api.post(f"{url}cancel/").status_code == 404
        assert api.get(url).status_code == 404
    treatment_b.refresh_from_db()
    assert (treatment_b.fee, treatment_b.status) == (Decimal(1), "planned")
    listed = api.get("/api/v1/planned-treatments/").json()["results"]
    assert {row["plan"] for row in listed} == {plan_a.pk}


def test_planned_treatments_filter_by_plan_patient_and_status(api, plan_a, patient_a, practice_a):
    other = f.TreatmentPlanFactory(practice=practice_a, patient=patient_a, title="Other")
    _add(api, other)

    def codes(**query):
        rows = api.get("/api/v1/planned-treatments/", query).json()["results"]
        return sorted(row["code"] for row in rows)

    assert codes(plan=plan_a.pk) == ["D1110", "D2740"]
    assert codes(patient=patient_a.pk) == ["D0120", "D1110", "D2740"]
    assert codes(to_book="true") == ["D2740"]
    assert codes(status="cancelled") == []
    assert api.get("/api/v1/planned-treatments/", {"status": "gone"}).status_code == 400


def test_planned_treatment_list_takes_a_fixed_number_of_queries(
    api, practice_a, django_assert_max_num_queries
):
    for i in range(12):
        patient = f.PatientFactory(practice=practice_a, name=f"Patient {i}")
        plan = f.TreatmentPlanFactory(practice=practice_a, patient=patient)
        for code in ("A", "B"):
            PlannedTreatment.objects.unscoped().create(
                practice=practice_a, plan=plan, code=code, description=code, fee=Decimal(5)
            )
    # session/auth, practice, count, rows
    with django_assert_max_num_queries(5):
        response = api.get("/api/v1/planned-treatments/")
    assert response.json()["count"] == 24


# --- Recalls ----------------------------------------------------------------------------


def _recall(api, who, **extra):
    body = {"patient": who.pk, "kind": "dentist", "due_date": DUE.isoformat()}
    return api.post("/api/v1/recalls/", {**body, **extra}, format="json")


def test_setting_a_recall(api, patient_a):
    response = _recall(api, patient_a, to_book=True)
    assert response.status_code == 201, response.json()
    assert response.json()["due_date"] == "2030-06-03"
    assert response.json()["to_book"] is True
    recall = Recall.objects.unscoped().get(pk=response.json()["id"])
    assert _audited("recall.create", recall)


def test_a_second_recall_of_a_kind_is_a_400_naming_the_first(api, patient_a):
    _recall(api, patient_a)
    response = _recall(api, patient_a, due_date="2031-01-01")
    assert response.status_code == 400
    [reason] = response.json()["kind"]
    assert "already has a recall of this kind (Dentist recall)" in reason
    assert _recall(api, patient_a, kind="hygienist").status_code == 201  # another kind is fine
    assert Recall.objects.unscoped().filter(patient=patient_a).count() == 2


def test_a_recall_race_lost_at_the_constraint_is_a_400_not_a_500(api, patient_a, monkeypatch):
    _recall(api, patient_a)
    # The other request's recall was saved after this one checked: the constraint decides.
    monkeypatch.setattr(recall_services, "_existing", lambda *args: None)
    response = _recall(api, patient_a, due_date="2031-01-01")
    assert response.status_code == 400
    assert "already has a recall of this kind (Dentist recall)" in response.json()["kind"][0]
    assert Recall.objects.unscoped().filter(patient=patient_a).count() == 1


def test_moving_a_recall_and_asking_reception_to_book_it(api, patient_a):
    recall_id = _recall(api, patient_a).json()["id"]
    url = f"/api/v1/recalls/{recall_id}/"
    response = api.patch(url, {"due_date": "2030-09-01", "to_book": True}, format="json")
    assert response.status_code == 200
    assert response.json() == {
        "id": recall_id,
        "patient": patient_a.pk,
        "kind": "dentist",
        "due_date": "2030-09-01",
        "to_book": True,
    }
    assert _audited("recall.update", Recall.objects.unscoped().get(pk=recall_id))
    # The patient and kind stay what they are.
    api.patch(url, {"kind": "hygienist"}, format="json")
    assert Recall.objects.unscoped().get(pk=recall_id).kind == "dentist"


def test_deleting_a_recall(api, patient_a):
    recall = Recall.objects.unscoped().get(pk=_recall(api, patient_a).json()["id"])
    assert api.delete(f"/api/v1/recalls/{recall.pk}/").status_code == 204
    assert not Recall.objects.unscoped().filter(pk=recall.pk).exists()
    assert _audited("recall.delete", recall)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("due_date", "2030-02-30"),
        ("due_date", "9999-01-01"),
        ("due_date", "1066-10-14"),
        ("due_date", "soon"),
        ("due_date", None),
        ("kind", "vet"),
        ("patient", "x"),
        ("patient", 2**70),
        ("to_book", "perhaps"),
    ],
)
def test_hostile_recall_input_is_a_400_with_the_reason(api, patient_a, field, value):
    response = _recall(api, patient_a, **{field: value})
    assert response.status_code == 400
    assert field in response.json()
    assert not Recall.objects.unscoped().exists()


def test_moving_a_recall_to_an_impossible_year_is_refused(api, patient_a):
    recall_id = _recall(api, patient_a).json()["id"]
    response = api.patch(f"/api/v1/recalls/{recall_id}/", {"due_date": "2999-01-01"}, format="json")
    assert response.status_code == 400
    assert "due_date" in response.json()
    assert Recall.objects.unscoped().get(pk=recall_id).due_date == DUE


def test_a_recall_for_another_practices_patient_is_refused_as_unknown(api, patient_a, patient_b):
    body = {"kind": "dentist", "due_date": DUE.isoformat()}
    _same_refusal(api, "/api/v1/recalls/", body, "patient", patient_b.pk)
    assert not Recall.objects.unscoped().exists()


def test_another_practices_recall_answers_404_to_a_change_or_delete(api, patient_a, patient_b):
    recall_b = Recall.objects.unscoped().create(
        practice=patient_b.practice, patient=patient_b, kind="dentist", due_date=DUE
    )
    for url in (f"/api/v1/recalls/{recall_b.pk}/", f"/api/v1/recalls/{MISSING}/"):
        assert api.patch(url, {"due_date": "2031-01-01"}, format="json").status_code == 404
        assert api.delete(url).status_code == 404
    recall_b.refresh_from_db()
    assert recall_b.due_date == DUE


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/api/v1/payments/", {"amount": "1", "method": "cash"}),
        ("/api/v1/treatment-plans/", {"title": "t"}),
        ("/api/v1/recalls/", {"kind": "dentist", "due_date": "2030-01-01"}),
    ],
)
def test_writes_need_a_practice_login(patient_a, url, body):
    response = APIClient().post(url, {**body, "patient": patient_a.pk}, format="json")
    assert response.status_code in (401, 403)


def test_the_schema_documents_the_writes():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = schema["paths"]
    assert "post" in paths["/api/v1/payments/"]
    assert not {"put", "patch", "delete"} & set(paths["/api/v1/payments/{id}/"])
    assert {"post"} <= set(paths["/api/v1/treatment-plans/"])
    assert {"patch"} <= set(paths["/api/v1/treatment-plans/{id}/"])
    assert {"get", "post"} <= set(paths["/api/v1/planned-treatments/"])
    assert {"get", "patch"} <= set(paths["/api/v1/planned-treatments/{id}/"])
    assert "delete" not in paths["/api/v1/planned-treatments/{id}/"]
    assert "post" in paths["/api/v1/planned-treatments/{id}/cancel/"]
    assert {"post"} <= set(paths["/api/v1/recalls/"])
    assert {"patch", "delete"} <= set(paths["/api/v1/recalls/{id}/"])
    # Read and written, the recall kinds stay one enum under their stable name.
    assert schema["components"]["schemas"]["RecallKindEnum"]["enum"] == ["dentist", "hygienist"]
