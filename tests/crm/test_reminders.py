"""Due reminders: one email to the person responsible when a task falls due, never twice,
in the assignee's own language (else the practice's), claimed with SKIP LOCKED by beat or
run_scheduler."""

import datetime as dt
import threading

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from crm import services
from crm.models import Task
from crm.reminders import claim_due_reminders, remind_due_tasks
from crm.tasks import remind_due_tasks_task
from practice import localtime
from practice.models import StaffProfile

from .. import factories as f


@pytest.fixture
def rita_has_email(receptionist):
    receptionist.user.email = "rita@centrum.example"
    receptionist.user.save()
    return receptionist


def test_a_due_task_emails_its_assignee_once(rita_has_email, make_task):
    task = make_task(hours=-1)
    make_task(hours=2)  # not due yet
    make_task()  # no due time: never reminded

    assert remind_due_tasks_task() == 1
    assert remind_due_tasks_task() == 0  # the next tick finds nothing

    assert [m.to for m in mail.outbox] == [["rita@centrum.example"]]
    task.refresh_from_db()
    assert task.reminded_at is not None


def test_the_reminder_names_patient_type_description_due_time_and_the_task_list(
    rita_has_email, make_task, practice_a, settings
):
    settings.PUBLIC_BASE_URL = "https://app.example"
    practice_a.language = "en"
    practice_a.save()
    due = dt.datetime(2030, 5, 6, 16, 30, tzinfo=practice_a.tz)
    make_task(
        due_at=due,
        kind=Task.Kind.PAYMENT,
        description="Remind about the open invoice",
        origin=Task.Origin.WORKFLOW,
        origin_id=3,
        origin_label="Unpaid after a week",
    )

    with time_machine.travel(due + dt.timedelta(minutes=1), tick=False):
        remind_due_tasks()

    (email,) = mail.outbox
    assert email.subject == "Task due: Payment, Anna de Vries"
    assert "Hello Rita Reception," in email.body
    assert "Patient: Anna de Vries" in email.body
    assert "Type: Payment" in email.body
    assert "Description: Remind about the open invoice" in email.body
    # on Amsterdam's clock, not the server's (Kathmandu) nor UTC
    assert "Due: Monday 6 May 2030, 16:30" in email.body
    assert "Made by: Unpaid after a week" in email.body
    assert "https://app.example/tasks/" in email.body


def test_the_reminder_speaks_the_practices_language(practice_b, patient_b, outsider):
    outsider.user.email = "otto@kivi.example"
    outsider.user.save()
    # Otto has not chosen a language of his own: the practice's (Finnish) is his.
    StaffProfile.objects.filter(user=outsider.user).delete()
    task = Task.objects.unscoped().create(
        practice=practice_b,
        patient=patient_b,
        kind=Task.Kind.OTHER,
        assignee=outsider,
        due_at=timezone.now() - dt.timedelta(minutes=5),
    )

    remind_due_tasks()

    (email,) = mail.outbox
    assert "Potilas: Musti" in email.body  # "Patient" in Finnish
    assert "Tyyppi: Muu" in email.body  # "Type: Other"
    weekday = localtime.local_date(task.due_at, practice_b.tz).weekday()
    finnish_days = ["maanantai", "tiistai", "keskiviikko", "torstai", "perjantai"]
    finnish_days += ["lauantai", "sunnuntai"]
    assert f"{finnish_days[weekday]} " in email.body.lower()  # the date in Finnish


def test_a_member_without_email_is_just_marked_reminded(receptionist, make_task):
    assert receptionist.user.email == ""
    task = make_task(hours=-1)

    assert remind_due_tasks() == 1

    assert mail.outbox == []
    task.refresh_from_db()
    assert task.reminded_at is not None


def test_done_tasks_are_not_reminded(rita_has_email, make_task, practice_a):
    task = make_task(hours=-1)
    services.task_complete(practice_a, actor=rita_has_email.user, task=task)
    assert remind_due_tasks() == 0
    assert mail.outbox == []


