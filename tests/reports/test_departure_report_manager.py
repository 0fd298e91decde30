"""The departure report as a manager uses it: the column picker, dates typed and shown in
the user's language, the two CSV files and 'Open' into the calendar."""

import csv
import datetime as dt
import io
import re

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import formats, translation

from departure_workflow.models import Outcome
from practice.models import StaffProfile
from reports.departure import DEFAULT_COLUMNS

from .. import factories as f
from .test_departure_report import DAY, _action, _appointment, _workflow

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _language_reset():
    """A request in another language leaves it active in this thread; later tests on the
    same worker expect English."""
    yield
    translation.deactivate()


# What a user of each language sees in the From field for DAY, and may type back.
SHOWN = {
    "en": "10/03/2026",
    "nl": "10-03-2026",
    "it": "10/03/2026",
    "ru": "10.03.2026",
    "fi": "10.03.2026",
}


def _speak(client, language: str) -> None:
    """The logged-in staff member chose this language (their choice wins over a cookie)."""
    user_id = client.session["_auth_user_id"]
    StaffProfile.objects.update_or_create(user_id=user_id, defaults={"language": language})


@pytest.fixture
def failed(practice_a, dentist, location_a, receptionist):
    wf = _workflow(practice_a, _appointment(practice_a, dentist, location_a), by=receptionist.user)
    _action(wf, "payment", Outcome.FAILED, failure_note="Terminal down")
    _action(wf, "mobile", Outcome.SUCCESS)
    return wf


def _ticked(body: str) -> list[str]:
    return re.findall(r'<input type="checkbox" name="columns" value="(\w+)"[^>]*checked', body)


def _field_value(body: str, name: str) -> str:
    return re.search(rf'<input type="text" name="{name}" value="([^"]*)"', body).group(1)


def test_column_picker_shows_the_columns_on_screen_ticked(client, director, failed):
    client.force_login(director.user)
    response = client.get(reverse("report-departure") + f"?date_from={DAY}&date_to={DAY}")
    assert response.context["columns"] == list(DEFAULT_COLUMNS)
    assert _ticked(response.content.decode()) == list(DEFAULT_COLUMNS)


def test_ticking_a_column_adds_it_and_unticking_removes_only_that_one(client, director, failed):
    client.force_login(director.user)
    base = reverse("report-departure") + f"?date_from={DAY}&date_to={DAY}"
    # What the browser sends after one more tick: the ticked ones plus the new one.
    ticked = [*DEFAULT_COLUMNS, "location"]
    response = client.get(base + "".join(f"&columns={c}" for c in ticked))
    assert set(response.context["columns"]) == set(ticked)
    assert set(_ticked(response.content.decode())) == set(ticked)
    left = [c for c in ticked if c != "patient"]
    response = client.get(base + "".join(f"&columns={c}" for c in left))
    assert set(response.context["columns"]) == set(left)
    assert "patient" not in _ticked(response.content.decode())


@pytest.mark.parametrize("language", sorted(SHOWN))
def test_report_dates_show_and_round_trip_in_the_users_language(
    client, director, failed, practice_a, language
):
    client.force_login(director.user)
    _speak(client, language)
    with time_machine.travel(dt.datetime(2026, 3, 10, 12, tzinfo=practice_a.tz), tick=False):
        body = client.get(reverse("report-departure")).content.decode()
        shown = _field_value(body, "date_to")
        assert shown == SHOWN[language]
        # The user sends back what they see (or types it so).
        response = client.get(reverse("report-departure"), {"date_from": shown, "date_to": shown})
    assert response.status_code == 200
    assert response.context["filters"].date_from == DAY
    assert _field_value(response.content.decode(), "date_from") == SHOWN[language]
    assert response.context["page"].paginator.count == 1


def test_english_reads_day_month_year(client, director, failed):
    client.force_login(director.user)
    _speak(client, "en")
    response = client.get(reverse("report-departure"), {"date_from": "1/3/2026", "date_to": DAY})
    assert response.context["filters"].date_from == dt.date(2026, 3, 1)
    body = response.content.decode()
    assert "10/03/2026" in body  # the failed row's date, day first
    assert 'placeholder="dd/mm/yyyy"' in body


