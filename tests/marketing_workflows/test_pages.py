"""Marketing → Workflows through the pages: the list, the builder (rows added, removed and
moved, the preview, field errors, versions), the dry run with Activate and Pause, the
statistics with the enrolled patients and 'Remove from workflow', the patient card's panel;
rights and tenant isolation on every URL; pinned query counts."""

import datetime as dt
import re
from html import unescape

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.models import Task
from marketing_workflows import services
from marketing_workflows.models import Criterion, Enrolment, Step, StepRun, Workflow
from messaging.models import Message, SmsGateway
from practice.scoping import for_practice

from .. import factories as f
from .conftest import crit, email, make_patient, pause, sms, task

ROMA = [crit("patient", "city", "eq", "Roma")]
ALWAYS = {"window_start": dt.time(0), "window_end": dt.time(0)}
# The settings a fresh builder page posts (all days, 09:00-20:00).
DEFAULTS = {
    "weekdays": list("0123456"),
    "window_start": "09:00",
    "window_end": "20:00",
    "reenrol_after_days": "30",
}


def form(name="Recall", *, criteria=(), steps=(), op="save", **settings):
    """The builder's POST: rows named as the page names them."""
    data = {"name": name, "op": op, **DEFAULTS, **settings}
    for index, row in enumerate(criteria):
        for key, value in zip(
            ("subject", "field", "operator", "value", "value_to"), row, strict=False
        ):
            data[f"criteria-{index}-{key}"] = str(value)
    for index, row in enumerate(steps):
        for key, value in row.items():
            data[f"steps-{index}-{key}"] = str(value)
    return data


def text(response) -> str:
    """The page's text without tags and with single spaces (to read what a user reads)."""
    body = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", unescape(body))


@pytest.fixture
def manager(client, director):
    client.force_login(director.user)
    return client


# --- the list ----------------------------------------------------------------------------


def test_the_list_shows_each_workflows_state_enrolled_count_and_last_activity(
    manager, practice_a, director, build, live
):
    # given: a draft, an active workflow with two enrolled, and one that was live and paused
    make_patient(practice_a, name="Rosa", city="Roma")
    make_patient(practice_a, name="Romeo", city="Roma")
    build(ROMA, [email()], name="A draft")
    live(ROMA, [email()], name="B active")
    paused = live([crit("patient", "city", "eq", "Milano")], [email()], name="C paused")
    services.workflow_pause(practice_a, actor=director.user, workflow=paused)
    # when
    response = manager.get(reverse("workflow-list"))
    # then
    assert response.status_code == 200
    rows = re.findall(r"<tr>(.*?)</tr>", response.content.decode(), re.S)[1:]
    read = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).split() for row in rows]
    assert [r[:5] for r in read] == [
        ["A", "draft", "Draft", "0", "0"],
        ["B", "active", "Active", "2", "2"],
        ["C", "paused", "Paused", "0", "0"],
    ]
    assert "—" in rows[0]  # no activity yet
    assert "New workflow" in text(response)


def test_the_list_runs_the_same_queries_for_one_workflow_or_many(
    manager, practice_a, build, django_assert_num_queries
):
    build(ROMA, [email()], name="First")
    with CaptureQueriesContext(connection) as one:
        manager.get(reverse("workflow-list"))
    for n in range(5):
        build(ROMA, [email()], name=f"More {n}")
    # session, user, membership (with its practice), the top bar's task count, the list
    with django_assert_num_queries(len(one.captured_queries)):
        response = manager.get(reverse("workflow-list"))
    assert len(one.captured_queries) == 5
    assert text(response).count("Draft") == 6


# --- rights ------------------------------------------------------------------------------


def test_a_dentist_gets_403_on_every_marketing_page_and_no_top_bar_link(
    client, practice_a, dentist, director, build
):
    workflow = build(ROMA, [email()])
    client.force_login(dentist.user)
    for method, url in _urls(workflow, enrolment_id=1):
        assert getattr(client, method)(url).status_code == 403, url
    calendar = client.get(reverse("calendar"), follow=True)
    assert reverse("workflow-list") not in calendar.content.decode()
    client.force_login(director.user)
    assert reverse("workflow-list") in client.get(reverse("calendar"), follow=True).content.decode()


