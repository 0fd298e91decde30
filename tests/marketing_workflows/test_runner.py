"""The runner: each step once, at an allowed local time, through messaging; a worker killed
while it holds a batch neither skips nor doubles a step, and two workers never take the
same run."""

import datetime as dt
import threading
from unittest import mock

import pytest
import time_machine
from django.core.management import call_command
from django.db import DatabaseError, InterfaceError, connection, transaction
from django.utils import timezone

from marketing_workflows import runner, services
from marketing_workflows.models import Enrolment, StepRun, message_key
from messaging.models import Kind, Message
from patients.models import Client
from practice.scoping import for_practice
from practice.tenancy import practice_scope

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


def test_a_worker_killed_inside_its_batch_leaves_nothing_half_done_and_the_next_runs_it_once(
    practice_a, live, monkeypatch
):
    # given: a worker takes the due runs, queues their messages, and is killed before the
    # runs are marked done (SystemExit: no error handler of the runner catches it)
    for name in ("Rosa", "Romeo"):
        make_patient(practice_a, name=name, city="Roma")
    live(ROMA, [email(), email(subject="Second")], **ALWAYS)
    start = timezone.now()

    def die(batch):
        assert len(batch.messages) == 2  # queued, in its transaction
        raise SystemExit("killed")

    monkeypatch.setattr(runner, "_write", die)
    with pytest.raises(SystemExit):
        runner.run_due(now=start)
    monkeypatch.undo()
    # then: its transaction rolled back with it: no message, the runs waiting as before
    assert messages(practice_a) == []
    assert set(for_practice(StepRun, practice_a).values_list("state", "attempts")) == {
        ("pending", 0)
    }
    # and the next worker runs them at once (no timeout to wait for), each step once:
    # the first emails, then the second ones (due at once), batch after batch
    assert services.workflow_steps_run_due() == 4
    assert services.workflow_steps_run_due() == 0
    sent = messages(practice_a)
    assert len(sent) == 4
    assert len({m.idempotency_key for m in sent}) == 4
    assert set(for_practice(StepRun, practice_a).values_list("state", flat=True)) == {"done"}


def _in_thread(target):
    """Run `target` in a thread of its own (its own database connection, closed after)."""
    result: dict = {}

    def run():
        try:
            result["value"] = target()
        except BaseException as error:  # noqa: BLE001 - handed back to the test
            result["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result


def _taken_ids(taken):
    return {run.pk for runs in taken.values() for run in runs}


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_second_worker_never_takes_a_run_the_first_one_holds(practice_a, live, on_postgres):
    # given: three due runs; worker A takes two and is still at work (its transaction open)
    for name in ("Rosa", "Romeo", "Remo"):
        make_patient(practice_a, name=name, city="Roma")
    live(ROMA, [email()], **ALWAYS)
    took, finish = threading.Event(), threading.Event()

    def worker_a():
        with transaction.atomic():
            taken = runner.take_due_runs(limit=2, now=timezone.now())
            took.set()
            assert finish.wait(30)
        return _taken_ids(taken)

    thread, a = _in_thread(worker_a)
    assert took.wait(30)
    try:
        # when: worker B takes what is due
        with transaction.atomic():
            b = _taken_ids(runner.take_due_runs(limit=10, now=timezone.now()))
    finally:
        finish.set()
        thread.join(30)
    # then: B got only the run A does not hold
    assert "error" not in a
    assert len(a["value"]) == 2
    assert len(b) == 1
    assert not a["value"] & b


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_worker_whose_connection_dies_holding_a_batch_leaves_it_to_the_next_at_once(
    practice_a, live, on_postgres
):
    # given: worker A takes both due runs and queues their messages, then hangs
    for name in ("Rosa", "Romeo"):
        make_patient(practice_a, name=name, city="Roma")
    live(ROMA, [email()], **ALWAYS)
    took, killed = threading.Event(), threading.Event()
    backend = []

    def worker_a():
        with transaction.atomic():
            taken = runner.take_due_runs(limit=10, now=timezone.now())
            for practice_id, runs in taken.items():
                with practice_scope(practice_a):
                    assert practice_id == practice_a.pk
                    runner._queue_messages(_sorted_batch(practice_a, runs))
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                backend.append(cursor.fetchone()[0])
            took.set()
            assert killed.wait(30)
            StepRun.objects.unscoped().count()  # the server is gone: this fails

    thread, a = _in_thread(worker_a)
    assert took.wait(30)
    # while it holds them, another worker takes nothing and queues nothing
    assert services.workflow_steps_run_due() == 0
    # when: its connection dies (the worker's machine went away), its locks with it
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [backend[0]])
    killed.set()
    thread.join(30)
    assert isinstance(a.get("error"), DatabaseError | InterfaceError)
    # then: the next worker runs both at once, each once
    assert services.workflow_steps_run_due() == 2
    sent = messages(practice_a)
    assert len(sent) == 2
    assert len({m.idempotency_key for m in sent}) == 2
    assert set(for_practice(StepRun, practice_a).values_list("state", flat=True)) == {"done"}


