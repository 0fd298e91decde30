"""The departure workflow report: figures, filters, who sees what, exports and the API."""

import datetime as dt

import pytest
from django.db import connection
from django.urls import reverse

from departure_workflow.models import (
    DepartureAction,
    DepartureWorkflow,
    FailureReason,
    Outcome,
    PostponeReason,
)
from reports.departure import ReportFilters, departure_report

from .. import factories as f

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 10)


def _workflow(practice, appointment, *, day=DAY, by=None, practitioner=None, location=None):
    return DepartureWorkflow.objects.unscoped().create(
        practice=practice,
        appointment=appointment,
        patient=appointment.patient,
        client=appointment.client,
        location=location or appointment.location,
        practitioner=practitioner or appointment.practitioner,
        local_date=day,
        status="completed",
        completed_by=by,
    )


def _action(workflow, kind, outcome, **extra):
    if outcome == Outcome.FAILED:
        DepartureWorkflow.objects.unscoped().filter(pk=workflow.pk).update(has_failure=True)
    return DepartureAction.objects.unscoped().create(
        practice_id=workflow.practice_id,
        workflow=workflow,
        kind=kind,
        outcome=outcome,
        local_date=workflow.local_date,
        location_id=workflow.location_id,
        practitioner_id=workflow.practitioner_id,
        completed_by=workflow.completed_by,
        **extra,
    )


_slot = iter(range(10_000))


def _appointment(practice, practitioner, location):
    # Each at its own time: PostgreSQL refuses a practitioner's overlapping appointments.
    start = dt.datetime(2026, 3, 10, 8, tzinfo=dt.UTC) + dt.timedelta(minutes=30 * next(_slot))
    return f.AppointmentFactory(
        practice=practice,
        practitioner=practitioner,
        location=location,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=30),
    )


@pytest.fixture
def history(practice_a, dentist, location_a, receptionist, director):
    """Payment: 2 success, 1 failed; Mobile: 1 success, 2 postponed, 1 failed."""
    reason = FailureReason.objects.unscoped().filter(practice=practice_a).first()
    rita = receptionist.user
    wfs = [
        _workflow(practice_a, _appointment(practice_a, dentist, location_a), by=rita)
        for _ in range(4)
    ]
    _action(wfs[0], "payment", Outcome.SUCCESS)
    _action(wfs[1], "payment", Outcome.SUCCESS)
    _action(wfs[2], "payment", Outcome.FAILED, failure_reason=reason)
    _action(wfs[0], "mobile", Outcome.SUCCESS)
    _action(wfs[1], "mobile", Outcome.POSTPONED, postpone_reason=PostponeReason.PROMPT_LATER)
    _action(wfs[2], "mobile", Outcome.POSTPONED, postpone_reason=PostponeReason.PROMPT_LATER)
    _action(wfs[3], "mobile", Outcome.FAILED, failure_note="Client in a hurry")
    # Still open at checkout: not counted.
    open_wf = _workflow(practice_a, _appointment(practice_a, dentist, location_a))
    DepartureWorkflow.objects.unscoped().filter(pk=open_wf.pk).update(status="open")
    _action(open_wf, "payment", Outcome.OPEN)
    return {"workflows": wfs, "reason": reason}


def _figures(practice, **filters):
    return {f.kind: f for f in departure_report(practice, ReportFilters(DAY, DAY, **filters))}


def test_report_counts_each_outcome_with_percentages(practice_a, history):
    figures = _figures(practice_a)
    payment = figures["payment"]
    assert (payment.total, payment.success, payment.failed, payment.postponed) == (3, 2, 1, 0)
    assert (payment.success_pct, payment.failed_pct) == (66.7, 33.3)
    mobile = figures["mobile"]
    assert (mobile.total, mobile.success, mobile.failed, mobile.postponed) == (4, 1, 1, 2)
    assert mobile.postponed_pct == 50.0


def test_report_lists_postponement_and_failure_reasons(practice_a, history):
    figures = _figures(practice_a)
    assert figures["mobile"].postponement_reasons == [("Ask again in 12 months", 2)]
    assert figures["mobile"].failure_reasons == [("Other (typed)", 1)]
    assert figures["payment"].failure_reasons == [(history["reason"].label, 1)]