def test_reception_manages_workflows_too(client, receptionist):
    client.force_login(receptionist.user)
    assert client.get(reverse("workflow-list")).status_code == 200


def _urls(workflow, enrolment_id):
    wf = workflow.pk
    return [
        ("get", reverse("workflow-list")),
        ("get", reverse("workflow-create")),
        ("post", reverse("workflow-create")),
        ("post", reverse("workflow-preview")),
        ("post", reverse("workflow-sms-segments")),
        ("get", reverse("workflow-detail", args=[wf])),
        ("get", reverse("workflow-edit", args=[wf])),
        ("post", reverse("workflow-edit", args=[wf])),
        ("get", reverse("workflow-dry-run", args=[wf])),
        ("post", reverse("workflow-activate", args=[wf])),
        ("post", reverse("workflow-pause", args=[wf])),
        ("post", reverse("workflow-enrolment-remove", args=[wf, enrolment_id])),
    ]


# --- isolation ---------------------------------------------------------------------------


def test_another_practices_workflow_enrolment_and_patient_answer_404_like_missing_ones(
    manager, practice_a, practice_b, outsider, patient_b
):
    # given: practice B's workflow with B's patient enrolled
    other = services.workflow_create(practice_b, actor=outsider.user, name="Theirs")
    services.workflow_version_save(
        practice_b,
        actor=outsider.user,
        workflow=other,
        settings={"enrol_existing": True},
        criteria=[crit("patient", "name", "eq", patient_b.name)],
        steps=[email()],
    )
    services.workflow_activate(practice_b, actor=outsider.user, workflow=other)
    enrolment = Enrolment.objects.unscoped().get(practice=practice_b)
    missing = Workflow(pk=other.pk + 1000)
    # when / then: every URL with B's ids answers as with ids that exist nowhere
    for (method, url), (_m, missing_url) in zip(
        _urls(other, enrolment.pk)[5:], _urls(missing, enrolment.pk + 1000)[5:], strict=True
    ):
        assert getattr(manager, method)(url).status_code == 404, url
        assert getattr(manager, method)(missing_url).status_code == 404, missing_url
    panel = manager.get(reverse("patient-workflows", args=[patient_b.pk]))
    assert panel.status_code == 404
    # and B's workflow was not touched
    other.refresh_from_db()
    assert other.is_active
    assert Enrolment.objects.unscoped().get(pk=enrolment.pk).state == Enrolment.State.ACTIVE


def test_an_enrolment_of_another_workflow_of_the_same_practice_is_not_found_under_this_one(
    manager, practice_a, live
):
    make_patient(practice_a, name="Rosa", city="Roma")
    first = live(ROMA, [email()], name="First")
    second = live([crit("patient", "name", "eq", "Nobody")], [email()], name="Second")
    enrolment = for_practice(Enrolment, practice_a).get(workflow=first)
    url = reverse("workflow-enrolment-remove", args=[second.pk, enrolment.pk])
    assert manager.post(url).status_code == 404
    assert for_practice(Enrolment, practice_a).get().is_active


# --- the builder -------------------------------------------------------------------------


