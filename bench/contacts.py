"""Contact history over a month: N communications (default 100,000) in one practice.

The practice, its clients, staff and a month of appointments come from the demo builder;
the contact history is written with bulk inserts as the derivation would leave it: about
0.6 contacts per communication (one person, one local day), every result, ad channels in
groups, and records linking contacts to appointments (completed ones with payments).
Then, for the month:

- report_ms: the grouped report as the page calls it (reports.contact_history.grouped_report,
  grouped by employee: the groups and the total), median of runs;
- sql_ms: a hand-written SQL query giving the same numbers (checked equal);
- ratio: report_ms / sql_ms;
- revenue_ms, list_ms and page_ms: revenue per channel, the first page of the list, and
  the grouped page through the Django test client.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from appointments.models import Appointment, Payment
from crm.models import Channel, ChannelGroup, Communication, Contact, ContactRecord
from patients.models import Patient
from practice import demo, localtime
from practice.models import Membership, Role
from practice.scoping import for_practice
from reports import contact_history as history

from .common import dataset, p50, p95, practice_for, timed_ms

DEFAULT_SCALE = 100_000
DAYS = 30
BATCH = 5_000
KINDS = [Communication.Kind.CALL] * 6 + [
    Communication.Kind.CHAT,
    Communication.Kind.CHAT,
    Communication.Kind.WEB_REQUEST,
    Communication.Kind.DIALOG,
]
STATUS = {
    Communication.Kind.CALL: [Communication.Status.ANSWERED] * 3 + [Communication.Status.MISSED],
    Communication.Kind.CHAT: [Communication.Status.CLOSED, Communication.Status.MISSED],
    Communication.Kind.WEB_REQUEST: [Communication.Status.PROCESSED, Communication.Status.OPEN],
    Communication.Kind.DIALOG: [Communication.Status.FINISHED],
}
RESULTS = (
    [Contact.Result.DIDNT_BOOK] * 40
    + [Contact.Result.BOOKED] * 25
    + [Contact.Result.ATTENDED] * 15
    + [Contact.Result.WAITLIST] * 8
    + [Contact.Result.CANCELLED] * 7
    + [Contact.Result.REQUESTS] * 5
)
TOPICS = ["", "", "Implants", "Check-up", "Whitening", "Pain"]
CHANNELS = {
    "Context ads": ["Google search ads", "Bing ads"],
    "Maps": ["Google Maps", "Apple Maps"],
    "Social": ["Instagram", "Facebook"],
    "Offline": ["Street sign", "Referral"],
}

HAND_WRITTEN_SQL = """
    SELECT GROUPING(m.employee_id), m.employee_id,
           count(DISTINCT m.contact_id),
           count(DISTINCT m.contact_id) FILTER (
               WHERE c.result IN ('booked', 'waitlist', 'attended')),
           count(*), avg(m.wait_seconds), avg(m.duration_seconds)
      FROM crm_communication m
      LEFT JOIN crm_contact c ON c.id = m.contact_id
     WHERE m.practice_id = %s AND m.local_date BETWEEN %s AND %s
     GROUP BY GROUPING SETS ((m.employee_id), ())
