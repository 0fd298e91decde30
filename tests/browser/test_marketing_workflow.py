"""Issue 11's acceptance, as a manager tries it in the browser: builds 'patients not seen for
18 months in Amsterdam → email, pause 7 days, SMS, task for reception', sees the match
count and the dry run, saves with 'enrol existing' and activates. The scheduler runs (the
clock moves on with time-machine): the emails go out in the morning, not at night; a week
later the SMS and reception's task; a patient who books leaves the workflow with their task
closed."""

import datetime as dt
import zoneinfo

import pytest
import time_machine

from crm.models import Task
from marketing_workflows import services
from marketing_workflows.models import Enrolment
from messaging.models import Message, SmsGateway
from practice import localtime
from practice.scoping import for_practice

from .. import factories as f
from .test_csp import Watched

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AMS = zoneinfo.ZoneInfo("Europe/Amsterdam")


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return localtime.wall_to_utc(day, dt.time(hour, minute), AMS)


@pytest.fixture
def practice_with_history(practice_a, location_a, dentist, ctype_a, receptionist):
    """Three Amsterdam patients last seen two years ago (with marketing consent), one seen
    last month, one in Utrecht seen long ago; an SMS gateway with credit."""
    SmsGateway.objects.unscoped().create(
        practice=practice_a, account_sid="AC" + "1" * 32, auth_token="secret-token-1234",
        sender="+3197010000000", credit_segments=100,
    )  # fmt: skip
    people = {}
    seen = [("Ada", "Amsterdam", 720), ("Bram", "Amsterdam", 650), ("Cor", "Amsterdam", 600),
            ("Dina", "Amsterdam", 30), ("Eef", "Utrecht", 700)]  # fmt: skip
    for n, (name, city, days_ago) in enumerate(seen):
        client = f.ClientFactory(
            practice=practice_a, first_name=name, last_name="Jansen", city=city,
            mobile=f"+3161234560{n}", email=f"{name.lower()}@example.nl", marketing_consent=True,
        )  # fmt: skip
        patient = f.PatientFactory(practice=practice_a, client=client, name=f"{name} Jansen")
        start = local(dt.date(2030, 6, 3) - dt.timedelta(days=days_ago), 10)
        f.AppointmentFactory(
            practice=practice_a, patient=patient, practitioner=dentist, location=location_a,
            consultation_type=ctype_a, starts_at=start, ends_at=start + dt.timedelta(minutes=30),
            status="completed",
        )  # fmt: skip
        people[name] = patient
    return people


def choose(page, select: str, value: str) -> None:
    """Choose in a builder select that re-renders the form, and wait until it has."""
    with page.expect_response(lambda r: r.request.method == "POST"):
        page.select_option(select, value)
    page.wait_for_timeout(100)  # the swap follows the response


def build_in_the_builder(page, receptionist) -> None:
    page.click("nav.mainnav >> text=Marketing")
    page.click("text=New workflow")
    page.fill("#id_name", "Not seen for 18 months in Amsterdam")
    # criterion 1: last appointment more than 540 days ago
    page.click("button[value='add-criterion:patient']")
    choose(page, "#criteria-0-field", "last_appointment")
    choose(page, "#criteria-0-operator", "days_ago_gt")
    assert page.get_attribute("#criteria-0-value", "type") == "number"
    page.fill("#criteria-0-value", "540")
    page.locator("#preview", has_text="4 patients match now").wait_for()
    # criterion 2: city equals Amsterdam
    page.click("button[value='add-criterion:patient']")
    choose(page, "#criteria-1-field", "city")
    page.fill("#criteria-1-value", "Amsterdam")
    page.locator("#preview", has_text="3 patients match now").wait_for()
    assert "Ada Jansen, Bram Jansen, Cor Jansen" in page.inner_text("#preview")
    page.check("#id_enrol_existing")
    # actions: email, pause 7 days, SMS, task for reception
    page.click("button[value='add-step:email']")
    page.fill("#steps-0-subject", "We miss you, {patient}")
    page.fill("#steps-0-body", "It has been a while. Book at {booking_link}")
    page.click("button[value='add-step:pause']")
    page.fill("#steps-1-pause_days", "7")
    page.click("button[value='add-step:sms']")
    page.fill("#steps-2-body", "Hi {patient}, time for a check-up? {booking_link}")
    page.locator("#segments-2", has_text="1 SMS segment").wait_for()
    page.click("button[value='add-step:task']")
    page.select_option("#steps-3-task_kind", "recall")
    page.select_option("#steps-3-task_assignee", str(receptionist.pk))
    page.fill("#steps-3-task_description", "Call about a check-up")
    page.select_option("#id_goal", "booked_appointment")
    # the typed texts survived the rows added after them
    assert page.input_value("#steps-0-subject") == "We miss you, {patient}"
    page.click("button[value='save']")


