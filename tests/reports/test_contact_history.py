"""Reports → Contact history, through the pages a manager uses: who may open it, the
'No grouping' list with its highlights and summary, the 'By contacts' groups down to each
call, revenue per channel, 'why this channel', the filters, the patient's history and CSV."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from crm.models import Communication, Contact
from practice import localtime
from reports import contact_history as history

from ..crm.history_factories import (
    ChannelFactory,
    CommunicationFactory,
    ContactFactory,
    ContactSettingsFactory,
    at_local,
)

pytestmark = pytest.mark.django_db

PAGE = reverse("report-contacts")
TABLE = reverse("report-contacts-table")
GROUP = reverse("report-contacts-group")
CSV = reverse("report-contacts-csv")
Kind, Status, Result = Communication.Kind, Communication.Status, Contact.Result


def _at(practice, *wall):
    """Travel to a wall-clock time in the practice's zone (log in inside: the session is
    older than that)."""
    return time_machine.travel(dt.datetime(*wall, tzinfo=practice.tz), tick=False)


def _rows(response) -> list[int]:
    """The communication ids in the list, top to bottom."""
    return [int(pk) for pk in re.findall(r'data-communication="(\d+)"', response.content.decode())]


def _row_class(response, communication) -> str:
    found = re.search(
        rf'<tr class="([^"]*)" data-communication="{communication.pk}"', response.content.decode()
    )
    assert found, f"communication {communication.pk} is not listed"
    return found[1]


@pytest.fixture
def comm(practice_a):
    def make(**fields):
        return CommunicationFactory(practice=fields.pop("practice", practice_a), **fields)

    return make


@pytest.fixture
def dora_client(client, director):
    client.force_login(director.user)
    return client


# ---- access ---------------------------------------------------------------------------


def test_directors_and_reception_open_the_contact_history_others_get_403(
    client, director, receptionist, dentist
):
    for member, status in ((director, 200), (receptionist, 200), (dentist, 403)):
        client.force_login(member.user)
        assert client.get(PAGE).status_code == status, member.role
        assert client.get(TABLE).status_code == status
        assert client.get(CSV).status_code == status


def test_signed_out_visitor_is_sent_to_log_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_reports_area_links_to_the_contact_history_for_reception_only(
    client, receptionist, dentist
):
    client.force_login(receptionist.user)
    departure = client.get(reverse("report-departure")).content.decode()
    assert f'href="{PAGE}"' in departure
    client.force_login(dentist.user)
    departure = client.get(reverse("report-departure")).content.decode()
    assert f'href="{PAGE}"' not in departure


def test_another_practices_communications_never_show(rita_client, comm, practice_b):
    ours = comm()
    theirs = comm(practice=practice_b)
    rows = _rows(rita_client.get(PAGE))
    assert ours.pk in rows
    assert theirs.pk not in rows


def test_another_practices_contact_and_communication_answer_404(rita_client, practice_b, comm):
    theirs = comm(practice=practice_b, contact=ContactFactory(practice=practice_b))
    for url in (
        reverse("report-contacts-contact", args=[theirs.contact_id]),
        reverse("report-contacts-channel", args=[theirs.pk]),
    ):
        assert rita_client.get(url).status_code == 404


# ---- 'No grouping' ----------------------------------------------------------------------


def test_list_shows_every_kind_newest_first_with_local_time_and_who(
    rita_client, practice_a, comm, patient_a, receptionist
):
    day = localtime.local_today(practice_a.tz)
    contact = ContactFactory(practice=practice_a, result=Result.BOOKED, local_date=day)
    call = comm(
        started_at=at_local(practice_a, day, 0, 5),
        patient=patient_a,
        client=patient_a.client,
        person_kind=Communication.PersonKind.NEW_PATIENT,
        employee=receptionist,
        contact=contact,
        wait_seconds=75,
        duration_seconds=3725,
    )
    chat = comm(kind=Kind.CHAT, status=Status.CLOSED, started_at=at_local(practice_a, day, 0, 6))
    request = comm(
        kind=Kind.WEB_REQUEST,
        status=Status.PROCESSED,
        started_at=at_local(practice_a, day, 0, 7),
        name_given="Piet",
    )
    dialog = comm(
        kind=Kind.DIALOG, status=Status.FINISHED, started_at=at_local(practice_a, day, 0, 8)
    )

    response = rita_client.get(PAGE)

    assert _rows(response) == [dialog.pk, request.pk, chat.pk, call.pk]
    row = response.content.decode().split(f'data-communication="{call.pk}"')[1].split("</tr>")[0]
    assert "00:05" in row  # Amsterdam's wall clock, not Kathmandu's or UTC
    assert "Anna de Vries" in row
    assert "new-patient" in row
    assert "Rita Reception" in row
    assert "1:15" in row  # waiting time
    assert "1:02:05" in row  # duration
    assert "Booked" in row  # its contact's result
    assert "Piet" in response.content.decode()


def test_list_is_paginated(rita_client, comm):
    made = [comm() for _ in range(51)]
    first = rita_client.get(PAGE)
    assert len(_rows(first)) == 50
    assert "Page 1 of 2" in first.content.decode()
    assert _rows(rita_client.get(PAGE, {"page": 2})) == [made[0].pk]


def test_todays_missed_calls_and_chats_and_open_requests_are_highlighted(
    client, receptionist, practice_a, comm
):
    today = dt.date(2030, 3, 12)
    yesterday = today - dt.timedelta(days=1)
    with _at(practice_a, 2030, 3, 12, 10):
        client.force_login(receptionist.user)
        attention = [
            comm(status=Status.MISSED, started_at=at_local(practice_a, today, 9)),
            comm(kind=Kind.CHAT, status=Status.MISSED, started_at=at_local(practice_a, today, 9)),
            comm(
                kind=Kind.WEB_REQUEST, status=Status.OPEN, started_at=at_local(practice_a, today, 8)
            ),
            comm(
                kind=Kind.REQUEST_DIALOG,
                status=Status.NEEDS_CALLBACK,
                started_at=at_local(practice_a, yesterday, 8),
            ),
        ]
        plain = [
            comm(status=Status.MISSED, started_at=at_local(practice_a, yesterday, 9)),
            comm(status=Status.ANSWERED, started_at=at_local(practice_a, today, 8)),
            comm(
                kind=Kind.WEB_REQUEST,
                status=Status.PROCESSED,
                started_at=at_local(practice_a, today, 8),
            ),
        ]
        live = [
            comm(status=Status.RINGING, started_at=at_local(practice_a, today, 9, 59)),
            comm(
                kind=Kind.CHAT, status=Status.ACTIVE, started_at=at_local(practice_a, today, 9, 58)
            ),
        ]
        response = client.get(PAGE)

    assert [_row_class(response, c) for c in attention] == ["row-attention"] * 4
    assert [_row_class(response, c) for c in plain] == [""] * 3
    assert [_row_class(response, c) for c in live] == ["row-live"] * 2


def test_missed_yesterday_is_not_todays_across_the_local_midnight(
    client, receptionist, practice_a, comm
):
    # 23:30 in Amsterdam on the 11th is already the 12th in UTC+5:45 (the suite's zone)
    today = dt.date(2030, 3, 12)
    with _at(practice_a, 2030, 3, 12, 0, 15):
        client.force_login(receptionist.user)
        late = comm(
            status=Status.MISSED,
            started_at=at_local(practice_a, today - dt.timedelta(days=1), 23, 30),
        )
        early = comm(status=Status.MISSED, started_at=at_local(practice_a, today, 0, 5))
        response = client.get(PAGE, {"date_from": "2030-03-11", "date_to": "2030-03-12"})
    assert _row_class(response, late) == ""
    assert _row_class(response, early) == "row-attention"


@pytest.mark.parametrize(
    ("received_day", "now_wall", "overdue"),
    [
        # received on 2 March (the 1st of the 7 days): still due on the 8th, overdue on the 9th
        (dt.date(2030, 3, 2), (2030, 3, 8, 23, 59), False),
        (dt.date(2030, 3, 2), (2030, 3, 9, 0, 0), True),
        # across the night the clocks go forward (31 March 2030 in Amsterdam): local days
        (dt.date(2030, 3, 26), (2030, 4, 1, 23, 59), False),
        (dt.date(2030, 3, 26), (2030, 4, 2, 0, 0), True),
    ],
)
def test_open_web_request_is_overdue_once_seven_full_local_days_have_passed(
    client, receptionist, practice_a, comm, received_day, now_wall, overdue
):
    # received at 00:30 local: the evening before in UTC, so the local day is what counts
    received = at_local(practice_a, received_day, 0, 30)
    period = {"date_from": "2030-03-01", "date_to": "2030-04-02"}
    with _at(practice_a, *now_wall):
        client.force_login(receptionist.user)
        request = comm(kind=Kind.WEB_REQUEST, status=Status.OPEN, started_at=received)
        done = comm(kind=Kind.WEB_REQUEST, status=Status.PROCESSED, started_at=received)
        response = client.get(PAGE, period)
    assert request.local_date == received_day
    assert (_row_class(response, request) == "row-overdue") is overdue
    assert _row_class(response, done) == ""


def test_overdue_limit_is_the_practices_setting(client, receptionist, practice_a, comm):
    ContactSettingsFactory(practice=practice_a, request_overdue_days=3)
    received = at_local(practice_a, dt.date(2030, 3, 2), 12)
    with _at(practice_a, 2030, 3, 5, 0, 0):
        client.force_login(receptionist.user)
        request = comm(kind=Kind.WEB_REQUEST, status=Status.OPEN, started_at=received)
        response = client.get(PAGE, {"date_from": "2030-03-01", "date_to": "2030-03-05"})
    assert _row_class(response, request) == "row-overdue"


def test_overdue_rule_edges_as_days():
    day = dt.date(2030, 3, 2)
    assert not history.request_is_overdue(day, day + dt.timedelta(days=6), 7)
    assert history.request_is_overdue(day, day + dt.timedelta(days=7), 7)


def test_table_refreshes_itself_by_polling_only_when_the_period_includes_today(
    rita_client, practice_a, comm
):
    comm()
    today = localtime.local_today(practice_a.tz)
    page = rita_client.get(PAGE).content.decode()
    assert 'hx-trigger="every 45s"' in page
    assert f'hx-get="{TABLE}?' in page
    past = rita_client.get(
        PAGE, {"date_from": "2020-01-01", "date_to": "2020-01-31"}
    ).content.decode()
    assert 'hx-trigger="every' not in past
    part = rita_client.get(TABLE, {"date_from": today.isoformat(), "date_to": today.isoformat()})
    text = part.content.decode()
    assert text.lstrip().startswith('<section id="history-table"')
    assert "<html" not in text


def test_summary_shows_todays_missed_calls_and_the_share_recovered_within_15_minutes(
    rita_client, practice_a, comm
):
    recovery = Communication.Recovery
    comm(status=Status.MISSED, recovery=recovery.CALLED_BACK, recovery_minutes=15)
    comm(status=Status.MISSED, recovery=recovery.CALLED_AGAIN, recovery_minutes=16)
    comm(status=Status.MISSED, recovery=recovery.NOT_RECOVERED)
    comm(status=Status.MISSED, recovery=recovery.BOOKED_ONLINE, recovery_minutes=3)
    comm(status=Status.MISSED, direction=Communication.Direction.OUTGOING)  # not incoming
    comm(kind=Kind.CHAT, status=Status.MISSED)  # not a call
    yesterday = localtime.local_today(practice_a.tz) - dt.timedelta(days=1)
    comm(status=Status.MISSED, started_at=at_local(practice_a, yesterday, 12))

    summary = history.missed_today(practice_a, localtime.local_today(practice_a.tz))
    assert (summary.missed, summary.recovered, summary.within_target) == (4, 3, 2)
    assert summary.within_target_pct == 50.0
    page = rita_client.get(PAGE).content.decode()
    section = page.split('class="card spaced-card missed-summary"')[1].split("</section>")[0]
    assert re.findall(r'figure-n">(\d+)<', section) == ["4", "3", "2"]
    assert "(50.0%)" in section


def test_list_page_queries_do_not_grow_with_rows(
    rita_client, comm, practice_a, patient_a, receptionist, django_assert_max_num_queries
):
    channel = ChannelFactory(practice=practice_a)
    for _ in range(3):
        comm(
            employee=receptionist,
            patient=patient_a,
            client=patient_a.client,
            channel=channel,
            contact=ContactFactory(practice=practice_a),
        )
    with django_assert_max_num_queries(14) as few:
        rita_client.get(PAGE)
    for _ in range(30):
        comm(
            employee=receptionist,
            patient=patient_a,
            client=patient_a.client,
            channel=channel,
            contact=ContactFactory(practice=practice_a),
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        rita_client.get(PAGE)