def test_the_builder_saves_criteria_actions_in_order_and_settings_and_shows_them_again(
    manager, practice_a, receptionist, location_a
):
    # given: a new workflow, typed in the builder
    data = form(
        "Not seen for 18 months",
        criteria=[
            ("patient", "last_appointment", "days_ago_gt", "540"),
            ("patient", "city", "eq", "Amsterdam"),
            ("appointment", "location", "eq", location_a.pk),
        ],
        steps=[
            {"kind": "email", "subject": "We miss you, {patient}", "body": "Book: {booking_link}"},
            {"kind": "pause", "pause_days": "7", "pause_hours": "0", "pause_minutes": "0"},
            {"kind": "sms", "body": "Hi {patient}, time for a check-up"},
            {
                "kind": "task",
                "task_kind": "recall",
                "task_description": "Call them",
                "task_assignee": receptionist.pk,
            },
        ],
        enrol_existing="on",
        exclusive="on",
        goal="booked_appointment",
        weekdays=["0", "1", "2", "3", "4"],
        window_start="09:00",
        window_end="18:00",
        allow_reenrolment="on",
        reenrol_after_days="90",
    )
    # when
    response = manager.post(reverse("workflow-create"), data)
    # then: saved, and on to the dry run
    workflow = for_practice(Workflow, practice_a).get()
    assert response.status_code == 302
    assert response.url == reverse("workflow-dry-run", args=[workflow.pk])
    version = workflow.current_version
    assert (workflow.name, workflow.status, version.number) == (
        "Not seen for 18 months",
        "paused",
        1,
    )
    assert list(
        for_practice(Criterion, practice_a)
        .order_by("position")
        .values_list("subject", "field", "operator", "value")
    ) == [
        ("patient", "last_appointment", "days_ago_gt", "540"),
        ("patient", "city", "eq", "Amsterdam"),
        ("appointment", "location", "eq", str(location_a.pk)),
    ]
    steps = list(for_practice(Step, practice_a).order_by("position"))
    assert [s.kind for s in steps] == ["email", "pause", "sms", "task"]
    assert (steps[1].pause_days, steps[3].task_assignee_id) == (7, receptionist.pk)
    assert (version.enrol_existing, version.exclusive, version.goal) == (
        True,
        True,
        "booked_appointment",
    )
    assert (version.weekdays, version.window_start, version.window_end) == (
        "01234",
        dt.time(9),
        dt.time(18),
    )
    assert (version.allow_reenrolment, version.reenrol_after_days) == (True, 90)
    # and the edit page shows it all again, in order
    page = manager.get(reverse("workflow-edit", args=[workflow.pk])).content.decode()
    assert page.index('value="540"') < page.index('value="Amsterdam"')
    kinds = re.findall(r'name="steps-\d+-kind" value="(\w+)"', page)
    assert kinds == ["email", "pause", "sms", "task"]
    assert 'name="enrol_existing" id="id_enrol_existing" checked' in page
    assert f'<option value="{receptionist.pk}" selected>' in page
    assert 'value="18:00"' in page
    assert 'name="weekdays" value="0" checked' in page
    assert 'name="weekdays" value="5" checked' not in page


def test_plus_adds_a_row_of_that_type_and_cross_removes_it_without_saving(manager, practice_a):
    # when: '+ Patient' then '+ Treatment'
    page = manager.post(reverse("workflow-create"), form(op="add-criterion:patient"))
    data = form(criteria=[("patient", "last_name", "eq", "")], op="add-criterion:treatment")
    page = manager.post(reverse("workflow-create"), data)
    # then: two rows, the new one a treatment row offering treatment fields
    html = page.content.decode()
    assert page.status_code == 200
    assert re.findall(r'name="criteria-\d+-subject" value="(\w+)"', html) == [
        "patient",
        "treatment",
    ]
    assert 'value="code"' in html
    assert "procedure code" in html
    # when: × on the first
    data = form(
        criteria=[("patient", "city", "eq", "Roma"), ("treatment", "code", "eq", "V21")],
        op="remove-criterion:0",
    )
    html = manager.post(reverse("workflow-create"), data).content.decode()
    assert re.findall(r'name="criteria-\d+-subject" value="(\w+)"', html) == ["treatment"]
    assert 'name="criteria-0-value" id="criteria-0-value" value="V21"' in html
    assert not for_practice(Workflow, practice_a).exists()


def test_a_date_field_offers_before_after_between_and_more_than_n_days_ago(manager):
    data = form(
        criteria=[("patient", "last_appointment", "between", "2030-01-01", "2030-06-30")],
        op="refresh",
    )
    html = manager.post(reverse("workflow-create"), data).content.decode()
    operators = re.search(r'name="criteria-0-operator".*?</select>', html, re.S).group(0)
    labels = re.findall(r">([^<]+)</option>", operators)
    assert labels == [
        "on",
        "not on",
        "before",
        "after",
        "between",
        "more than N days ago",
        "within the last N days",
    ]
    # 'between' shows a second date; 'more than N days ago' a number of days
    assert 'class="date-input"' in html
    assert 'name="criteria-0-value_to"' in html
    data = form(criteria=[("patient", "last_appointment", "days_ago_gt", "540")], op="refresh")
    html = manager.post(reverse("workflow-create"), data).content.decode()
    assert 'type="number"' in html
    assert "criteria-0-value_to" not in html
    # a text field never offers 'before'
    data = form(criteria=[("patient", "city", "lt", "Roma")], op="refresh")
    html = manager.post(reverse("workflow-create"), data).content.decode()
    operators = re.search(r'name="criteria-0-operator".*?</select>', html, re.S).group(0)
    assert "before" not in operators
    assert '<option value="eq" selected>' in operators  # settled on the field's first


