"""Contact history 'By contacts': grouping levels, success, averages, expansion down to the
calls, revenue per channel, 'why this channel', the filters, the patient's history, CSV."""

import csv
import datetime as dt
import html
import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import translation

from appointments.models import Appointment, WaitlistEntry
from crm.models import ChannelRule, Communication, Contact
from practice import localtime
from practice.models import StaffProfile
from reports import contact_history as history

from .. import factories as f
from ..crm.history_factories import (
    ChannelFactory,
    ChannelGroupFactory,
    ChannelRuleFactory,
    CommunicationFactory,
    ContactFactory,
    ContactRecordFactory,
)

pytestmark = pytest.mark.django_db

PAGE = reverse("report-contacts")
GROUP = reverse("report-contacts-group")
CSV = reverse("report-contacts-csv")
Kind, Status, Result = Communication.Kind, Communication.Status, Contact.Result
GROUP_ROW = re.compile(
    r'<span class="group-label">([^<]*)</span><span class="num">(\d+)</span>'
    r'<span class="num">(\d+) · ([\d.]+)%</span><span class="num">(\d+)</span>'
    r'<span class="num">([^<]*)</span><span class="num">([^<]*)</span>'
)


def _groups(response) -> dict[str, tuple]:
    """label: (contacts, success, success %, communications, avg wait, avg duration)."""
    return {
        label: (int(n), int(ok), float(pct), int(comms), wait, duration)
        for label, n, ok, pct, comms, wait, duration in GROUP_ROW.findall(
            html.unescape(response.content.decode())
        )
    }


def _total(response) -> tuple[int, int, int]:
    found = re.search(
        r'group-total group-grid"><span>[^<]*</span><span class="num">(\d+)</span>'
        r'<span class="num">(\d+) · [\d.]+%</span><span class="num">(\d+)</span>',
        response.content.decode(),
    )
    assert found
    return int(found[1]), int(found[2]), int(found[3])


@pytest.fixture
def scene(practice_a, receptionist, director):
    """Today in practice A: five contacts with every result but 'requests'; Rita and Dora
    both took a call of the booked one."""
    contacts = {
        result: ContactFactory(practice=practice_a, result=result)
        for result in (
            Result.BOOKED,
            Result.DIDNT_BOOK,
            Result.CANCELLED,
            Result.ATTENDED,
            Result.WAITLIST,
        )
    }

    def make(contact, employee, **fields):
        return CommunicationFactory(
            practice=practice_a, contact=contacts[contact], employee=employee, **fields
        )

    comms = {
        "booked_rita": make(Result.BOOKED, receptionist, wait_seconds=10, duration_seconds=100),
        "booked_dora": make(Result.BOOKED, director, wait_seconds=30, duration_seconds=200),
        "didnt_rita": make(Result.DIDNT_BOOK, receptionist, wait_seconds=20, duration_seconds=50),
        "cancel_rita": make(Result.CANCELLED, receptionist, wait_seconds=30, duration_seconds=30),
        "attended_dora": make(
            Result.ATTENDED,
            director,
            kind=Kind.CHAT,
            status=Status.CLOSED,
            wait_seconds=None,
            duration_seconds=None,
            topic="Implants",
        ),
        "waitlist_dora": make(
            Result.WAITLIST,
            director,
            kind=Kind.WEB_REQUEST,
            status=Status.PROCESSED,
            wait_seconds=None,
            duration_seconds=None,
            purpose=Communication.Purpose.WAITLIST,
        ),
    }
    return contacts, comms


def test_grouped_by_employee_counts_contacts_success_and_averages(rita_client, scene):
    response = rita_client.get(PAGE, {"view": "grouped", "level1": "employee"})
    groups = _groups(response)
    # Rita: booked, didn't book, cancelled — success is the booked one only
    assert groups["Rita Reception"] == (3, 1, 33.3, 3, "0:20", "1:00")
    # Dora: booked, attended, waitlist — all three succeeded
    assert groups["Dora Director"] == (3, 3, 100.0, 3, "0:30", "3:20")
    # the total counts the contact both took once
    assert _total(response) == (5, 3, 6)


