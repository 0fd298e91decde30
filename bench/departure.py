"""Departure workflow report over a year: N appointments (default 1,000,000) in one practice.

The appointments come from the demo builder (a year back, never overlapping). Their
departure lists are written with INSERT … SELECT (a checkout per completed appointment,
about 2 actions each, outcomes spread by arithmetic on the ids), so the build takes
minutes, not hours. Then, for the whole year:

- report_ms: the project's report (reports.departure.departure_report), median of runs;
- sql_ms: a hand-written SQL GROUP BY giving the same numbers (checked equal);
- ratio: report_ms / sql_ms;
- page_ms: the report page through the Django test client, for the year and a month;
- csv_year_s: the failed workflows' CSV of the whole year (every column), streamed through
  the test client and read to its last byte (once; seconds), with its rows and queries.
"""

from __future__ import annotations

import datetime as dt
import time

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from appointments.models import Appointment
from departure_workflow.models import DepartureAction, DepartureWorkflow, FailureReason
from departure_workflow.services import failure_reasons_install_defaults
from practice import demo
from practice.models import Membership, Role
from practice.scoping import for_practice
from reports.departure import DETAIL_COLUMNS, ReportFilters, departure_report

from .common import dataset, p50, p95, practice_for, timed_ms

DEFAULT_SCALE = 1_000_000
# (kind, % of checkouts where it applies, % success, % postponed); the rest fail.
ACTIONS = [
    ("planned_treatment", 18, 62, 20),
    ("dentist_recall", 25, 80, 0),
    ("hygienist_recall", 20, 70, 0),
    ("payment", 70, 88, 0),
    ("mobile", 6, 55, 30),
    ("email", 15, 50, 30),
    ("marketing_consent", 30, 60, 25),
    ("custom", 5, 75, 0),
]

HAND_WRITTEN_SQL = """
    SELECT kind, outcome, postpone_reason, failure_reason_id, count(*)
      FROM departure_workflow_departureaction
     WHERE practice_id = %s AND local_date >= %s AND local_date <= %s
       AND outcome IN ('success', 'failed', 'postponed')
     GROUP BY kind, outcome, postpone_reason, failure_reason_id
"""


def build(scale: int) -> bool:
    return dataset("departure", scale, lambda spec: _build(spec, scale))


def _local_date_sql(tz_name: str) -> str:
    if connection.vendor == "postgresql":
        return f"(a.starts_at AT TIME ZONE '{tz_name}')::date"
    return "date(a.starts_at)"