def test_actions_move_up_and_down_with_buttons_and_keep_their_text(manager, receptionist):
    steps = [email(subject="First"), pause(days=7), sms(body="Third")]
    # when: ↑ on the SMS, then ↓ on the (now first) email
    html = manager.post(reverse("workflow-create"), form(steps=steps, op="up:2")).content.decode()
    assert re.findall(r'name="steps-\d+-kind" value="(\w+)"', html) == ["email", "sms", "pause"]
    moved = [email(subject="First"), sms(body="Third"), pause(days=7)]
    html = manager.post(reverse("workflow-create"), form(steps=moved, op="down:0")).content.decode()
    # then
    assert re.findall(r'name="steps-\d+-kind" value="(\w+)"', html) == ["sms", "email", "pause"]
    assert 'name="steps-1-subject" id="steps-1-subject" value="First"' in html
    assert ">Third</textarea>" in html
    # and '+ Add task' offers the practice's active staff
    html = manager.post(reverse("workflow-create"), form(op="add-step:task")).content.decode()
    assert receptionist.name in html


def test_reordered_actions_are_saved_in_the_new_order(manager, practice_a, build):
    workflow = build(ROMA, [email(subject="One"), email(subject="Two")], name="Order")
    data = form(
        "Order",
        criteria=[("patient", "city", "eq", "Roma")],
        steps=[
            {"kind": "email", "subject": "Two", "body": "b"},
            {"kind": "email", "subject": "One", "body": "b"},
        ],
    )
    manager.post(reverse("workflow-edit", args=[workflow.pk]), data)
    subjects = for_practice(Step, practice_a).order_by("position").values_list("subject", flat=True)
    assert list(subjects) == ["Two", "One"]


def test_htmx_gets_the_form_alone_and_save_redirects_with_hx_redirect(manager, practice_a):
    headers = {"HX-Request": "true"}
    html = manager.post(reverse("workflow-create"), form(op="add-step:pause"), headers=headers)
    assert html.content.decode().lstrip().startswith("<form")
    data = form(criteria=[("patient", "city", "eq", "Roma")], steps=[email()])
    saved = manager.post(reverse("workflow-create"), data, headers=headers)
    workflow = for_practice(Workflow, practice_a).get()
    assert saved.status_code == 204
    assert saved["HX-Redirect"] == reverse("workflow-dry-run", args=[workflow.pk])


def test_the_preview_counts_the_matches_now_and_names_a_few_with_and_without_javascript(
    manager, practice_a
):
    for name in ("Bea", "Ada", "Cleo", "Dora", "Eva", "Fay"):
        make_patient(practice_a, name=name, city="Roma")
    make_patient(practice_a, name="Zoe", city="Milano")
    data = form(criteria=[("patient", "city", "eq", "Roma")], op="preview")
    # htmx: the preview alone
    live_preview = text(manager.post(reverse("workflow-preview"), data))
    assert "6 patients match now" in live_preview
    assert "Ada, Bea, Cleo, Dora, Eva, …" in live_preview
    # no JavaScript: the 'Preview' button renders the page with it
    page = text(manager.post(reverse("workflow-create"), data))
    assert "6 patients match now" in page
    assert not for_practice(Workflow, practice_a).exists()
    # an incomplete criterion: no count, the reason
    data = form(criteria=[("patient", "last_appointment", "days_ago_gt", "soon")])
    waiting = text(manager.post(reverse("workflow-preview"), data))
    assert "match now" not in waiting
    assert "Give a number of days, e.g. 540." in waiting


def test_the_sms_segment_count_follows_the_text(manager):
    response = manager.post(reverse("workflow-sms-segments"), {"steps-3-body": "x" * 161})
    assert "2 SMS segments · 161 characters" in text(response)
    # placeholders count with example values: {booking_link} is long
    response = manager.post(reverse("workflow-sms-segments"), {"steps-0-body": "{booking_link}"})
    assert "1 SMS segment ·" in text(response)
    page = manager.post(reverse("workflow-create"), form(steps=[sms(body="ł" * 80)], op="refresh"))
    assert "2 SMS segments · 80 characters" in text(page)