def test_success_is_booked_waitlist_or_attended_not_cancelled(rita_client, scene):
    response = rita_client.get(PAGE, {"view": "grouped", "level1": "result"})
    groups = _groups(response)
    assert {label: g[1] for label, g in groups.items()} == {
        "Booked": 1,
        "Booked to waitlist": 1,
        "Booked and attended": 1,
        "Cancelled": 0,
        "Didn't book": 0,
    }


def test_grouping_levels_are_chosen_in_order_and_expand_down_to_the_calls(
    rita_client, scene, receptionist
):
    contacts, comms = scene
    query = {"view": "grouped", "level1": "employee", "level2": "result"}
    page = rita_client.get(PAGE, query).content.decode()
    rita_url = re.search(rf'hx-get="([^"]*key1={receptionist.pk}[^"]*)"', page)
    assert rita_url, "Rita's row opens by htmx"

    # open Rita: her contacts by result
    by_result = rita_client.get(GROUP, {**query, "key1": receptionist.pk})
    assert _groups(by_result).keys() == {"Booked", "Didn't book", "Cancelled"}

    # open Rita › Didn't book: the contacts
    didnt = rita_client.get(GROUP, {**query, "key1": receptionist.pk, "key2": "didnt_book"})
    opened = re.findall(r"/reports/contacts/contact/(\d+)/", didnt.content.decode())
    assert {int(pk) for pk in opened} == {contacts[Result.DIDNT_BOOK].pk}

    # open the contact: its calls
    detail = rita_client.get(reverse("report-contacts-contact", args=[opened[0]]))
    listed = re.findall(r'data-communication="(\d+)"', detail.content.decode())
    assert [int(pk) for pk in listed] == [comms["didnt_rita"].pk]


def test_three_levels_nest_and_a_repeated_level_is_refused(rita_client, scene, receptionist):
    query = {"view": "grouped", "level1": "employee", "level2": "result", "level3": "purpose"}
    third = rita_client.get(GROUP, {**query, "key1": receptionist.pk, "key2": "booked"})
    assert _groups(third) == {"Conversation with patient": (1, 1, 100.0, 1, "0:10", "1:40")}
    twice = rita_client.get(PAGE, {"view": "grouped", "level1": "result", "level2": "result"})
    assert twice.status_code == 400
    assert "Choose each grouping level once." in twice.content.decode()