def test_a_date_the_language_cannot_read_is_a_field_error(client, director):
    client.force_login(director.user)
    _speak(client, "en")
    response = client.get(
        reverse("report-departure"), {"date_from": "03/31/2026", "date_to": "31/03/2026"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["date_from"]


def test_contact_history_of_a_patient_shows_and_takes_the_users_date_format(
    client, director, patient_a
):
    client.force_login(director.user)
    _speak(client, "ru")
    url = reverse("patient-contacts", args=[patient_a.pk])
    response = client.get(url, {"date_from": "01.03.2026", "date_to": "10.03.2026"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'value="01.03.2026"' in body
    assert 'value="10.03.2026"' in body


def test_calendar_day_field_shows_and_takes_the_users_date_format(client, director, location_a):
    client.force_login(director.user)
    _speak(client, "it")
    response = client.get(reverse("calendar"), {"location": location_a.pk, "date": "10/03/2026"})
    assert response.status_code == 200
    assert response.context["day"] == DAY
    assert 'value="10/03/2026"' in response.content.decode()
    # Links still carry ISO days.
    response = client.get(reverse("calendar"), {"location": location_a.pk, "date": "2026-03-10"})
    assert response.context["day"] == DAY


def test_every_date_field_of_every_form_types_the_users_format():
    """No date input left to the browser's locale (type=date shows 11/30/2026 in an English
    Chromium and an empty field for a localised value)."""
    import importlib

    from django import forms

    from practice.form_fields import LocaleDateInput

    root = settings.BASE_DIR
    apps = {p.parent.name for p in root.glob("*/apps.py")}
    for app in apps:
        for path in (root / app).glob("*forms.py"):
            importlib.import_module(f"{app}.{path.stem}")

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    checked = 0
    for form in {*subclasses(forms.Form), *subclasses(forms.ModelForm)}:
        if form.__module__.split(".")[0] not in {"appointments", "patients", "crm", "reports"}:
            continue
        for name, field in form.base_fields.items():
            if isinstance(field, forms.DateField) and not isinstance(field, forms.DateTimeField):
                assert isinstance(field.widget, LocaleDateInput), f"{form.__name__}.{name}"
                checked += 1
    assert checked >= 8
    templates = settings.BASE_DIR / "templates"
    for path in templates.rglob("*.html"):
        assert 'type="date"' not in path.read_text(), path


def test_summary_and_failed_workflows_are_two_csv_files_a_spreadsheet_opens(
    client, director, failed
):
    client.force_login(director.user)
    query = {"date_from": DAY, "date_to": DAY, "columns": ["date", "patient", "payment"]}
    summary = client.get(reverse("report-departure-summary-csv"), query)
    failed_csv = client.get(reverse("report-departure-failed-csv"), query)
    assert "summary" in summary["Content-Disposition"]
    assert "failed" in failed_csv["Content-Disposition"]
    for response in (summary, failed_csv):
        raw = b"".join(response.streaming_content)
        assert raw.startswith("\ufeff".encode())
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
        # One table per file: every row as wide as its header, no blank separator rows.
        assert all(len(row) == len(rows[0]) for row in rows)
        if response is summary:
            assert rows[0][:2] == ["Action", "Total"]
            assert {row[0] for row in rows[1:]} == {"Take Payment", "Collect Mobile"}
        else:
            assert rows == [
                ["Date", "Patient", "Take Payment"],
                ["10/03/2026", failed.patient.name, "✗ Terminal down"],
            ]


def test_failed_csv_streams_in_the_same_queries_for_many_rows(
    client, director, failed, practice_a, dentist, location_a, django_assert_max_num_queries
):
    client.force_login(director.user)
    query = {
        "date_from": DAY,
        "date_to": DAY,
        "columns": [
            "date",
            "time",
            "patient",
            "client",
            "practitioner",
            "location",
            "receptionist",
            "failed",
            "payment",
        ],
    }
    with django_assert_max_num_queries(12) as one:
        rows_one = b"".join(
            client.get(reverse("report-departure-failed-csv"), query).streaming_content
        )
    for _ in range(15):
        other = f.MembershipFactory(practice=practice_a, role="dentist")
        wf = _workflow(practice_a, _appointment(practice_a, other, location_a), practitioner=other)
        _action(wf, "payment", Outcome.FAILED)
        _action(wf, "email", Outcome.FAILED)
    with django_assert_max_num_queries(len(one)):
        rows_many = b"".join(
            client.get(reverse("report-departure-failed-csv"), query).streaming_content
        )
    assert rows_many.count(b"\n") == rows_one.count(b"\n") + 15


def test_open_shows_the_appointment_in_the_calendar_with_its_panel(client, director, failed):
    client.force_login(director.user)
    body = client.get(reverse("report-departure"), {"date_from": DAY, "date_to": DAY})
    link = re.search(r'<a href="([^"]*open=\d+[^"]*)">Open</a>', body.content.decode()).group(1)
    link = link.replace("&amp;", "&")
    assert f"open={failed.appointment_id}" in link
    assert "date=2026-03-10" in link
    calendar = client.get(link)
    assert calendar.status_code == 200
    panel = reverse("appointment-detail", args=[failed.appointment_id])
    assert f'hx-get="{panel}" hx-target="#panel" hx-trigger="load"' in calendar.content.decode()
    assert client.get(panel).status_code == 200


def test_open_with_another_practices_appointment_answers_404(
    client, director, location_a, appointment_b
):
    client.force_login(director.user)
    response = client.get(reverse("calendar"), {"open": appointment_b.pk})
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("language", "separator", "share"), [("en", ",", "100.0"), ("nl", ";", "100,0")]
)
def test_csv_files_use_the_list_separator_and_decimal_comma_of_the_users_language(
    client, director, failed, language, separator, share
):
    """Excel in nl, it, ru and fi splits a CSV at ';' and reads '100,0' as a number."""
    client.force_login(director.user)
    _speak(client, language)
    query = {"date_from": DAY, "date_to": DAY, "columns": ["date", "patient", "payment"]}
    summary = client.get(reverse("report-departure-summary-csv"), query)
    raw = b"".join(summary.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(raw), delimiter=separator))
    assert all(len(row) == 10 for row in rows)
    failed_share = rows[0].index(rows[0][5])  # "Failed %" in the file's language
    payment = next(row for row in rows[1:] if row[1] == "1" and row[4] == "1")
    assert payment[failed_share] == share
    failed_csv = client.get(reverse("report-departure-failed-csv"), query)
    raw = b"".join(failed_csv.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(raw), delimiter=separator))
    with translation.override(language):
        shown = formats.date_format(DAY, "SHORT_DATE_FORMAT")
    assert rows[1] == [shown, failed.patient.name, "✗ Terminal down"]


def test_failed_csv_says_which_of_the_two_times_on_the_night_clocks_go_back(
    client, director, practice_a, dentist, location_a, receptionist
):
    """01:30 UTC on 25 Oct 2026 is 02:30 winter time in Amsterdam, after 02:30 summer time."""
    location_a.time_zone = "Europe/Amsterdam"
    location_a.save()
    start = dt.datetime(2026, 10, 25, 1, 30, tzinfo=dt.UTC)
    appointment = f.AppointmentFactory(
        practice=practice_a,
        practitioner=dentist,
        location=location_a,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=30),
    )
    day = dt.date(2026, 10, 25)
    wf = _workflow(practice_a, appointment, day=day, by=receptionist.user)
    _action(wf, "payment", Outcome.FAILED, failure_note="Terminal down")
    client.force_login(director.user)
    query = {"date_from": day, "date_to": day, "columns": ["time", "payment"]}
    raw = b"".join(
        client.get(reverse("report-departure-failed-csv"), query).streaming_content
    ).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(raw)))[1] == ["02:30 (winter time)", "✗ Terminal down"]