def test_bad_input_gets_errors_next_to_the_fields_422_and_nothing_is_saved(
    manager, practice_a, location_b, build
):
    build(ROMA, [email()], name="Taken")
    data = form(
        "taken",
        criteria=[
            ("patient", "last_appointment", "days_ago_gt", "soon"),
            ("appointment", "location", "eq", location_b.pk),  # another practice's
        ],
        steps=[
            {"kind": "email", "subject": "", "body": "Hi {nickname}"},
            {"kind": "pause", "pause_days": "x", "pause_hours": "0", "pause_minutes": "0"},
            {"kind": "task", "task_kind": "recall", "task_description": ""},
        ],
        weekdays=[],
        window_start="18:00",
        window_end="09:00",
    )
    response = manager.post(reverse("workflow-create"), data)
    assert response.status_code == 422
    html = response.content.decode()
    # each message sits in its own field's block
    expect = {
        "id_name": "Another workflow already has this name.",
        "criteria-0-value": "Give a number of days, e.g. 540.",
        "criteria-1-value": "Choose one from the list.",
        "steps-0-subject": "An email needs a subject.",
        "steps-0-body": "Unknown placeholder {nickname}. Use: {patient}, {client}",
        "steps-1-pause_days": "Give a whole number, 0 or more.",
        "steps-2-task_description": "Describe the task.",
        "steps-2-task_assignee": "Choose the staff member responsible.",
        "id_window_end": "The end of the allowed hours must be after their start.",
    }
    for field_id, message in expect.items():
        after = html[html.index(f'id="{field_id}"') :]
        assert message in after[:1200], field_id
    assert "Choose at least one day from Monday to Sunday." in html
    assert "Not saved." in html
    assert for_practice(Workflow, practice_a).count() == 1
    assert for_practice(Step, practice_a).count() == 1


def test_hostile_builder_input_gets_errors_not_500(manager, practice_a):
    data = form(
        "x" * 500,
        criteria=[
            ("patient", "city", "eq", "R" * 300),
            ("nothing", "no", "eq", "1"),
            ("appointment", "practitioner", "eq", "٣٤"),
        ],
        steps=[
            {"kind": "pause", "pause_days": "9" * 30},
            {"kind": "dance"},
            {
                "kind": "task",
                "task_assignee": "abc",
                "task_kind": "recall",
                "task_description": "d",
            },
        ],
        window_start="25:99",
        reenrol_after_days="-4",
    )
    response = manager.post(reverse("workflow-create"), data)
    assert response.status_code == 422
    page = text(response)
    assert "At most 200 characters." in page
    assert "Choose patient, appointment, plan or treatment." in page
    assert "Choose pause, email, SMS or task." in page
    assert "Choose the staff member from the list." in page
    assert not for_practice(Workflow, practice_a).exists()


# --- versions ----------------------------------------------------------------------------


def test_editing_an_active_workflow_says_so_and_saves_a_new_version(manager, practice_a, live):
    # given: Rosa in version 1 of an active workflow
    make_patient(practice_a, name="Rosa", city="Roma")
    workflow = live(ROMA, [email(subject="v1")], name="Recall")
    # when: the page is opened
    page = text(manager.get(reverse("workflow-edit", args=[workflow.pk])))
    assert "This workflow is active. Saving creates version 2" in page
    assert "patients already enrolled finish version 1" in page
    assert "Save as version 2" in page
    # and saved with another email
    data = form(
        "Recall",
        criteria=[("patient", "city", "eq", "Roma")],
        steps=[{"kind": "email", "subject": "v2", "body": "b"}],
    )
    response = manager.post(reverse("workflow-edit", args=[workflow.pk]), data)
    # then
    workflow.refresh_from_db()
    assert response.url == reverse("workflow-detail", args=[workflow.pk])
    assert workflow.current_version.number == 2
    assert workflow.current_version.is_frozen
    assert for_practice(Enrolment, practice_a).get().version.number == 1
    detail = text(manager.get(response.url))
    assert "Saved as version 2, live now." in detail


def test_a_draft_is_edited_in_place(manager, practice_a, build):
    workflow = build(ROMA, [email()], name="Draft")
    data = form("Draft renamed", criteria=[("patient", "city", "eq", "Milano")], steps=[email()])
    manager.post(reverse("workflow-edit", args=[workflow.pk]), data)
    workflow.refresh_from_db()
    assert (workflow.name, workflow.current_version.number) == ("Draft renamed", 1)
    assert for_practice(Criterion, practice_a).get().value == "Milano"