def test_the_topic_filter_offers_the_practices_topics_and_refuses_others(
    rita_client, scene, practice_a, practice_b
):
    CommunicationFactory(practice=practice_a, topic="implants")  # the same topic, other case
    CommunicationFactory(practice=practice_b, topic="Hoitoaika")  # another practice's
    page = rita_client.get(PAGE).content.decode()
    select = page[page.index('name="topic"') : page.index("</select>", page.index('name="topic"'))]
    assert re.findall(r'<option value="([^"]*)"', select) == ["", "Implants"]
    # a topic the practice does not have: the form says so, nothing breaks
    response = rita_client.get(PAGE, {"topic": "Hoitoaika"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert rita_client.get(CSV, {"topic": "Hoitoaika"}).status_code == 400


def test_grouping_by_topic_channel_and_type(rita_client, scene, practice_a):
    _contacts, comms = scene
    channel = ChannelFactory(practice=practice_a, name="Search ads", group__name="Context ads")
    Communication.objects.unscoped().filter(pk=comms["waitlist_dora"].pk).update(channel=channel)
    by_topic = _groups(rita_client.get(PAGE, {"view": "grouped", "level1": "topic"}))
    assert by_topic["Implants"][0] == 1
    assert by_topic["No topic"][0] == 4
    by_channel = _groups(rita_client.get(PAGE, {"view": "grouped", "level1": "channel"}))
    assert by_channel["Context ads › Search ads"][:2] == (1, 1)
    by_type = _groups(rita_client.get(PAGE, {"view": "grouped", "level1": "purpose"}))
    assert by_type["Patient. Waitlist"][0] == 1


def test_bad_group_keys_answer_400_not_500(rita_client, scene):
    query = {"view": "grouped", "level1": "employee", "level2": "result"}
    for keys in ({"key1": "abc"}, {"key1": "1", "key2": "nonsense"}, {"key1": "9" * 30}):
        assert rita_client.get(GROUP, {**query, **keys}).status_code == 400


def test_grouped_page_queries_stay_few(rita_client, scene, django_assert_max_num_queries):
    with django_assert_max_num_queries(14):
        response = rita_client.get(PAGE, {"view": "grouped", "level1": "employee"})
    assert response.status_code == 200


def test_grouped_report_equals_a_hand_written_sql(practice_a, scene, receptionist, director):
    filters = history.HistoryFilters(
        localtime.local_today(practice_a.tz), localtime.local_today(practice_a.tz)
    )
    report = history.grouped_report(practice_a, filters, ["employee"])
    ours = {r.key: (r.contacts, r.success, r.communications) for r in report.rows}
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT m.employee_id, count(DISTINCT m.contact_id),
                   count(DISTINCT m.contact_id) FILTER (
                       WHERE c.result IN ('booked', 'waitlist', 'attended')),
                   count(*)
              FROM crm_communication m LEFT JOIN crm_contact c ON c.id = m.contact_id
             WHERE m.practice_id = %s GROUP BY m.employee_id
            """,
            [practice_a.pk],
        )
        sql = {row[0]: tuple(row[1:]) for row in cursor.fetchall()}
    assert ours == sql == {receptionist.pk: (3, 1, 3), director.pk: (3, 3, 3)}


# ---- revenue per channel ------------------------------------------------------------------


def test_revenue_per_channel_is_payments_of_completed_appointments_contacts_led_to(
    rita_client, practice_a, patient_a, dentist, location_a, ctype_a
):
    ads = ChannelGroupFactory(practice=practice_a, name="Context ads")
    search = ChannelFactory(practice=practice_a, group=ads, name="Search ads")
    maps = ChannelFactory(practice=practice_a, group=ads, name="Maps")
    past = localtime.local_today(practice_a.tz) - dt.timedelta(days=1)

    def visit(status, *amounts, hour):
        start = dt.datetime.combine(past, dt.time(hour), tzinfo=practice_a.tz)
        appointment = f.AppointmentFactory(
            practice=practice_a,
            patient=patient_a,
            practitioner=dentist,
            location=location_a,
            consultation_type=ctype_a,
            starts_at=start,
            ends_at=start + dt.timedelta(minutes=30),
            status=status,
        )
        for amount in amounts:
            f.PaymentFactory(
                practice=practice_a,
                client=patient_a.client,
                appointment=appointment,
                amount=Decimal(amount),
            )
        return appointment

    def contact_from(channel, appointment):
        contact = ContactFactory(practice=practice_a, channel=channel, result=Result.ATTENDED)
        CommunicationFactory(practice=practice_a, contact=contact, channel=channel)
        ContactRecordFactory(practice=practice_a, contact=contact, appointment=appointment)

    contact_from(search, visit(Appointment.Status.COMPLETED, "100.00", "50.00", hour=9))
    contact_from(maps, visit(Appointment.Status.COMPLETED, "80.00", hour=10))
    contact_from(maps, visit(Appointment.Status.BOOKED, "20.00", hour=11))  # not yet a visit

    page = rita_client.get(PAGE, {"view": "grouped"}).content.decode()
    table = page.split('class="table revenue-table')[1].split("</table>")[0]
    # (cells carry their column's name for the phone layout: any attributes)
    rows = re.findall(
        r"<td[^>]*>([^<]*)</td><td[^>]*>([^<]*)</td><td class=\"num\"[^>]*>(\d+)</td>"
        r"<td class=\"num\"[^>]*>([\d.]+)</td>",
        table,
    )
    assert rows == [
        ("Context ads", "", "2", "230.00"),
        ("", "Search ads", "1", "150.00"),
        ("", "Maps", "1", "80.00"),
    ]


# ---- why this channel --------------------------------------------------------------------


def test_why_this_channel_lists_the_rules_in_order_and_marks_the_one_that_fired(
    rita_client, practice_a
):
    search = ChannelFactory(practice=practice_a, name="Search ads", group__name="Context ads")
    signs = ChannelFactory(practice=practice_a, name="Street signs", group__name="Offline")
    # a number rule with a better priority is still tried after the UTM rules for calls
    by_number = ChannelRuleFactory(
        practice=practice_a,
        channel=signs,
        kind=ChannelRule.Kind.CALLED_NUMBER,
        value="+31201234567",
        priority=1,
    )
    utm_late = ChannelRuleFactory(
        practice=practice_a, channel=search, utm_source="google", utm_medium="cpc", priority=50
    )
    utm_early = ChannelRuleFactory(
        practice=practice_a, channel=search, utm_source="bing", priority=10
    )
    chat_rule = ChannelRuleFactory(
        practice=practice_a, channel=signs, kind=ChannelRule.Kind.CHAT_CHANNEL, value="whatsapp"
    )
    call = CommunicationFactory(
        practice=practice_a,
        channel=search,
        channel_rule=utm_late,
        channel_evidence="utm_source=google, utm_medium=cpc",
        utm_source="google",
        utm_medium="cpc",
    )

    response = rita_client.get(
        reverse("report-contacts-channel", args=[call.pk]), headers={"HX-Request": "true"}
    )

    text = response.content.decode()
    items = re.findall(r'<li class="(rule-fired)?">\s*<strong>([^<]*)</strong>', text)
    assert [kind for _f, kind in items] == ["UTM tags", "UTM tags", "Practice number called"]
    assert [bool(fired) for fired, _k in items] == [False, True, False]
    assert "utm_source=google, utm_medium=cpc" in text
    assert "Context ads › Search ads" in text
    assert "whatsapp" not in text  # a chat rule is not tried for a call
    tried = [r.pk for r in history.rules_in_order(practice_a, Kind.CALL)]
    assert tried == [utm_early.pk, utm_late.pk, by_number.pk]
    assert chat_rule.pk not in tried


def test_why_this_channel_says_when_no_rule_matched(rita_client, practice_a):
    request = CommunicationFactory(practice=practice_a, kind=Kind.WEB_REQUEST, status=Status.OPEN)
    page = rita_client.get(reverse("report-contacts-channel", args=[request.pk]))
    assert page.status_code == 200
    assert "No channel: no rule matched." in page.content.decode()


# ---- filters -----------------------------------------------------------------------------


def _listed(client, **query) -> set[int]:
    response = client.get(PAGE, query)
    assert response.status_code == 200, response.content.decode()[:500]
    return {int(pk) for pk in re.findall(r'data-communication="(\d+)"', response.content.decode())}


def test_each_filter_narrows_the_list(rita_client, scene, practice_a, receptionist):
    _contacts, comms = scene
    channel = ChannelFactory(practice=practice_a, name="Maps", group__name="Local")
    Communication.objects.unscoped().filter(pk=comms["booked_rita"].pk).update(channel=channel)
    ids = {name: c.pk for name, c in comms.items()}

    assert _listed(rita_client, employee=receptionist.pk) == {
        ids["booked_rita"],
        ids["didnt_rita"],
        ids["cancel_rita"],
    }
    assert _listed(rita_client, kind="chat") == {ids["attended_dora"]}
    assert _listed(rita_client, kind=["chat", "web_request"]) == {
        ids["attended_dora"],
        ids["waitlist_dora"],
    }
    assert _listed(rita_client, result="cancelled") == {ids["cancel_rita"]}
    assert _listed(rita_client, purpose="waitlist") == {ids["waitlist_dora"]}
    assert _listed(rita_client, topic="implants") == {ids["attended_dora"]}
    assert _listed(rita_client, channel=channel.pk) == {ids["booked_rita"]}
    assert _listed(rita_client, channel_group=channel.group_id) == {ids["booked_rita"]}


def test_period_is_the_practices_local_days(rita_client, practice_a):
    # 23:30 on 1 March in Amsterdam (22:30 UTC, already 2 March in the suite's zone)
    late = CommunicationFactory(
        practice=practice_a, started_at=dt.datetime(2030, 3, 1, 22, 30, tzinfo=dt.UTC)
    )
    assert late.local_date == dt.date(2030, 3, 1)
    assert _listed(rita_client, date_from="2030-03-01", date_to="2030-03-01") == {late.pk}
    assert _listed(rita_client, date_from="2030-03-02", date_to="2030-03-02") == set()


@pytest.mark.parametrize(
    "query",
    [
        {"date_from": "yesterday"},
        {"date_from": "2030-03-05", "date_to": "2030-03-01"},
        {"date_from": "9999-12-31", "date_to": "9999-12-31"},
        {"date_from": "2020-01-01", "date_to": "2030-01-01"},
        {"employee": "abc"},
        {"employee": "987654"},
        {"kind": "fax"},
        {"level1": "mood", "view": "grouped"},
        {"topic": "x" * 500},
        {"topic": "Root canal"},
        {"page": "-1"},
    ],
)
def test_bad_filter_input_shows_the_page_with_a_message_never_500(rita_client, query):
    response = rita_client.get(PAGE, query)
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert 'class="error"' in response.content.decode() or "form-errors" in (
            response.content.decode()
        )
    assert rita_client.get(CSV, query).status_code in (200, 400)
    assert rita_client.get(reverse("report-contacts-table"), query).status_code in (200, 400)


# ---- one patient's history --------------------------------------------------------------


@pytest.fixture
def other_patient_a(practice_a):
    client = f.ClientFactory(practice=practice_a, first_name="Bram", last_name="Bakker")
    return f.PatientFactory(practice=practice_a, client=client, name="Bram Bakker")


def test_patient_card_opens_the_patients_contact_history(
    rita_client, practice_a, patient_a, other_patient_a
):
    theirs = CommunicationFactory(practice=practice_a, patient=patient_a, client=patient_a.client)
    about_client = CommunicationFactory(practice=practice_a, client=patient_a.client)
    other = CommunicationFactory(
        practice=practice_a, patient=other_patient_a, client=other_patient_a.client
    )
    url = reverse("patient-contacts", args=[patient_a.pk])

    card = rita_client.get(reverse("patient-card", args=[patient_a.pk])).content.decode()
    assert f'hx-get="{url}"' in card

    panel = rita_client.get(url, headers={"HX-Request": "true"})
    listed = {int(pk) for pk in re.findall(r'data-communication="(\d+)"', panel.content.decode())}
    assert listed == {theirs.pk, about_client.pk}
    assert other.pk not in listed
    assert "<html" not in panel.content.decode()
    assert "<html" in rita_client.get(url).content.decode()  # a page without JavaScript


def test_patient_card_has_no_contact_history_panel_for_a_dentist(client, dentist, patient_a):
    client.force_login(dentist.user)
    card = client.get(reverse("patient-card", args=[patient_a.pk])).content.decode()
    assert reverse("patient-contacts", args=[patient_a.pk]) not in card
    assert client.get(reverse("patient-contacts", args=[patient_a.pk])).status_code == 403


def test_patient_history_of_another_practice_answers_404(rita_client, patient_b):
    assert rita_client.get(reverse("patient-contacts", args=[patient_b.pk])).status_code == 404


# ---- CSV ---------------------------------------------------------------------------------


def _csv(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    assert response.streaming
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_csv_of_the_list_has_the_filtered_communications(rita_client, scene, receptionist):
    _contacts, comms = scene
    rows = _csv(rita_client.get(CSV, {"employee": receptionist.pk}))
    assert rows[0][:3] == ["Date", "Time", "Kind"]
    assert len(rows) == 1 + 3
    assert {r[10] for r in rows[1:]} == {"Rita Reception"}
    assert {r[15] for r in rows[1:]} == {"Booked", "Didn't book", "Cancelled"}


def test_csv_of_the_grouped_view_has_each_level_and_the_total(rita_client, scene):
    rows = _csv(rita_client.get(CSV, {"view": "grouped", "level1": "employee", "level2": "result"}))
    assert rows[0][:3] == ["Employee", "Result", "Contacts"]
    assert ["Rita Reception", "", "3", "1", "33.3", "3", "20", "60"] in rows
    assert ["Rita Reception", "Didn't book", "1", "0", "0.0", "1", "20", "50"] in rows
    assert rows[-1][:5] == ["Total", "", "5", "3", "60.0"]
    assert rows.index(["Rita Reception", "", "3", "1", "33.3", "3", "20", "60"]) < rows.index(
        ["Rita Reception", "Didn't book", "1", "0", "0.0", "1", "20", "50"]
    )


def test_csv_in_italian_splits_at_semicolons_with_decimal_commas(rita_client, scene, receptionist):
    """Excel in Italian (and nl, ru, fi) reads ';' as the list separator and '33,3' as a
    number; the same file with commas would open as one column."""
    StaffProfile.objects.update_or_create(user=receptionist.user, defaults={"language": "it"})
    response = rita_client.get(CSV, {"view": "grouped", "level1": "employee"})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    translation.deactivate()
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    assert all(len(row) == len(rows[0]) == 7 for row in rows)
    assert ["Rita Reception", "3", "1", "33,3", "3", "20", "60"] in rows


def test_csv_refuses_bad_input_with_400(rita_client):
    assert rita_client.get(CSV, {"date_from": "nope"}).status_code == 400


def test_waitlist_records_show_their_current_status(
    rita_client, practice_a, patient_a, location_a, ctype_a
):
    entry = WaitlistEntry.objects.unscoped().create(
        practice=practice_a,
        client=patient_a.client,
        patient=patient_a,
        consultation_type=ctype_a,
        location=location_a,
        status=WaitlistEntry.Status.OPEN,
    )
    contact = ContactFactory(practice=practice_a, result=Result.WAITLIST)
    CommunicationFactory(practice=practice_a, contact=contact)
    ContactRecordFactory(
        practice=practice_a, contact=contact, waitlist_entry=entry, created_status="open"
    )
    detail = rita_client.get(reverse("report-contacts-contact", args=[contact.pk]))
    text = detail.content.decode()
    assert "Waitlist entry" in text
    assert "Open" in text


def test_opening_a_group_and_a_contact_take_few_queries_whatever_their_size(
    rita_client, practice_a, patient_a, receptionist, django_assert_max_num_queries
):
    channel = ChannelFactory(practice=practice_a)
    for i in range(25):
        contact = ContactFactory(
            practice=practice_a,
            patient=patient_a,
            client=patient_a.client,
            employee=receptionist,
            channel=channel,
            person_key=f"other:{i}",
        )
        for _ in range(3):
            CommunicationFactory(
                practice=practice_a,
                contact=contact,
                employee=receptionist,
                channel=channel,
                patient=patient_a,
                client=patient_a.client,
            )
    query = {"view": "grouped", "level1": "employee", "key1": receptionist.pk}
    with django_assert_max_num_queries(10):
        opened = rita_client.get(GROUP, query)
    assert len(re.findall(r"/reports/contacts/contact/\d+/", opened.content.decode())) == 25 * 2
    with django_assert_max_num_queries(10):
        detail = rita_client.get(reverse("report-contacts-contact", args=[contact.pk]))
    assert len(re.findall(r"data-communication=", detail.content.decode())) == 3


@pytest.fixture
def speed_scene(practice_a, receptionist, director):
    """Yesterday 10:00: a missed Google call Rita called back after 9 minutes, a missed
    Facebook call Dora called back after 5, and a Google request Rita processed."""
    ads = ChannelGroupFactory(practice=practice_a, name="Context ads")
    social = ChannelGroupFactory(practice=practice_a, name="Social")
    google = ChannelFactory(practice=practice_a, group=ads, name="Google Ads")
    facebook = ChannelFactory(practice=practice_a, group=social, name="Facebook")
    day = localtime.local_today(practice_a.tz) - dt.timedelta(days=1)
    at = localtime.wall_to_utc(day, dt.time(10), practice_a.tz)
    for who, channel, minutes in ((receptionist, google, 9), (director, facebook, 5)):
        back = CommunicationFactory(
            practice=practice_a, direction="out", employee=who,
            started_at=at + dt.timedelta(minutes=minutes),
        )  # fmt: skip
        CommunicationFactory(
            practice=practice_a, status=Status.MISSED, started_at=at, channel=channel,
            recovery="called_back", recovery_minutes=minutes, recovered_by=back,
        )  # fmt: skip
    CommunicationFactory(
        practice=practice_a, kind=Kind.WEB_REQUEST, status=Status.PROCESSED, channel=google,
        phone_e164="", started_at=at, processed_at=at + dt.timedelta(minutes=30),
        processed_by=receptionist,
    )  # fmt: skip
    return {"day": day, "google": google, "facebook": facebook, "social": social}


def _speed_rows(rita_client, **query) -> dict[tuple[str, str], list[str]]:
    query = {"view": "grouped", "level1": "employee", **query}
    page = html.unescape(rita_client.get(PAGE, query).content.decode())
    speed = page[page.index('id="speed"') :]
    return {
        (who, channel): re.findall(r'<td class="num[^"]*"[^>]*>([^<]*)</td>', cells)
        for who, channel, cells in re.findall(
            r"<tr><td[^>]*>([^<]*)</td><td[^>]*>([^<]*)</td>(.*?)</tr>", speed
        )
    }


def test_speed_to_answer_follows_the_employee_and_channel_filters(
    rita_client, speed_scene, receptionist, director
):
    day = speed_scene["day"]
    period = {"date_from": day, "date_to": day}
    rita, dora = receptionist.name, director.name
    google, facebook = "Context ads › Google Ads", "Social › Facebook"
    assert set(_speed_rows(rita_client, **period)) == {(rita, google), (dora, facebook)}
    # one employee
    assert _speed_rows(rita_client, employee=director.pk, **period) == {
        (dora, facebook): ["1", "1 · 100.0%", "0", "—", "—"]
    }
    assert _speed_rows(rita_client, employee=receptionist.pk, **period) == {
        (rita, google): ["1", "1 · 100.0%", "1", "1", "30:00"]
    }
    # one channel, one channel group
    assert set(_speed_rows(rita_client, channel=speed_scene["google"].pk, **period)) == {
        (rita, google)
    }
    assert set(_speed_rows(rita_client, channel_group=speed_scene["social"].pk, **period)) == {
        (dora, facebook)
    }
    # an employee and a channel that never met: nothing
    none = _speed_rows(
        rita_client, employee=director.pk, channel=speed_scene["google"].pk, **period
    )
    assert none == {}


def test_speed_to_answer_shows_quick_recoveries_and_the_first_answer_of_web_requests(
    rita_client, practice_a, receptionist, django_assert_max_num_queries
):
    # given: yesterday, two missed calls (one Rita called back after 9 minutes, one never)
    # and a Google web request she processed 30 minutes after it came in
    ads = ChannelGroupFactory(practice=practice_a, name="Context ads")
    google = ChannelFactory(practice=practice_a, group=ads, name="Google Ads")
    day = localtime.local_today(practice_a.tz) - dt.timedelta(days=1)
    at = localtime.wall_to_utc(day, dt.time(10), practice_a.tz)
    back = CommunicationFactory(
        practice=practice_a,
        direction="out",
        employee=receptionist,
        started_at=at + dt.timedelta(minutes=9),
    )
    for recovered in (True, False):
        CommunicationFactory(
            practice=practice_a, status=Status.MISSED, started_at=at, channel=google,
            recovery="called_back" if recovered else "not_recovered",
            recovery_minutes=9 if recovered else None, recovered_by=back if recovered else None,
        )  # fmt: skip
    CommunicationFactory(
        practice=practice_a, kind=Kind.WEB_REQUEST, status=Status.PROCESSED, channel=google,
        phone_e164="", started_at=at, processed_at=at + dt.timedelta(minutes=30),
        processed_by=receptionist,
    )  # fmt: skip
    query = {"view": "grouped", "level1": "employee", "date_from": day, "date_to": day}
    with django_assert_max_num_queries(16):
        page = html.unescape(rita_client.get(PAGE, query).content.decode())
    speed = page[page.index('id="speed"') :]
    rows = {
        who: re.findall(r'<td class="num[^"]*"[^>]*>([^<]*)</td>', cells)
        for who, cells in re.findall(
            r"<tr><td[^>]*>([^<]*)</td><td[^>]*>Context ads › Google Ads</td>(.*?)</tr>", speed
        )
    }
    # the call back counts for Rita; the call nobody recovered belongs to no one
    assert rows == {
        receptionist.name: ["1", "1 · 100.0%", "1", "1", "30:00"],
        "No employee": ["1", "0 · 0.0%", "0", "—", "—"],
    }