def _build(spec, scale: int) -> None:
    practice = demo.build_practice(
        spec,
        clients=20_000,
        appointments=scale,
        past_days=365,
        future_days=0,
        seed=21,
        demo_extras=False,
    ).practice
    failure_reasons_install_defaults(practice)
    reasons = list(for_practice(FailureReason, practice).values_list("pk", flat=True))
    desk = list(
        for_practice(Membership, practice)
        .filter(role__in=[Role.RECEPTION, Role.DIRECTOR])
        .values_list("user_id", flat=True)
    )
    desk_case = " ".join(f"WHEN {i} THEN {uid}" for i, uid in enumerate(desk))
    reason_case = " ".join(f"WHEN {i} THEN {rid}" for i, rid in enumerate(reasons))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO departure_workflow_departureworkflow
                (practice_id, appointment_id, patient_id, client_id, location_id,
                 practitioner_id, local_date, status, has_failure, created_at, completed_at,
                 completed_by_id)
            SELECT a.practice_id, a.id, a.patient_id, a.client_id, a.location_id,
                   a.practitioner_id, {_local_date_sql(practice.time_zone)}, 'completed', FALSE,
                   a.ends_at, a.ends_at, CASE a.id %% {len(desk)} {desk_case} END
              FROM appointments_appointment a
             WHERE a.practice_id = %s AND a.status = 'completed'
            """,
            [practice.pk],
        )
        for k, (kind, applies, success, postponed) in enumerate(ACTIONS):
            roll = f"((w.id * 7919 + {k * 131}) %% 100)"
            outcome = f"((w.id * 104729 + {k * 17}) %% 100)"
            cursor.execute(
                f"""
                INSERT INTO departure_workflow_departureaction
                    (practice_id, workflow_id, kind, outcome, amount_due, paid_amount,
                     prompt_later, postpone_reason, postpone_note, failure_reason_id,
                     failure_note, judged_at, local_date, location_id, practitioner_id,
                     completed_by_id)
                SELECT w.practice_id, w.id, %s,
                       CASE WHEN {outcome} < {success} THEN 'success'
                            WHEN {outcome} < {success + postponed} THEN 'postponed'
                            ELSE 'failed' END,
                       NULL, 0, FALSE,
                       CASE WHEN {outcome} >= {success} AND {outcome} < {success + postponed}
                            THEN %s ELSE '' END,
                       '',
                       CASE WHEN {outcome} >= {success + postponed}
                            THEN CASE w.id %% {len(reasons)} {reason_case} END END,
                       '', w.completed_at, w.local_date, w.location_id, w.practitioner_id,
                       w.completed_by_id
                  FROM departure_workflow_departureworkflow w
                 WHERE w.practice_id = %s AND {roll} < {applies}
                """,
                [
                    kind,
                    "booking_link_sent" if kind == "planned_treatment" else "prompt_later",
                    practice.pk,
                ],
            )
        cursor.execute(
            """
            UPDATE departure_workflow_departureworkflow SET has_failure = TRUE
             WHERE practice_id = %s AND id IN (
                   SELECT workflow_id FROM departure_workflow_departureaction
                    WHERE practice_id = %s AND outcome = 'failed')
            """,
            [practice.pk, practice.pk],
        )
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE departure_workflow_departureaction")
            cursor.execute("ANALYZE departure_workflow_departureworkflow")


def _hand_written(practice, filters: ReportFilters) -> dict[str, tuple[int, int, int, int]]:
    totals: dict[str, list[int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(HAND_WRITTEN_SQL, [practice.pk, filters.date_from, filters.date_to])
        for kind, outcome, _postpone, _reason, n in cursor.fetchall():
            row = totals.setdefault(kind, [0, 0, 0, 0])
            row[0] += n
            row[{"success": 1, "failed": 2, "postponed": 3}[outcome]] += n
    return {kind: tuple(row) for kind, row in totals.items()}


def run(scale: int) -> dict[str, object]:
    practice = practice_for("departure")
    days = for_practice(DepartureAction, practice).order_by("local_date")
    first = days.values_list("local_date", flat=True).first() or timezone.localdate()
    last = days.reverse().values_list("local_date", flat=True).first() or first
    year = ReportFilters(first, last)
    month = ReportFilters(max(first, last - dt.timedelta(days=30)), last)

    ours = {
        f.kind: (f.total, f.success, f.failed, f.postponed)
        for f in departure_report(practice, year)
    }
    assert ours == _hand_written(practice, year), "the report and the SQL disagree"
    report_times = timed_ms(lambda: departure_report(practice, year), repeat=7)
    sql_times = timed_ms(lambda: _hand_written(practice, year), repeat=7)

    director = (
        for_practice(Membership, practice).filter(role=Role.DIRECTOR).select_related("user")
    ).first()
    browser = Client()
    browser.force_login(director.user)

    def url(filters: ReportFilters) -> str:
        return (
            reverse("report-departure")
            + f"?date_from={filters.date_from}&date_to={filters.date_to}"
        )

    assert browser.get(url(year), secure=True).status_code == 200
    page_times = timed_ms(lambda: browser.get(url(year), secure=True), repeat=5)
    month_times = timed_ms(lambda: browser.get(url(month), secure=True), repeat=5)
    with CaptureQueriesContext(connection) as page_ctx:
        browser.get(url(year), secure=True)
    csv_s, csv_rows, csv_queries = _csv_year(browser, year)
    report_ms, sql_ms = float(p50(report_times)), float(p50(sql_times))
    return {
        "appointments_total": for_practice(Appointment, practice).count(),
        "workflows_total": for_practice(DepartureWorkflow, practice).count(),
        "actions_total": for_practice(DepartureAction, practice).count(),
        "days": (last - first).days + 1,
        "report_ms": p50(report_times),
        "report_ms_p95": p95(report_times),
        "sql_ms": p50(sql_times),
        "ratio": f"{report_ms / sql_ms:.2f}" if sql_ms else "n/a",
        "page_ms": p50(page_times),
        "page_ms_p95": p95(page_times),
        "page_queries": len(page_ctx),
        "page_month_ms": p50(month_times),
        "csv_year_s": f"{csv_s:.1f}",
        "csv_year_rows": csv_rows,
        "csv_year_queries": csv_queries,
    }


def _csv_year(browser: Client, year: ReportFilters) -> tuple[float, int, int]:
    query = urlencode([*year.as_query().items(), *[("columns", c) for c in DETAIL_COLUMNS]])
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as ctx:
        response = browser.get(reverse("report-departure-failed-csv") + "?" + query, secure=True)
        assert response.status_code == 200
        rows = sum(chunk.count(b"\n") for chunk in response.streaming_content) - 1
    return time.perf_counter() - started, rows, len(ctx)