# --- dry run, activate, pause ------------------------------------------------------------


def test_the_dry_run_shows_who_enters_a_local_timeline_and_the_sms_credit(
    manager, practice_a, build, sms_gateway_a
):
    make_patient(practice_a, name="Ada", city="Roma")
    make_patient(practice_a, name="Bea", city="Roma")
    make_patient(practice_a, name="Cleo", city="Roma", marketing_consent=None)
    workflow = build(ROMA, [email(), pause(days=7), sms(body="x" * 200)], enrol_existing=True)
    page = text(manager.get(reverse("workflow-dry-run", args=[workflow.pk])))
    assert "3 patients would enter now" in page
    assert "For Ada, enrolled now; local time (Europe/Amsterdam)." in page
    assert "Segments per patient 2" in page
    assert "Patients an SMS can reach 2" in page
    assert "First round needs 4 segments" in page
    assert "Practice's credit 100 segments" in page
    assert "The credit covers the first round." in page
    timeline = re.findall(
        r'<span class="when">([^<]+)</span> <strong>([^<]+)</strong>',
        manager.get(reverse("workflow-dry-run", args=[workflow.pk])).content.decode(),
    )
    assert [kind for _when, kind in timeline] == ["Send email", "Send SMS"]
    # local wall clock, inside 09:00-20:00
    assert all(9 <= int(when.split()[-1][:2]) < 20 for when, _kind in timeline)


def test_activate_is_refused_with_the_engines_message_when_the_credit_is_short(
    manager, practice_a, build, sms_gateway_a
):
    for name in ("Ada", "Bea", "Cleo"):
        make_patient(practice_a, name=name, city="Roma")
    workflow = build(ROMA, [sms(body="x" * 200)], enrol_existing=True)
    SmsGateway.objects.unscoped().filter(pk=sms_gateway_a.pk).update(credit_segments=5)
    message = (
        "The first round needs 6 SMS segments, but the practice's SMS credit is 5. Top "
        "up the credit, or narrow the criteria."
    )
    assert message in text(manager.get(reverse("workflow-dry-run", args=[workflow.pk])))
    # when
    response = manager.post(reverse("workflow-activate", args=[workflow.pk]))
    # then
    assert response.status_code == 422
    assert "Not activated." in text(response)
    assert message in text(response)
    workflow.refresh_from_db()
    assert not workflow.is_active
    assert not for_practice(Enrolment, practice_a).exists()


def test_activate_enrols_existing_patients_and_pause_stops_the_workflow(manager, practice_a, build):
    make_patient(practice_a, name="Ada", city="Roma")
    workflow = build(ROMA, [email()], enrol_existing=True)
    response = manager.post(reverse("workflow-activate", args=[workflow.pk]), follow=True)
    assert "Workflow active: 1 patient enrolled." in text(response)
    workflow.refresh_from_db()
    assert workflow.is_active
    response = manager.post(reverse("workflow-pause", args=[workflow.pk]), follow=True)
    assert "Workflow paused" in text(response)
    workflow.refresh_from_db()
    assert not workflow.is_active
    assert "Paused" in text(manager.get(reverse("workflow-list")))


def test_a_workflow_without_criteria_shows_why_it_cannot_be_activated(manager, build):
    workflow = build([], [pause(days=1)])
    page = text(manager.get(reverse("workflow-dry-run", args=[workflow.pk])))
    assert "Add at least one enrolment criterion" in page
    response = manager.post(reverse("workflow-activate", args=[workflow.pk]))
    assert response.status_code == 422
    assert "Add at least one email, SMS or task." in text(response)


# --- statistics and removal --------------------------------------------------------------


