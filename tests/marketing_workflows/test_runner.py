"""The runner: each step once, at an allowed local time, through messaging; a worker killed
between claiming and finishing neither skips nor doubles a step."""

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from marketing_workflows import runner, services
from marketing_workflows.models import Enrolment, StepRun, message_key
from messaging.models import Kind, Message
from patients.models import Client
from practice.scoping import for_practice

from .. import factories as f
from .conftest import at, crit, email, make_patient, pause, sms

ROMA = [crit("patient", "city", "eq", "Roma")]
UTC = dt.UTC
ALWAYS = {"window_start": dt.time(0), "window_end": dt.time(0)}


def runs_of(practice, patient):
    return list(
        for_practice(StepRun, practice)
        .filter(enrolment__patient=patient)
        .order_by("id")
        .values_list("step__kind", "state", "due_at")
    )


def messages(practice):
    return list(for_practice(Message, practice).order_by("id"))


def test_an_email_step_is_queued_through_messaging_once_and_the_pause_counts_from_it(
    practice_a, live
):
    # given
    rosa = make_patient(practice_a, name="Rosa", city="Roma")
    with time_machine.travel(at(2030, 6, 3, 10), tick=False):  # Monday 10:00 in Amsterdam
        workflow = live(ROMA, [email(), pause(days=7), email(subject="Again")], **ALWAYS)
        # when
        assert services.workflow_steps_run_due() == 1
        assert services.workflow_steps_run_due() == 0
    # then: one marketing email, its text the step's (placeholders filled in at sending)
    [message] = messages(practice_a)
    enrolment = for_practice(Enrolment, practice_a).get()
    first_step = (
        workflow.current_version.steps.model.objects.unscoped()
        .filter(version=workflow.current_version)
        .order_by("position")[0]
    )
    assert message.kind == Kind.MARKETING
    assert message.channel == "email"
    assert message.patient_id == rosa.pk
    assert message.subject == "Time for a check-up, {patient}"
    assert message.idempotency_key == message_key(enrolment.pk, first_step.pk)
    assert message.status == Message.Status.SCHEDULED
    # and the next email is due 7 days later, to the minute
    assert runs_of(practice_a, rosa) == [
        ("email", "done", at(2030, 6, 3, 10)),
        ("email", "pending", at(2030, 6, 10, 10)),
    ]
    done = for_practice(StepRun, practice_a).get(state="done")
    assert done.message_id == message.pk


def test_the_enrolment_completes_after_its_last_step(practice_a, live):
    make_patient(practice_a, name="Rosa", city="Roma")
    live(ROMA, [email()], **ALWAYS)
    services.workflow_steps_run_due()
    assert for_practice(Enrolment, practice_a).get().state == Enrolment.State.COMPLETED


def test_a_closing_pause_keeps_the_enrolment_open_until_it_is_over(practice_a, live):
    make_patient(practice_a, name="Rosa", city="Roma")
    live(ROMA, [email(), pause(days=30)], **ALWAYS)
    services.workflow_steps_run_due()
    assert for_practice(Enrolment, practice_a).get().state == Enrolment.State.ACTIVE
    with time_machine.travel(timezone.now() + dt.timedelta(days=30, minutes=1), tick=False):
        services.workflow_steps_run_due()
    assert for_practice(Enrolment, practice_a).get().state == Enrolment.State.COMPLETED


def test_a_step_due_at_night_waits_for_the_next_allowed_morning_across_midnight(
    practice_a, live, sms_gateway_a
):
    rosa = make_patient(practice_a, name="Rosa", city="Roma")
    with time_machine.travel(at(2030, 6, 3, 22), tick=False):  # Monday 22:00
        live(ROMA, [sms()], window_start=dt.time(9), window_end=dt.time(18))
        assert services.workflow_steps_run_due() == 0
    assert runs_of(practice_a, rosa) == [("sms", "pending", at(2030, 6, 4, 9))]
    with time_machine.travel(at(2030, 6, 4, 8, 59), tick=False):
        assert services.workflow_steps_run_due() == 0
    with time_machine.travel(at(2030, 6, 4, 9), tick=False):
        assert services.workflow_steps_run_due() == 1
    assert len(messages(practice_a)) == 1


def test_only_allowed_weekdays_friday_evening_waits_for_monday(practice_a, live):
    rosa = make_patient(practice_a, name="Rosa", city="Roma")
    with time_machine.travel(at(2030, 6, 7, 19), tick=False):  # Friday 19:00
        live(ROMA, [email()], weekdays="01234", window_start=dt.time(9), window_end=dt.time(18))
    assert runs_of(practice_a, rosa) == [("email", "pending", at(2030, 6, 10, 9))]


