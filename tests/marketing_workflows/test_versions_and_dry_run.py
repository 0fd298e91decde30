"""Versions (patients finish the version they entered), checks before saving, the preview,
the dry run and the SMS credit check before activating."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from marketing_workflows import selectors, services
from marketing_workflows.checks import VersionInvalid
from marketing_workflows.models import Criterion, Enrolment, Step, StepRun, WorkflowVersion
from messaging.models import SmsGateway
from practice.scoping import for_practice

from .conftest import at, crit, email, make_patient, pause, sms

ROMA = [crit("patient", "city", "eq", "Roma")]
ALWAYS = {"window_start": dt.time(0), "window_end": dt.time(0)}


def test_editing_an_active_workflow_creates_a_new_version_and_the_enrolled_finish_the_old(
    practice_a, director, live
):
    # given: Rosa enrolled in version 1 (email, pause 1 day, email)
    make_patient(practice_a, name="Rosa", city="Roma")
    workflow = live(ROMA, [email(subject="v1"), pause(days=1), email(subject="v1 again")],
                    **ALWAYS)  # fmt: skip
    services.workflow_steps_run_due()
    first = workflow.current_version
    # when: the manager edits the steps; Romeo matches afterwards
    new = services.workflow_version_save(
        practice_a, actor=director.user, workflow=workflow,
        settings=ALWAYS | {"enrol_existing": True}, criteria=ROMA, steps=[sms(body="v2 only")],
    )  # fmt: skip
    make_patient(practice_a, name="Romeo", city="Roma")
    services.workflows_enrol(practice_a)
    # then
    workflow.refresh_from_db()
    assert (new.number, workflow.current_version_id) == (2, new.pk)
    assert new.is_frozen
    assert first.pk != new.pk
    by_name = dict(
        for_practice(Enrolment, practice_a).values_list("patient__name", "version__number")
    )
    assert by_name == {"Rosa": 1, "Romeo": 2}
    # Rosa's next step is still version 1's second email
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=1, minutes=1)):
        services.workflow_steps_run_due()
    rosa_steps = for_practice(StepRun, practice_a).filter(enrolment__patient__name="Rosa")
    assert [r.step.subject for r in rosa_steps.order_by("id")] == ["v1", "v1 again"]
    # and version 1 is kept as it was
    assert list(
        for_practice(Step, practice_a).filter(version=first).values_list("subject", flat=True)
    ) == ["v1", "", "v1 again"]


def test_a_version_never_live_is_edited_in_place(practice_a, director, build):
    workflow = build(ROMA, [email()])
    version = services.workflow_version_save(
        practice_a, actor=director.user, workflow=workflow, settings={"exclusive": True},
        criteria=[crit("patient", "city", "eq", "Milano")], steps=[email(), email()],
    )  # fmt: skip
    assert version.pk == workflow.current_version_id
    assert for_practice(WorkflowVersion, practice_a).count() == 1
    assert list(for_practice(Criterion, practice_a).values_list("value", flat=True)) == ["Milano"]
    assert for_practice(Step, practice_a).count() == 2


def test_a_wrong_version_saves_nothing_and_says_what_is_wrong_where(
    practice_a, director, build, location_b
):
    workflow = build(ROMA, [email()])
    with pytest.raises(VersionInvalid) as error:
        services.workflow_version_save(
            practice_a,
            actor=director.user,
            workflow=workflow,
            settings={"weekdays": "", "window_start": dt.time(18), "window_end": dt.time(9)},
            criteria=[ROMA[0], crit("appointment", "location", "eq", location_b.pk)],
            steps=[
                email(subject="", body="Hi {nickname}"),
                sms(body=""),
                pause(),
                {"kind": "task", "task_kind": "dance", "task_description": ""},
            ],
        )
    errors = error.value.message_dict
    assert set(errors) == {
        "weekdays",
        "window_end",
        "criteria-1-value",
        "steps-0-subject",
        "steps-0-body",
        "steps-1-body",
        "steps-2-pause_days",
        "steps-3-task_kind",
        "steps-3-task_description",
        "steps-3-task_assignee",
    }
    assert "Unknown placeholder {nickname}" in errors["steps-0-body"][0]
    # nothing changed
    assert list(for_practice(Step, practice_a).values_list("kind", flat=True)) == ["email"]


def test_texts_too_long_and_pauses_too_large_to_be_a_time_are_refused_not_a_crash(
    practice_a, director, receptionist, build
):
    workflow = build(ROMA, [email()])
    long_task = {"kind": "task", "task_kind": "recall", "task_description": "x" * 301,
                 "task_assignee_id": receptionist.pk}  # fmt: skip
    with pytest.raises(VersionInvalid) as error:
        services.workflow_version_save(
            practice_a, actor=director.user, workflow=workflow, settings={}, criteria=ROMA,
            steps=[email(subject="x" * 201), email(body="x" * 20_001), pause(days=10**12),
                   pause(minutes=10**10), long_task],
        )  # fmt: skip
    assert set(error.value.message_dict) == {
        "steps-0-subject",
        "steps-1-body",
        "steps-2-pause_days",
        "steps-3-pause_days",
        "steps-4-task_description",
    }
    assert list(for_practice(Step, practice_a).values_list("kind", flat=True)) == ["email"]


def test_only_managers_build_workflows(practice_a, dentist):
    with pytest.raises(PermissionDenied):
        services.workflow_create(practice_a, actor=dentist.user, name="Mine")


def test_a_workflow_needs_a_name_of_its_own(practice_a, director, build):
    build(ROMA, [email()], name="Recall")
    for name in ("", "  ", "recall", "x" * 121):
        with pytest.raises(ValidationError) as error:
            services.workflow_create(practice_a, actor=director.user, name=name)
        assert "name" in error.value.message_dict


def test_activation_needs_a_criterion_and_an_action(practice_a, director, build):
    empty = build([], [pause(days=1)])
    with pytest.raises(ValidationError) as error:
        services.workflow_activate(practice_a, actor=director.user, workflow=empty)
    assert "criterion" in " ".join(error.value.messages)
    assert "email, SMS or task" in " ".join(error.value.messages)
    empty.refresh_from_db()
    assert not empty.is_active


def test_preview_counts_the_matches_and_names_a_few_in_one_query(
    practice_a, django_assert_num_queries
):
    for name in ("Bea", "Ada", "Cleo", "Dora", "Eva", "Fay", "Gina"):
        make_patient(practice_a, name=name, city="Roma")
    make_patient(practice_a, name="Zoe", city="Milano")
    with django_assert_num_queries(1):
        preview = selectors.workflow_preview(practice_a, criteria=ROMA)
    assert preview.count == 7
    assert preview.names == ["Ada", "Bea", "Cleo", "Dora", "Eva"]
    assert selectors.workflow_preview(
        practice_a, criteria=[crit("patient", "city", "eq", "X")]
    ) == (selectors.Preview(count=0, names=[]))


def test_dry_run_shows_who_would_enter_and_a_local_timeline_after_quiet_hours(
    practice_a, build, sms_gateway_a
):
    # given: 3 in Roma, 2 of whom an SMS can reach (mobile and consent)
    make_patient(practice_a, name="Ada", city="Roma")
    make_patient(practice_a, name="Bea", city="Roma")
    make_patient(practice_a, name="Cleo", city="Roma", marketing_consent=None)
    workflow = build(
        ROMA,
        [email(), pause(days=1), sms(body="x" * 200), pause(hours=2), email()],
        enrol_existing=True,
        window_start=dt.time(9),
        window_end=dt.time(18),
    )
    # when: Saturday 30 March 2030 20:00 in Amsterdam, the night the clocks go forward
    dry = selectors.workflow_dry_run(
        practice_a, version=workflow.current_version, now=at(2030, 3, 30, 20)
    )
    # then
    assert (dry.matching, dry.entering, dry.sample_name) == (3, 3, "Ada")
    assert [(e.step.kind, e.due_at) for e in dry.timeline] == [
        ("email", at(2030, 3, 31, 9)),  # the next morning, 09:00 summer time
        ("sms", at(2030, 4, 1, 9)),  # a day later (24 real hours), in the window
        ("email", at(2030, 4, 1, 11)),
    ]
    assert dry.timeline[0].local_label == "Sun 31 Mar 2030 09:00"
    assert (dry.sms_segments_each, dry.sms_recipients, dry.sms_segments) == (2, 2, 4)
    assert (dry.sms_credit, dry.credit_ok) == (100, True)


def test_activation_is_refused_when_the_sms_credit_would_not_cover_the_first_round(
    practice_a, director, build, sms_gateway_a
):
    for name in ("Ada", "Bea", "Cleo"):
        make_patient(practice_a, name=name, city="Roma")
    workflow = build(ROMA, [sms(body="x" * 200)], enrol_existing=True)  # 2 segments each
    SmsGateway.objects.unscoped().filter(pk=sms_gateway_a.pk).update(credit_segments=5)
    with pytest.raises(ValidationError) as error:
        services.workflow_activate(practice_a, actor=director.user, workflow=workflow)
    assert error.value.messages == [
        "The first round needs 6 SMS segments, but the practice's SMS credit is 5. Top up "
        "the credit, or narrow the criteria."
    ]
    workflow.refresh_from_db()
    assert not workflow.is_active
    assert not for_practice(Enrolment, practice_a).exists()
    SmsGateway.objects.unscoped().filter(pk=sms_gateway_a.pk).update(credit_segments=6)
    assert (
        services.workflow_activate(practice_a, actor=director.user, workflow=workflow).enrolled == 3
    )


def test_activation_with_sms_steps_and_no_gateway_is_refused_with_the_reason(
    practice_a, director, build
):
    make_patient(practice_a, name="Ada", city="Roma")
    workflow = build(ROMA, [sms()], enrol_existing=True)
    with pytest.raises(ValidationError, match="no SMS gateway"):
        services.workflow_activate(practice_a, actor=director.user, workflow=workflow)


def test_a_new_version_of_an_active_workflow_is_credit_checked_too(
    practice_a, director, live, sms_gateway_a
):
    make_patient(practice_a, name="Ada", city="Roma")
    workflow = live(ROMA, [email()])
    SmsGateway.objects.unscoped().filter(pk=sms_gateway_a.pk).update(credit_segments=0)
    services.enrolment_remove(
        practice_a, actor=director.user, enrolment=for_practice(Enrolment, practice_a).get()
    )
    make_patient(practice_a, name="Bea", city="Roma")
    with pytest.raises(ValidationError, match="SMS credit is 0"):
        services.workflow_version_save(
            practice_a, actor=director.user, workflow=workflow,
            settings={"enrol_existing": True}, criteria=ROMA, steps=[sms()],
        )  # fmt: skip
    workflow.refresh_from_db()
    assert workflow.current_version.number == 1