def test_the_workflow_page_counts_enrolments_messages_per_step_and_tasks(
    manager, practice_a, director, receptionist, live, dentist, location_a, ctype_a
):
    # given: four enrolled; an email, then a task
    patients = [
        make_patient(practice_a, name=n, city="Roma") for n in ("Ada", "Bea", "Cleo", "Dora")
    ]
    workflow = live(
        ROMA, [email(), task(receptionist), pause(days=30)], goal="booked_appointment", **ALWAYS
    )
    services.workflow_steps_run_due()  # the emails
    services.workflow_steps_run_due()  # the tasks; the closing pause waits a month
    # the provider's answers: two delivered, one failed, one still queued
    emails = list(for_practice(Message, practice_a).order_by("patient__name"))
    for message, status in zip(emails, ["delivered", "delivered", "failed", "sent"], strict=True):
        Message.objects.unscoped().filter(pk=message.pk).update(status=status)
    # Ada books (goal), Bea is removed, reception did Cleo's task
    services.enrolment_remove(
        practice_a,
        actor=director.user,
        enrolment=for_practice(Enrolment, practice_a).get(patient=patients[1]),
    )
    f.AppointmentFactory(
        practice=practice_a,
        patient=patients[0],
        practitioner=dentist,
        location=location_a,
        consultation_type=ctype_a,
    )
    services.workflows_enrol(practice_a)
    Task.objects.unscoped().filter(practice=practice_a, patient=patients[2]).update(
        status=Task.Status.DONE, done_at=dt.datetime.now(dt.UTC)
    )
    # a month later Cleo and Dora have finished
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=31)):
        services.workflow_steps_run_due()
    # when
    response = manager.get(reverse("workflow-detail", args=[workflow.pk]))
    html = response.content.decode()

    def number(element_id):
        return re.search(rf'id="{element_id}">([^<]+)<', html).group(1)

    # then
    assert (
        number("stat-enrolled"),
        number("stat-active"),
        number("stat-completed"),
        number("stat-goal"),
        number("stat-removed"),
    ) == ("4", "0", "2", "1", "1")
    assert number("stat-tasks") == "1 / 4"
    email_row = re.search(r'id="step-1">(.*?)</tr>', html, re.S).group(1)
    cells = re.findall(r'<td class="num[^"]*">([^<]*)</td>', email_row)
    # waiting, done, skipped, sent, delivered, failed
    assert cells[:6] == ["0", "4", "0", "3", "2", "1"]
    task_row = re.search(r'id="step-2">(.*?)</tr>', html, re.S).group(1)
    assert re.findall(r'<td class="num">(\d+)</td>', task_row)[-1] == "4"


def test_the_enrolled_patients_are_listed_50_a_page_with_links_to_their_cards(
    manager, practice_a, live, django_assert_num_queries
):
    # given: one patient enrolled, the page's queries counted
    make_patient(practice_a, name="Patient 00", city="Roma")
    workflow = live(ROMA, [email(), pause(days=1), email()], **ALWAYS)
    url = reverse("workflow-detail", args=[workflow.pk])
    with CaptureQueriesContext(connection) as one:
        manager.get(url)
    # when 54 more are enrolled (and their first steps run)
    for n in range(1, 55):
        make_patient(practice_a, name=f"Patient {n:02}", city="Roma")
    services.workflows_enrol(practice_a)
    services.workflow_steps_run_due()
    # then the page costs the same queries, shows 50 and links them to their cards
    with django_assert_num_queries(len(one.captured_queries)):
        page_one = manager.get(url).content.decode()
    assert page_one.count("Remove from workflow</button>") == 50
    assert "Page 1 of 2" in page_one
    page_two = manager.get(url + "?page=2").content.decode()
    assert page_two.count("Remove from workflow</button>") == 5
    patient = for_practice(Enrolment, practice_a).first().patient
    assert f'href="{reverse("patient-card", args=[patient.pk])}"' in page_one + page_two


def test_remove_from_workflow_cancels_the_patients_pending_steps_at_once(manager, practice_a, live):
    # given: Rosa's email queued (not sent), her SMS waits a week
    rosa = make_patient(practice_a, name="Rosa", city="Roma")
    workflow = live(ROMA, [email(), pause(days=7), email()], **ALWAYS)
    services.workflow_steps_run_due()
    enrolment = for_practice(Enrolment, practice_a).get(patient=rosa)
    # when
    response = manager.post(
        reverse("workflow-enrolment-remove", args=[workflow.pk, enrolment.pk]), follow=True
    )
    # then
    assert "Rosa was removed from the workflow" in text(response)
    enrolment.refresh_from_db()
    assert enrolment.state == Enrolment.State.REMOVED
    states = list(for_practice(StepRun, practice_a).order_by("id").values_list("state", flat=True))
    assert states == ["done", "cancelled"]
    assert for_practice(Message, practice_a).get().status == Message.Status.CANCELLED
    # and a second press says she is no longer in it
    again = manager.post(
        reverse("workflow-enrolment-remove", args=[workflow.pk, enrolment.pk]), follow=True
    )
    assert "no longer in this workflow" in text(again)