def _sorted_batch(practice, runs):
    batch = runner._Batch(practice, timezone.now())
    runner._load_steps(practice, batch, runs)
    for run in runs:
        runner._sort(batch, run, set())
    return batch


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_workers_running_at_once_run_each_step_exactly_once(
    practice_a, live, settings, on_postgres
):
    # given: 30 patients, two steps each, small batches, two workers starting together
    settings.WORKFLOW_BATCH = 4
    for n in range(30):
        make_patient(practice_a, name=f"Patient {n}", city="Roma")
    live(ROMA, [email(), email(subject="Second")], **ALWAYS)
    barrier = threading.Barrier(2)

    def worker():
        barrier.wait(30)
        return services.workflow_steps_run_due()

    threads = [_in_thread(worker) for _ in range(2)]
    for thread, _result in threads:
        thread.join(60)
    # then: 60 runs between them, each taken by one, each message queued once
    results = [result for _thread, result in threads]
    assert [result.get("error") for result in results] == [None, None]
    assert sum(result["value"] for result in results) == 60
    sent = messages(practice_a)
    assert len(sent) == 60
    assert len({m.idempotency_key for m in sent}) == 60
    assert set(for_practice(StepRun, practice_a).values_list("state", flat=True)) == {"done"}
    assert set(for_practice(Enrolment, practice_a).values_list("state", flat=True)) == {"completed"}


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_backlog_is_drained_by_threads_side_by_side_each_step_exactly_once(
    practice_a, live, settings, on_postgres
):
    # given: 30 patients, two steps each, a backlog of many small batches
    settings.WORKFLOW_BATCH = 4
    for n in range(30):
        make_patient(practice_a, name=f"Patient {n}", city="Roma")
    live(ROMA, [email(), email(subject="Second")], **ALWAYS)
    threads_seen = set()
    take = runner.take_due_runs

    def spy(**kwargs):
        threads_seen.add(threading.current_thread().name)
        return take(**kwargs)

    with mock.patch.object(runner, "take_due_runs", spy):
        # when: one call drains it with three threads
        taken = services.workflow_steps_run_due(workers=3)
    # then: the threads shared the work, and every step ran once
    assert taken == 60
    assert len({name for name in threads_seen if name.startswith("workflow-runs")}) >= 2
    sent = messages(practice_a)
    assert len(sent) == 60
    assert len({m.idempotency_key for m in sent}) == 60
    assert set(for_practice(StepRun, practice_a).values_list("state", flat=True)) == {"done"}


def test_a_practice_whose_runs_fail_is_tried_again_later_and_the_others_go_on(
    practice_a, practice_b, outsider, live, monkeypatch, caplog
):
    # given: a due run in practice A, and one in practice B, whose data breaks the step
    make_patient(practice_a, name="Rosa", city="Roma")
    live(ROMA, [email()], **ALWAYS)
    make_patient(practice_b, name="Musti", city="Helsinki")
    workflow_b = services.workflow_create(practice_b, actor=outsider.user, name="Rokotus")
    services.workflow_version_save(
        practice_b,
        actor=outsider.user,
        workflow=workflow_b,
        settings={"enrol_existing": True, **ALWAYS},
        criteria=[crit("patient", "city", "eq", "Helsinki")],
        steps=[email()],
    )
    services.workflow_activate(practice_b, actor=outsider.user, workflow=workflow_b)
    run_b = for_practice(StepRun, practice_b).get()
    real_run_taken = runner.run_taken

    def broken_for_b(practice, runs):
        if practice.pk == practice_b.pk:
            raise ValueError("broken data")
        return real_run_taken(practice, runs)

    monkeypatch.setattr(runner, "run_taken", broken_for_b)
    start = timezone.now()
    # when
    with time_machine.travel(start, tick=False):
        assert services.workflow_steps_run_due() == 2
    # then: A's run is done; B's waits, put back by WORKFLOW_RETRY_SECONDS, its failure
    # counted and logged; the loop did not take it again and again
    assert "Workflow runs of practice" in caplog.text
    run_b.refresh_from_db()
    assert (run_b.state, run_b.attempts) == ("pending", 1)
    assert run_b.due_at == start + dt.timedelta(seconds=300)
    assert for_practice(StepRun, practice_a).get().state == "done"
    assert not for_practice(Message, practice_b).exists()
    # and once it works again, it runs then, once
    monkeypatch.undo()
    with time_machine.travel(start + dt.timedelta(seconds=301), tick=False):
        assert services.workflow_steps_run_due() == 1
    run_b.refresh_from_db()
    assert run_b.state == "done"
    assert for_practice(Message, practice_b).count() == 1


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