"""


def build(scale: int) -> bool:
    return dataset("contacts", scale, lambda spec: _build(spec, scale))


def _month(practice) -> tuple[dt.date, dt.date]:
    last = localtime.local_today(practice.tz) - dt.timedelta(days=1)
    return last - dt.timedelta(days=DAYS - 1), last


def _build(spec, scale: int) -> None:
    practice = demo.build_practice(
        spec,
        clients=max(50, scale // 20),
        appointments=max(50, scale // 10),
        past_days=DAYS + 1,
        future_days=0,
        seed=12,
        demo_extras=False,
    ).practice
    first, _last = _month(practice)
    desk = list(
        for_practice(Membership, practice)
        .filter(role__in=[Role.RECEPTION, Role.DIRECTOR])
        .values_list("pk", flat=True)
    )
    channels = _channels(practice)
    patients = list(for_practice(Patient, practice).values_list("pk", "client_id"))
    contacts = _contacts(practice, scale, first, desk, channels, patients)
    _communications(practice, scale, contacts)
    _records(practice, contacts)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in ("crm_communication", "crm_contact", "crm_contactrecord"):
                # Index-only scans need the visibility map VACUUM sets; inside a test's
                # transaction VACUUM may not run, and ANALYZE is enough there.
                vacuum = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
                cursor.execute(f"{vacuum} {table}")


def _channels(practice) -> list[int | None]:
    ids: list[int | None] = []
    for group_name, names in CHANNELS.items():
        group = ChannelGroup.objects.unscoped().create(practice=practice, name=group_name)
        for name in names:
            ids.append(
                Channel.objects.unscoped().create(practice=practice, group=group, name=name).pk
            )
    return [*ids, None, None]  # some contacts come through no known channel


def _contacts(practice, scale, first, desk, channels, patients) -> list[Contact]:
    rows = []
    for i in range(int(scale * 0.6)):
        patient_id, client_id = patients[(i * 7919) % len(patients)] if i % 4 else (None, None)
        rows.append(
            Contact(
                practice=practice,
                local_date=first + dt.timedelta(days=i % DAYS),
                person_key=f"phone:+316{i:08d}",
                client_id=client_id,
                patient_id=patient_id,
                employee_id=desk[i % len(desk)],
                channel_id=channels[(i * 31) % len(channels)],
                result=RESULTS[(i * 37) % len(RESULTS)],
            )
        )
    return Contact.objects.unscoped().bulk_create(rows, batch_size=BATCH)


def _communications(practice, scale, contacts) -> None:
    tz = practice.tz
    day_start = {}
    batch = []
    for j in range(scale):
        contact = contacts[j % len(contacts)]
        if contact.local_date not in day_start:
            day_start[contact.local_date] = localtime.wall_to_utc(
                contact.local_date, dt.time(8), tz
            )
        kind = KINDS[(j * 7) % len(KINDS)]
        statuses = STATUS[kind]
        status = statuses[(j * 13) % len(statuses)]
        talked = kind == Communication.Kind.CALL and status == Communication.Status.ANSWERED
        batch.append(
            Communication(
                practice=practice,
                kind=kind,
                direction="in" if j % 5 else "out",
                status=status,
                source="api",
                started_at=day_start[contact.local_date] + dt.timedelta(seconds=(j * 97) % 36000),
                local_date=contact.local_date,
                phone_raw=contact.person_key[6:],
                phone_e164=contact.person_key[6:],
                client_id=contact.client_id,
                patient_id=contact.patient_id,
                employee_id=contact.employee_id,
                channel_id=contact.channel_id,
                contact_id=contact.pk,
                purpose=list(Communication.Purpose.values)[(j * 11) % 5],
                topic=TOPICS[(j * 17) % len(TOPICS)],
                wait_seconds=(j * 29) % 90 if kind == Communication.Kind.CALL else None,
                duration_seconds=(j * 53) % 600 + 20 if talked else None,
            )
        )
        if len(batch) == BATCH:
            Communication.objects.unscoped().bulk_create(batch)
            batch = []
    Communication.objects.unscoped().bulk_create(batch)


def _records(practice, contacts) -> None:
    """Attended contacts get a completed appointment (most with a payment), booked and
    cancelled ones any appointment."""
    completed = list(
        for_practice(Appointment, practice)
        .filter(status=Appointment.Status.COMPLETED)
        .values_list("pk", "client_id", "patient_id", "ends_at")
    )
    others = list(for_practice(Appointment, practice).values_list("pk", flat=True))
    done, other = itertools.cycle(completed), itertools.cycle(others)
    records, payments, paid = [], [], set()
    for contact in contacts:
        if contact.result == Contact.Result.ATTENDED and completed:
            pk, client_id, patient_id, ends_at = next(done)
            if pk % 5 and pk not in paid:  # four in five visits paid
                paid.add(pk)
                payments.append(
                    Payment(
                        practice=practice,
                        client_id=client_id,
                        patient_id=patient_id,
                        appointment_id=pk,
                        amount=Decimal(45 + pk % 5 * 20),
                        method=Payment.Method.CARD,
                        taken_at=ends_at,
                    )
                )
        elif contact.result in (Contact.Result.BOOKED, Contact.Result.CANCELLED) and others:
            pk = next(other)
        else:
            continue
        records.append(
            ContactRecord(
                practice=practice,
                contact_id=contact.pk,
                appointment_id=pk,
                created_at=localtime.wall_to_utc(contact.local_date, dt.time(12), practice.tz),
                is_main=True,
            )
        )
    ContactRecord.objects.unscoped().bulk_create(records, batch_size=BATCH)
    Payment.objects.unscoped().bulk_create(payments, batch_size=BATCH)


def _ours(practice, filters) -> dict:
    report = history.grouped_report(practice, filters, ["employee"])
    rows = {
        r.key: (r.contacts, r.success, r.communications, _r(r.avg_wait), _r(r.avg_duration))
        for r in report.rows
    }
    t = report.total
    rows["total"] = (t.contacts, t.success, t.communications, _r(t.avg_wait), _r(t.avg_duration))
    return rows


def _r(value) -> float | None:
    return None if value is None else round(float(value), 6)


def _hand_written(practice, filters) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(HAND_WRITTEN_SQL, [practice.pk, filters.date_from, filters.date_to])
        rows = cursor.fetchall()
    # GROUPING SETS: the () set is the total line.
    return {
        "total" if is_total else employee_id: (contacts, success, n, _r(wait), _r(duration))
        for is_total, employee_id, contacts, success, n, wait, duration in rows
    }


def run(scale: int) -> dict[str, object]:
    practice = practice_for("contacts")
    first, last = _month(practice)
    filters = history.HistoryFilters(first, last)
    ours = _ours(practice, filters)
    assert ours == _hand_written(practice, filters), "the report and the SQL disagree"
    # Interleaved, so a busy moment of a shared machine falls on both alike.
    report_times, sql_times = [], []
    for _ in range(9):
        report_times += timed_ms(lambda: _ours(practice, filters), repeat=1)
        sql_times += timed_ms(lambda: _hand_written(practice, filters), repeat=1)
    revenue_times = timed_ms(lambda: history.revenue_per_channel(practice, filters), repeat=5)
    list_times = timed_ms(
        lambda: list(history.communication_list(practice, filters)[:50]), repeat=5
    )

    director = (
        for_practice(Membership, practice).filter(role=Role.DIRECTOR).select_related("user")
    ).first()
    browser = Client()
    browser.force_login(director.user)
    url = (
        reverse("report-contacts")
        + f"?view=grouped&level1=employee&date_from={first}&date_to={last}"
    )
    assert browser.get(url, secure=True).status_code == 200
    page_times = timed_ms(lambda: browser.get(url, secure=True), repeat=5)
    with CaptureQueriesContext(connection) as page_ctx:
        browser.get(url, secure=True)
    report_ms, sql_ms = float(p50(report_times)), float(p50(sql_times))
    return {
        "communications": for_practice(Communication, practice).count(),
        "contacts": for_practice(Contact, practice).count(),
        "records": for_practice(ContactRecord, practice).count(),
        "days": DAYS,
        "report_ms": p50(report_times),
        "report_ms_p95": p95(report_times),
        "sql_ms": p50(sql_times),
        "ratio": f"{report_ms / sql_ms:.2f}" if sql_ms else "n/a",
        "revenue_ms": p50(revenue_times),
        "list_ms": p50(list_times),
        "page_ms": p50(page_times),
        "page_queries": len(page_ctx),
    }