def test_report_day_range_is_the_practices_local_days(practice_a, history):
    assert (
        departure_report(
            practice_a, ReportFilters(DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=9))
        )
        == []
    )


def test_report_filters_by_location_practitioner_and_checkout_user(
    practice_a, history, dentist, location_a, director
):
    other_location = f.LocationFactory(practice=practice_a, name="Noord")
    other_dentist = f.MembershipFactory(practice=practice_a, role="dentist")
    wf = _workflow(
        practice_a,
        _appointment(practice_a, other_dentist, other_location),
        by=director.user,
        practitioner=other_dentist,
        location=other_location,
    )
    _action(wf, "email", Outcome.SUCCESS)
    assert set(_figures(practice_a)) == {"payment", "mobile", "email"}
    assert set(_figures(practice_a, location_id=other_location.pk)) == {"email"}
    assert set(_figures(practice_a, practitioner_id=dentist.pk)) == {"payment", "mobile"}
    assert set(_figures(practice_a, run_by_id=director.user.pk)) == {"email"}


def test_report_never_counts_another_practice(practice_a, practice_b, history, vet_b, location_b):
    wf = _workflow(practice_b, _appointment(practice_b, vet_b, location_b))
    _action(wf, "payment", Outcome.FAILED)
    assert _figures(practice_a)["payment"].total == 3
    assert set(_figures(practice_b)) == {"payment"}