@pytest.mark.parametrize(
    ("evening", "next_morning_utc"),
    [
        # Clocks go forward in the night to Sunday 31 March 2030: 08:00 is 06:00 UTC.
        (at(2030, 3, 30, 21), dt.datetime(2030, 3, 31, 6, tzinfo=UTC)),
        # Clocks go back in the night to Sunday 27 October 2030: 08:00 is 07:00 UTC.
        (at(2030, 10, 26, 21), dt.datetime(2030, 10, 27, 7, tzinfo=UTC)),
    ],
)
def test_quiet_hours_across_a_daylight_saving_change_wait_for_local_eight(
    practice_a, live, evening, next_morning_utc
):
    rosa = make_patient(practice_a, name="Rosa", city="Roma")
    with time_machine.travel(evening, tick=False):
        live(ROMA, [email()], window_start=dt.time(8), window_end=dt.time(20))
    assert runs_of(practice_a, rosa) == [("email", "pending", next_morning_utc)]


def test_a_pause_over_the_spring_forward_night_adds_real_hours_then_clamps(practice_a, live):
    # Saturday 30 March 2030 19:00 local (18:00 UTC) + 12 h = 06:00 UTC = 08:00 CEST,
    # outside 09:00-18:00: waits for 09:00 CEST (07:00 UTC).
    rosa = make_patient(practice_a, name="Rosa", city="Roma")
    with time_machine.travel(at(2030, 3, 30, 19), tick=False):
        live(ROMA, [email(), pause(hours=12), email()], **ALWAYS)
        services.workflow_steps_run_due()
    version = for_practice(Enrolment, practice_a).get().version
    assert version.window_start == dt.time(0)
    assert runs_of(practice_a, rosa)[1] == (
        "email", "pending", dt.datetime(2030, 3, 31, 6, tzinfo=UTC)
    )  # fmt: skip


def test_quiet_hours_count_in_the_patients_usual_location_zone(practice_a, live, appointment_for):
    helsinki = f.LocationFactory(practice=practice_a, name="Helsinki", time_zone="Europe/Helsinki")
    rosa = make_patient(practice_a, name="Rosa", city="Roma")
    appointment_for(rosa, at(2030, 1, 10, 9), location=helsinki)
    with time_machine.travel(at(2030, 6, 3, 19), tick=False):  # 20:00 in Helsinki
        live(ROMA, [email()], window_start=dt.time(9), window_end=dt.time(18))
    assert runs_of(practice_a, rosa) == [
        ("email", "pending", at(2030, 6, 4, 9, zone="Europe/Helsinki"))
    ]


def test_a_run_picked_up_late_outside_the_allowed_hours_waits_again(practice_a, live):
    """A worker down at 17:55 and back at 18:30 must not send at 18:30."""
    rosa = make_patient(practice_a, name="Rosa", city="Roma")
    with time_machine.travel(at(2030, 6, 3, 17, 55), tick=False):
        live(ROMA, [email()], window_start=dt.time(9), window_end=dt.time(18))
    with time_machine.travel(at(2030, 6, 3, 18, 30), tick=False):
        assert services.workflow_steps_run_due() == 1
    assert messages(practice_a) == []
    assert runs_of(practice_a, rosa) == [("email", "pending", at(2030, 6, 4, 9))]


def test_a_worker_killed_between_claiming_and_finishing_neither_skips_nor_doubles_a_step(
    practice_a, live
):
    # given: a worker claims the due runs and dies before running them
    for name in ("Rosa", "Romeo"):
        make_patient(practice_a, name=name, city="Roma")
    live(ROMA, [email(), email(subject="Second")], **ALWAYS)
    start = timezone.now()
    claimed = runner.claim_due_runs(limit=100, now=start)
    assert len(claimed) == 2
    # when: other workers come by: before the claim is stale they leave the runs alone
    with time_machine.travel(start + dt.timedelta(seconds=60), tick=False):
        assert services.workflow_steps_run_due() == 0
    assert messages(practice_a) == []
    # then: once stale, they are run, once
    with time_machine.travel(start + dt.timedelta(seconds=301), tick=False):
        # the first emails, then the second ones (due at once), batch after batch
        assert services.workflow_steps_run_due() == 4
        assert services.workflow_steps_run_due() == 0
    sent = messages(practice_a)
    assert len(sent) == 4
    assert len({m.idempotency_key for m in sent}) == 4
    assert set(for_practice(StepRun, practice_a).values_list("state", flat=True)) == {"done"}


def test_a_worker_dying_inside_the_step_leaves_nothing_half_done(practice_a, live, monkeypatch):
    make_patient(practice_a, name="Rosa", city="Roma")
    live(ROMA, [email()], **ALWAYS)
    start = timezone.now()

    def die(batch):
        raise SystemExit("killed")  # after the message was queued, before the run is done

    monkeypatch.setattr(runner, "_write", die)
    with pytest.raises(SystemExit):
        runner.run_due(now=start)
    monkeypatch.undo()
    assert messages(practice_a) == []  # rolled back with the rest
    assert for_practice(StepRun, practice_a).get().state == StepRun.State.RUNNING
    with time_machine.travel(start + dt.timedelta(seconds=301), tick=False):
        assert services.workflow_steps_run_due() == 1
    assert len(messages(practice_a)) == 1