def test_a_task_reassigned_after_its_reminder_reminds_the_new_person(
    rita_has_email, make_task, practice_a, dentist
):
    dentist.user.email = "dirk@centrum.example"
    dentist.user.save()
    task = make_task(hours=-1)
    remind_due_tasks()

    services.task_reassign(practice_a, actor=rita_has_email.user, task=task, assignee=dentist)
    remind_due_tasks()

    assert [m.to for m in mail.outbox] == [["rita@centrum.example"], ["dirk@centrum.example"]]


def test_a_failing_mail_server_never_causes_a_second_reminder(
    rita_has_email, make_task, monkeypatch
):
    def broken(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr("crm.reminders.send_mail", broken)
    task = make_task(hours=-1)

    assert remind_due_tasks() == 1
    monkeypatch.undo()
    assert remind_due_tasks() == 0  # at most once: the list still shows it overdue
    task.refresh_from_db()
    assert task.reminded_at is not None


def test_run_scheduler_ticks_the_reminders_without_celery(rita_has_email, make_task):
    make_task(hours=-1)
    call_command("run_scheduler", "--once", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert len(mail.outbox) == 1


def test_celery_beat_runs_the_reminders():
    entries = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "crm.tasks.remind_due_tasks_task" in entries


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_claimers_at_once_remind_each_task_once(on_postgres, practice_a, patient_a):
    # given 30 due tasks
    member = f.MembershipFactory(
        practice=practice_a, user=f.UserFactory(username="rita2", email="rita2@centrum.example")
    )
    due = timezone.now() - dt.timedelta(minutes=1)
    Task.objects.unscoped().bulk_create(
        Task(practice=practice_a, patient=patient_a, kind="recall", assignee=member, due_at=due)
        for _ in range(30)
    )
    claimed_by_a: list[int] = []
    a_holds_its_claim, b_is_done = threading.Event(), threading.Event()

    def claimer_a():
        # claims 10 and keeps its transaction (and row locks) open while B runs
        with transaction.atomic():
            claimed_by_a.extend(claim_due_reminders(limit=10))
            a_holds_its_claim.set()
            b_is_done.wait(timeout=30)
        connection.close()

    # when B runs a whole tick while A's claim is not yet committed
    thread = threading.Thread(target=claimer_a)
    thread.start()
    assert a_holds_its_claim.wait(timeout=30)
    try:
        claimed_by_b = remind_due_tasks(limit=100)
    finally:
        b_is_done.set()
        thread.join()

    # then B skipped A's locked rows, and a later tick finds nothing left
    assert len(claimed_by_a) == 10
    assert claimed_by_b == 20
    assert remind_due_tasks(limit=100) == 0
    assert len(mail.outbox) == 20  # B's; A only claimed (its caller sends)
    assert Task.objects.unscoped().filter(reminded_at__isnull=True).count() == 0


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_never_send_a_reminder_twice(on_postgres, practice_a, patient_a):
    member = f.MembershipFactory(
        practice=practice_a, user=f.UserFactory(username="rita3", email="rita3@centrum.example")
    )
    due = timezone.now() - dt.timedelta(minutes=1)
    tasks = Task.objects.unscoped().bulk_create(
        Task(practice=practice_a, patient=patient_a, kind="recall", assignee=member, due_at=due)
        for _ in range(120)
    )
    claimed: list[list[int]] = [[], []]
    barrier = threading.Barrier(2)

    def worker(n):
        barrier.wait()
        while ids := claim_due_reminders(limit=7):
            claimed[n].extend(ids)
        connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not set(claimed[0]) & set(claimed[1])
    assert sorted(claimed[0] + claimed[1]) == sorted(t.pk for t in tasks)


def test_the_reminder_speaks_the_assignees_own_language(practice_b, patient_b, outsider):
    # given: Otto works in the Finnish practice but chose Russian for himself
    outsider.user.email = "otto@kivi.example"
    outsider.user.save()
    StaffProfile.objects.filter(user=outsider.user).update(language="ru")
    Task.objects.unscoped().create(
        practice=practice_b,
        patient=patient_b,
        kind=Task.Kind.OTHER,
        assignee=outsider,
        due_at=timezone.now() - dt.timedelta(minutes=5),
    )
    # when
    remind_due_tasks()
    # then
    (email,) = mail.outbox
    assert "Пациент: Musti" in email.body