def test_a_manager_builds_a_recall_workflow_and_it_runs_in_daytime_until_a_booking(
    live_server, browser, practice_with_history, receptionist, director, dentist, location_a,
    ctype_a,
):  # fmt: skip
    people = practice_with_history
    practice = receptionist.practice
    monday_night = local(dt.date(2030, 6, 3), 22, 30)
    with time_machine.travel(monday_night, tick=True) as clock:
        manager = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        watched = Watched(manager, live_server.url)
        manager.on("dialog", lambda dialog: dialog.accept())
        watched.log_in("dora")

        # builds it, sees the match count (above), saves, and sees the dry run
        build_in_the_builder(manager, receptionist)
        manager.wait_for_selector("#dry-entering")
        assert manager.inner_text("#dry-entering") == "3"
        assert "3 segments" in manager.inner_text("#dry-segments")
        assert "100 segments" in manager.inner_text("#dry-credit")
        timeline = manager.inner_text(".timeline")
        assert "Tue 4 Jun 2030 09:00 Send email" in timeline  # not tonight: the next morning
        assert "Tue 11 Jun 2030 09:00 Send SMS" in timeline
        manager.click("#activate")
        manager.wait_for_selector("#stat-enrolled")
        assert manager.inner_text("#stat-enrolled") == "3"

        # the scheduler runs at night: nothing goes out
        services.workflow_steps_run_due()
        assert not for_practice(Message, practice).exists()

        # the next morning: the emails
        clock.move_to(local(dt.date(2030, 6, 4), 9, 1))
        services.workflow_steps_run_due()
        manager.reload()
        assert manager.inner_text("#step-1 .sent") == "3"
        watched.visit(f"/patients/{people['Ada'].pk}/", "#patient-workflows")
        panel = manager.inner_text("#patient-workflows")
        assert "Not seen for 18 months in Amsterdam" in panel
        assert "Send email" in panel
        assert "Sent" in panel

        # a week later (after a night run that finds nothing due): the SMS and the tasks
        clock.move_to(local(dt.date(2030, 6, 11), 2))
        assert services.workflow_steps_run_due() == 0
        clock.move_to(local(dt.date(2030, 6, 11), 9, 2))
        services.workflow_steps_run_due()
        sms = for_practice(Message, practice).filter(channel="sms")
        assert sms.count() == 3
        sent_at = for_practice(Message, practice).values_list("created_at", flat=True)
        assert all(9 <= localtime.to_local(m, AMS).hour < 20 for m in sent_at)

        # reception sees the three tasks in their list
        desk = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        desk_watched = Watched(desk, live_server.url)
        desk_watched.log_in("rita")
        desk_watched.visit("/tasks/", ".task-list")
        tasks = desk.inner_text(".task-list")
        for name in ("Ada Jansen", "Bram Jansen", "Cor Jansen"):
            assert name in tasks
        assert tasks.count("Call about a check-up") == 3

        # Bram books an appointment: he leaves the workflow and his task is closed
        clock.move_to(local(dt.date(2030, 6, 11), 10))
        desk_watched.visit(f"/appointments/new/?patient={people['Bram'].pk}", "form")
        desk.select_option("#id_location", str(location_a.pk))
        desk.select_option("#id_practitioner", str(dentist.pk))
        desk.select_option("#id_consultation_type", str(ctype_a.pk))
        desk.fill("#id_date", "2030-06-18")
        desk.fill("#id_start_time", "10:00")
        desk.click("button:has-text('Book')")
        desk.wait_for_url("**/calendar/**")
        bram = for_practice(Enrolment, practice).get(patient=people["Bram"])
        assert bram.state == Enrolment.State.GOAL_REACHED
        desk_watched.visit("/tasks/", ".task-list")
        tasks = desk.inner_text(".task-list")
        assert "Bram Jansen" not in tasks
        assert tasks.count("Call about a check-up") == 2
        assert for_practice(Task, practice).get(patient=people["Bram"]).status == "cancelled"
        watched.visit(f"/marketing/workflows/{bram.workflow_id}/", "#stat-goal")
        assert manager.inner_text("#stat-goal") == "1"

        assert watched.problems == []
        assert desk_watched.problems == []
        manager.context.close()
        desk.context.close()