def test_a_slow_worker_whose_run_was_reclaimed_does_not_run_it_again(practice_a, live):
    make_patient(practice_a, name="Rosa", city="Roma")
    live(ROMA, [email()], **ALWAYS)
    start = timezone.now()
    claimed = runner.claim_due_runs(limit=10, now=start)  # worker A, then it hangs
    with time_machine.travel(start + dt.timedelta(seconds=301), tick=False):
        assert services.workflow_steps_run_due() == 1  # worker B
    # worker A wakes up and finishes its claim
    runner.run_claimed(practice_a, [run_id for run_id, _p in claimed], claimed_at=start)
    assert len(messages(practice_a)) == 1
    assert for_practice(StepRun, practice_a).get().attempts == 2


def test_a_message_already_queued_under_the_steps_key_is_not_queued_twice(practice_a, live):
    rosa = make_patient(practice_a, name="Rosa", city="Roma")
    live(ROMA, [email()], **ALWAYS)
    run = for_practice(StepRun, practice_a).get()
    earlier = Message.objects.unscoped().create(
        practice=practice_a, client=rosa.client, patient=rosa, kind=Kind.MARKETING,
        channel="email", recipient=rosa.client.email, subject="s", body="b",
        due_at=timezone.now(), idempotency_key=message_key(run.enrolment_id, run.step_id),
    )  # fmt: skip
    services.workflow_steps_run_due()
    assert [m.pk for m in messages(practice_a)] == [earlier.pk]
    run.refresh_from_db()
    assert (run.state, run.message_id) == (StepRun.State.DONE, earlier.pk)


def test_claiming_takes_each_run_once(practice_a, live):
    for name in ("Rosa", "Romeo", "Remo"):
        make_patient(practice_a, name=name, city="Roma")
    live(ROMA, [email()], **ALWAYS)
    now = timezone.now()
    first = runner.claim_due_runs(limit=2, now=now)
    second = runner.claim_due_runs(limit=2, now=now)
    assert len(first) == 2
    assert len(second) == 1
    assert not {r for r, _p in first} & {r for r, _p in second}


def test_a_client_without_marketing_consent_skips_message_steps_and_goes_on(
    practice_a, live, sms_gateway_a
):
    # given: consent withdrawn (the unsubscribe link) before the steps run
    rosa = make_patient(practice_a, name="Rosa", city="Roma")
    live(ROMA, [email(), pause(minutes=1), sms()], **ALWAYS)
    Client.objects.unscoped().filter(pk=rosa.client_id).update(marketing_consent=False)
    # when
    services.workflow_steps_run_due()
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=2), tick=False):
        services.workflow_steps_run_due()
    # then: both steps skipped with the reason, nothing on its way, the enrolment done
    runs = for_practice(StepRun, practice_a).order_by("id")
    assert [run.state for run in runs] == ["skipped", "skipped"]
    assert "marketing consent" in runs[0].note
    assert all(m.status == Message.Status.FAILED for m in messages(practice_a))
    assert for_practice(Enrolment, practice_a).get().state == Enrolment.State.COMPLETED


def test_a_client_who_opted_out_of_sms_skips_the_sms_step_but_still_gets_the_email(
    practice_a, live, sms_gateway_a
):
    rosa = make_patient(practice_a, name="Rosa", city="Roma", sms_opted_out=True)
    live(ROMA, [sms(), email()], **ALWAYS)
    services.workflow_steps_run_due()
    services.workflow_steps_run_due()
    assert [(kind, state) for kind, state, _due in runs_of(practice_a, rosa)] == [
        ("sms", "skipped"),
        ("email", "done"),
    ]
    assert [m.status for m in messages(practice_a)] == ["failed", "scheduled"]


def test_a_paused_workflows_steps_wait_and_run_when_it_is_active_again(practice_a, director, live):
    make_patient(practice_a, name="Rosa", city="Roma")
    workflow = live(ROMA, [email()], **ALWAYS)
    services.workflow_pause(practice_a, actor=director.user, workflow=workflow)
    assert services.workflow_steps_run_due() == 0
    services.workflow_activate(practice_a, actor=director.user, workflow=workflow)
    assert services.workflow_steps_run_due() == 1
    assert len(messages(practice_a)) == 1


def test_run_scheduler_runs_due_workflow_steps_without_celery_beat(practice_a, live):
    make_patient(practice_a, name="Rosa", city="Roma")
    live(ROMA, [email()], **ALWAYS)
    call_command("run_scheduler", "--once")
    [message] = messages(practice_a)
    assert message.status == Message.Status.SENT  # and the dispatcher sent it at once