@pytest.mark.postgres_only
def test_report_equals_a_hand_written_sql_group_by(practice_a, history):
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT kind, count(*),
                   count(*) FILTER (WHERE outcome = 'success'),
                   count(*) FILTER (WHERE outcome = 'failed'),
                   count(*) FILTER (WHERE outcome = 'postponed')
              FROM departure_workflow_departureaction
             WHERE practice_id = %s AND local_date BETWEEN %s AND %s
               AND outcome IN ('success', 'failed', 'postponed')
             GROUP BY kind
            """,
            [practice_a.pk, DAY, DAY],
        )
        expected = {row[0]: row[1:] for row in cursor.fetchall()}
    got = {k: (v.total, v.success, v.failed, v.postponed) for k, v in _figures(practice_a).items()}
    assert got == expected


def test_report_is_one_grouped_query_not_a_loop(practice_a, history, django_assert_num_queries):
    with django_assert_num_queries(2):  # the GROUP BY, and the labels of failure reasons
        departure_report(practice_a, ReportFilters(DAY, DAY))


def _report_url(**params):
    query = "&".join(f"{k}={v}" for k, v in {"date_from": DAY, "date_to": DAY, **params}.items())
    return reverse("report-departure") + "?" + query


def test_report_page_for_the_director_in_constant_queries(
    client, director, history, django_assert_max_num_queries, practice_a, dentist, location_a
):
    client.force_login(director.user)
    with django_assert_max_num_queries(14) as few_rows:
        response = client.get(_report_url())
    assert response.status_code == 200
    # Twelve more failed workflows (with a location that has no time zone of its own, so
    # it falls back to the practice's) must not add a query per row.
    bare = f.LocationFactory(practice=practice_a, name="Zuid", time_zone="")
    for _ in range(12):
        wf = _workflow(practice_a, _appointment(practice_a, dentist, bare))
        _action(wf, "email", Outcome.FAILED)
    with django_assert_max_num_queries(len(few_rows)):
        client.get(_report_url(columns="date") + "&columns=time&columns=location")
    body = response.content.decode()
    assert "Take Payment" in body
    assert "Collect Mobile" in body
    assert response.context["page"].paginator.count == 2  # workflows 2 and 3 failed


def test_failed_workflow_rows_use_the_chosen_columns_and_open_the_appointment(
    client, director, history
):
    client.force_login(director.user)
    response = client.get(_report_url(columns="patient") + "&columns=payment")
    rows = response.context["rows"]
    assert response.context["columns"] == ["patient", "payment"]
    cells = {row.workflow_id: cells for row, cells, _url in rows}
    failed_payment_wf = history["workflows"][2]
    assert cells[failed_payment_wf.pk] == [
        failed_payment_wf.patient.name,
        f"✗ {history['reason'].label}",
    ]
    assert f"open={failed_payment_wf.appointment_id}" in response.content.decode()


def test_bad_dates_answer_400_with_the_reason(client, director):
    client.force_login(director.user)
    response = client.get(reverse("report-departure") + "?date_from=2026-03-10&date_to=2026-03-01")
    assert response.status_code == 400
    assert "on or before" in response.content.decode()
    response = client.get(reverse("report-departure") + "?date_from=yesterday&date_to=2026-03-01")
    assert response.status_code == 400


def test_reception_administrators_may_read_the_report(client, receptionist, history):
    client.force_login(receptionist.user)
    assert client.get(_report_url()).status_code == 200


def test_practitioner_sees_only_their_own_appointments(client, practice_a, history, location_a):
    other = f.MembershipFactory(
        practice=practice_a, role="dentist", user=f.UserFactory(username="olaf")
    )
    wf = _workflow(practice_a, _appointment(practice_a, other, location_a), practitioner=other)
    _action(wf, "email", Outcome.FAILED)
    client.force_login(other.user)
    response = client.get(_report_url())
    assert {fig.kind for fig in response.context["figures"]} == {"email"}
    # Asking for a colleague changes nothing: the practitioner filter is not theirs to set.
    dentist_id = history["workflows"][0].practitioner_id
    response = client.get(_report_url(practitioner=dentist_id))
    assert {fig.kind for fig in response.context["figures"]} == {"email"}


def test_nurse_without_appointments_sees_an_empty_report(client, practice_a, history):
    nurse = f.MembershipFactory(practice=practice_a, role="nurse")
    client.force_login(nurse.user)
    response = client.get(_report_url())
    assert response.status_code == 200
    assert response.context["figures"] == []


def test_csv_export_has_the_figures_and_the_failed_rows(client, director, history):
    client.force_login(director.user)
    query = f"?date_from={DAY}&date_to={DAY}"
    response = client.get(reverse("report-departure-summary-csv") + query)
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "Take Payment,3,2,66.7,1,33.3,0,0.0" in text
    response = client.get(reverse("report-departure-failed-csv") + query)
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert history["workflows"][2].patient.name in text


def test_pdf_export_is_a_pdf(client, director, history):
    client.force_login(director.user)
    response = client.get(reverse("report-departure-pdf") + f"?date_from={DAY}&date_to={DAY}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_api_gives_the_same_figures_as_json(client, director, history):
    client.force_login(director.user)
    response = client.get(f"/api/v1/reports/departure/?date_from={DAY}&date_to={DAY}")
    assert response.status_code == 200
    data = response.json()
    payment = next(a for a in data["actions"] if a["action"] == "payment")
    assert payment == {
        "action": "payment",
        "label": "Take Payment",
        "total": 3,
        "success": 2,
        "success_pct": 66.7,
        "failed": 1,
        "failed_pct": 33.3,
        "postponed": 0,
        "postponed_pct": 0.0,
        "postponement_reasons": [],
        "failure_reasons": [{"reason": history["reason"].label, "count": 1}],
    }
    assert data["failed_workflows"] == 2


def test_api_bad_input_answers_400_with_a_reason(client, director):
    client.force_login(director.user)
    response = client.get("/api/v1/reports/departure/?date_from=2026-13-01&date_to=2026-03-01")
    assert response.status_code == 400
    assert "date_from" in response.json()


def test_api_another_practices_location_is_refused_like_a_missing_one(
    client, director, history, location_b
):
    client.force_login(director.user)
    foreign = client.get(
        f"/api/v1/reports/departure/?date_from={DAY}&date_to={DAY}&location={location_b.pk}"
    )
    missing = client.get(
        f"/api/v1/reports/departure/?date_from={DAY}&date_to={DAY}&location=987654"
    )
    assert foreign.status_code == missing.status_code == 400


def test_report_needs_login(client):
    assert client.get(reverse("report-departure")).status_code == 302
    assert client.get("/api/v1/reports/departure/").status_code in (401, 403)


def test_report_page_charts_the_rates_per_action(client, director, history):
    client.force_login(director.user)
    body = client.get(_report_url()).content.decode()
    assert body.count('class="rate-row"') == 2  # Take Payment and Collect Mobile
    assert 'aria-label="Take Payment: 66.7% / 0.0% / 33.3%"' in body