def test_remove_from_workflow_is_a_post(manager, practice_a, live):
    make_patient(practice_a, name="Rosa", city="Roma")
    workflow = live(ROMA, [email()])
    enrolment = for_practice(Enrolment, practice_a).get()
    url = reverse("workflow-enrolment-remove", args=[workflow.pk, enrolment.pk])
    assert manager.get(url).status_code == 405
    assert for_practice(Enrolment, practice_a).get().is_active


# --- the patient card --------------------------------------------------------------------


def test_the_patient_card_loads_a_panel_with_the_workflows_and_what_each_did(
    client, practice_a, dentist, live, sms_gateway_a
):
    # given: Rosa's email sent by one workflow, and removed from another
    rosa = make_patient(practice_a, name="Rosa", city="Roma")
    live(ROMA, [email(subject="Hello"), pause(days=7), sms()], name="Recall", **ALWAYS)
    services.workflow_steps_run_due()
    client.force_login(dentist.user)
    # when: the card (which loads the panel by URL) and the panel
    card = client.get(reverse("patient-card", args=[rosa.pk])).content.decode()
    panel = client.get(reverse("patient-workflows", args=[rosa.pk]), headers={"HX-Request": "1"})
    # then
    assert f'hx-get="{reverse("patient-workflows", args=[rosa.pk])}"' in card
    read = text(panel)
    assert "Recall" in read
    assert "Active" in read
    assert "Send email" in read
    assert "Scheduled" in read
    assert "Send SMS" in read
    assert "Waiting" in read
    # a dentist sees it, without the link to the workflow's page (managers only)
    assert reverse("workflow-list") not in panel.content.decode()


def test_the_patient_panel_works_as_a_page_without_javascript(manager, practice_a):
    rosa = make_patient(practice_a, name="Rosa", city="Roma")
    page = manager.get(reverse("patient-workflows", args=[rosa.pk]))
    assert page.status_code == 200
    assert "<html" in page.content.decode()
    assert "Not in any workflow." in text(page)


def test_the_patient_panel_runs_a_fixed_number_of_queries(
    manager, practice_a, live, django_assert_num_queries
):
    rosa = make_patient(practice_a, name="Rosa", city="Roma")
    url = reverse("patient-workflows", args=[rosa.pk])
    with CaptureQueriesContext(connection) as none:
        manager.get(url, headers={"HX-Request": "1"})
    for n in range(3):
        live(ROMA, [email(), pause(days=1), email()], name=f"W{n}", **ALWAYS)
    services.workflow_steps_run_due()
    with django_assert_num_queries(len(none.captured_queries) + 1):  # + the runs' prefetch
        manager.get(url, headers={"HX-Request": "1"})


def test_a_booking_after_the_last_step_closes_the_workflows_recall_task(
    manager, practice_a, receptionist, live, dentist, location_a, ctype_a,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    # given: Rosa's workflow ended with a task for reception
    rosa = make_patient(practice_a, name="Rosa", city="Roma")
    live(ROMA, [email(), task(receptionist)], goal="booked_appointment", **ALWAYS)
    services.workflow_steps_run_due()
    [recall] = Task.objects.unscoped().filter(practice=practice_a, patient=rosa)
    # when: reception books her an appointment
    day = (dt.datetime.now(dt.UTC) + dt.timedelta(days=7)).date()
    with django_capture_on_commit_callbacks(execute=True):
        booked = manager.post(reverse("appointment-create"), {
            "patient": rosa.pk, "location": location_a.pk, "practitioner": dentist.pk,
            "consultation_type": ctype_a.pk, "date": day.isoformat(), "start_time": "10:00",
        })  # fmt: skip
    assert booked.status_code == 302
    # then: her task is closed and she counts as having reached the goal
    recall.refresh_from_db()
    assert recall.status == Task.Status.CANCELLED
    assert for_practice(Enrolment, practice_a).get().state == Enrolment.State.GOAL_REACHED
