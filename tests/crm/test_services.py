"""The task services: who may give a task to whom, closing a workflow's tasks, the figures
a workflow shows, and the audit row each write leaves."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from crm import selectors, services
from crm.models import Task
from practice.models import AuditLog

WORKFLOW = Task.Origin.WORKFLOW


def _create(practice, actor, patient, assignee, **fields):
    return services.task_create(
        practice,
        actor=actor,
        patient=patient,
        kind=fields.pop("kind", Task.Kind.RECALL),
        description=fields.pop("description", "Call about the check-up"),
        assignee=assignee,
        **fields,
    )


def test_task_create_stores_the_due_time_in_utc_and_writes_an_audit_row(
    practice_a, director, receptionist, patient_a
):
    due = dt.datetime(2030, 5, 6, 14, 30, tzinfo=practice_a.tz)

    task = _create(practice_a, director.user, patient_a, receptionist, due_at=due)

    task.refresh_from_db()
    assert task.due_at == due
    assert task.due_at.utcoffset() == dt.timedelta(0)
    assert (task.status, task.created_by, task.origin) == ("open", director.user, "staff")
    audit = AuditLog.objects.unscoped().get(object_type="crm.task", object_id=task.pk)
    assert (audit.action, audit.actor) == ("task.create", director.user)


def test_a_workflow_creates_tasks_without_an_actor_and_names_itself(
    practice_a, receptionist, patient_a
):
    task = _create(
        practice_a,
        None,
        patient_a,
        receptionist,
        origin=WORKFLOW,
        origin_id=7,
        origin_label="Recall after six months",
    )
    assert (task.created_by, task.origin_id, task.origin_label) == (
        None,
        7,
        "Recall after six months",
    )


def test_a_staff_task_needs_a_member_as_actor(practice_a, receptionist, patient_a, outsider):
    with pytest.raises(PermissionDenied):
        _create(practice_a, None, patient_a, receptionist)
    with pytest.raises(PermissionDenied):  # practice B's director is nobody in A
        _create(practice_a, outsider.user, patient_a, receptionist)
    assert not Task.objects.unscoped().exists()


def test_task_create_refuses_another_practices_member_like_an_inactive_one(
    practice_a, director, receptionist, patient_a, outsider
):
    receptionist.is_active = False
    receptionist.save()
    for assignee in (outsider, receptionist):
        with pytest.raises(ValidationError) as refused:
            _create(practice_a, director.user, patient_a, assignee)
        assert refused.value.message_dict == {
            "assignee": ["Choose an active staff member of this practice."]
        }
    assert not Task.objects.unscoped().exists()


def test_task_create_refuses_another_practices_patient_and_unknown_kinds(
    practice_a, director, receptionist, patient_a, patient_b
):
    with pytest.raises(ValidationError, match="not in this practice"):
        _create(practice_a, director.user, patient_b, receptionist)
    with pytest.raises(ValidationError, match="type"):
        _create(practice_a, director.user, patient_a, receptionist, kind="call")
    with pytest.raises(ValidationError, match="names it"):
        _create(practice_a, director.user, patient_a, receptionist, origin=WORKFLOW)
    with pytest.raises(ValidationError, match="time zone"):
        _create(
            practice_a, director.user, patient_a, receptionist, due_at=dt.datetime(2030, 1, 1, 9)
        )
    assert not Task.objects.unscoped().exists()


def test_any_active_member_completes_a_colleagues_task(make_task, practice_a, dentist):
    task = make_task(hours=-1)

    services.task_complete(practice_a, actor=dentist.user, task=task)

    task.refresh_from_db()
    assert (task.status, task.done_by) == ("done", dentist.user)
    assert task.done_at is not None
    assert AuditLog.objects.unscoped().filter(action="task.complete", object_id=task.pk).exists()


def test_a_closed_task_cannot_be_completed_or_reassigned_again(
    make_task, practice_a, director, dentist
):
    task = make_task()
    services.task_complete(practice_a, actor=director.user, task=task)
    with pytest.raises(ValidationError, match="already closed"):
        services.task_complete(practice_a, actor=director.user, task=task)
    with pytest.raises(ValidationError, match="already closed"):
        services.task_reassign(practice_a, actor=director.user, task=task, assignee=dentist)


def test_another_practices_staff_cannot_touch_a_task(make_task, practice_a, outsider, vet_b):
    task = make_task()
    with pytest.raises(PermissionDenied):
        services.task_complete(practice_a, actor=outsider.user, task=task)
    with pytest.raises(PermissionDenied):
        services.task_reassign(practice_a, actor=outsider.user, task=task, assignee=vet_b)
    task.refresh_from_db()
    assert task.is_open


def test_reassign_moves_the_task_and_its_reminder_to_the_new_person(
    make_task, practice_a, director, dentist
):
    task = make_task(hours=-1, reminded_at=timezone.now())
    previous = task.assignee_id

    services.task_reassign(practice_a, actor=director.user, task=task, assignee=dentist)

    task.refresh_from_db()
    assert (task.assignee, task.reminded_at) == (dentist, None)
    audit = AuditLog.objects.unscoped().get(action="task.reassign", object_id=task.pk)
    assert audit.data == {"from": previous, "to": dentist.pk}


def test_reassign_refuses_another_practices_member(make_task, practice_a, director, vet_b):
    task = make_task()
    with pytest.raises(ValidationError, match="active staff member of this practice"):
        services.task_reassign(practice_a, actor=director.user, task=task, assignee=vet_b)
    task.refresh_from_db()
    assert task.assignee_id != vet_b.pk


def test_tasks_close_open_closes_only_that_origins_open_tasks_of_that_patient(
    make_task, practice_a, patient_a, other_patient_a, receptionist
):
    # given tasks of workflow 7 and of others, for Anna and for Bram
    mine = make_task(origin=WORKFLOW, origin_id=7)
    mine_payment = make_task(origin=WORKFLOW, origin_id=7, kind=Task.Kind.PAYMENT)
    done = make_task(origin=WORKFLOW, origin_id=7)
    services.task_complete(practice_a, actor=receptionist.user, task=done)
    other_workflow = make_task(origin=WORKFLOW, origin_id=8)
    staff_made = make_task()
    other_patient = make_task(origin=WORKFLOW, origin_id=7, patient=other_patient_a)

    # when workflow 7 closes Anna's open recall tasks
    closed = services.tasks_close_open(
        practice_a,
        actor=None,
        patient=patient_a,
        origin=WORKFLOW,
        origin_id=7,
        kinds=[Task.Kind.RECALL],
        note="Booked online",
    )

    # then only that one is cancelled, with the note
    assert closed == 1
    statuses = {
        t.pk: t.status
        for t in Task.objects.unscoped().filter(
            pk__in=[mine.pk, mine_payment.pk, done.pk, other_workflow.pk, staff_made.pk]
        )
    }
    assert statuses == {
        mine.pk: "cancelled",
        mine_payment.pk: "open",
        done.pk: "done",
        other_workflow.pk: "open",
        staff_made.pk: "open",
    }
    mine.refresh_from_db()
    other_patient.refresh_from_db()
    assert (mine.close_note, mine.done_by, other_patient.status) == ("Booked online", None, "open")
    assert mine.done_at is not None
    assert AuditLog.objects.unscoped().filter(action="task.close", object_id=mine.pk).exists()
    # and without kinds, every open task of that origin and patient goes
    assert (
        services.tasks_close_open(
            practice_a, actor=None, patient=patient_a, origin=WORKFLOW, origin_id=7
        )
        == 1
    )


def test_tasks_close_open_never_reaches_another_practice(make_task, practice_b, patient_a):
    task = make_task(origin=WORKFLOW, origin_id=7)
    closed = services.tasks_close_open(
        practice_b, actor=None, patient=patient_a, origin=WORKFLOW, origin_id=7
    )
    task.refresh_from_db()
    assert (closed, task.status) == (0, "open")


def test_task_counts_by_origin_counts_created_done_open_and_cancelled(
    make_task, practice_a, patient_a, receptionist, django_assert_num_queries
):
    for _ in range(3):
        make_task(origin=WORKFLOW, origin_id=7)
    services.task_complete(
        practice_a, actor=receptionist.user, task=make_task(origin=WORKFLOW, origin_id=7)
    )
    make_task(origin=WORKFLOW, origin_id=8)
    make_task()
    services.tasks_close_open(
        practice_a,
        actor=None,
        patient=patient_a,
        origin=WORKFLOW,
        origin_id=7,
        kinds=[Task.Kind.RECALL],
    )
    make_task(origin=WORKFLOW, origin_id=7)

    with django_assert_num_queries(1):
        counts = selectors.task_counts_by_origin(practice_a, WORKFLOW, 7)

    assert counts == selectors.TaskCounts(created=5, done=1, open=1, cancelled=3)


def test_the_database_refuses_a_closed_task_without_a_closing_time(make_task):
    from django.db import IntegrityError, transaction

    task = make_task()
    with pytest.raises(IntegrityError), transaction.atomic():
        Task.objects.unscoped().filter(pk=task.pk).update(status="done")


def test_an_open_task_of_an_inactive_member_stays_listed_for_reassignment(
    make_task, practice_a, receptionist, director
):
    task = make_task()
    receptionist.is_active = False
    receptionist.save()
    assert list(selectors.task_list(practice_a, assignee=receptionist)) == [task]
    assert receptionist not in selectors.assignable_staff(practice_a)
    services.task_reassign(practice_a, actor=director.user, task=task, assignee=director)
    task.refresh_from_db()
    assert task.assignee == director
