"""The task pages as reception uses them: the list, the top bar's count, Done, Reassign,
the patient card's panel and 'Add task'; another practice's ids answer 404."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from crm.models import Task

TASKS = reverse("task-list")


def _order(response) -> list[int]:
    """The task ids on a page (or a panel's text), top to bottom."""
    text = response if isinstance(response, str) else response.content.decode()
    return [int(pk) for pk in re.findall(r'id="task-(\d+)"', text)]


def _at(practice, *wall):
    """Travel to a wall-clock time in the practice's zone (the session is older than that:
    the test logs in again inside)."""
    return time_machine.travel(dt.datetime(*wall, tzinfo=practice.tz), tick=False)


def _badge(response) -> str | None:
    found = re.search(r'class="count-badge"[^>]*>(\d+)<', response.content.decode())
    return found[1] if found else None


def test_task_list_shows_overdue_then_due_soonest_then_no_due_time_then_done_newest_first(
    rita_client, make_task, practice_a, receptionist, director
):
    # given Rita's tasks in mixed order
    later = make_task(hours=30)
    no_due = make_task()
    long_overdue = make_task(hours=-50)
    soon = make_task(hours=2)
    overdue = make_task(hours=-1)
    done_first, done_last = make_task(hours=-3), make_task(hours=5)
    for task in (done_first, done_last):
        rita_client.post(reverse("task-done", args=[task.pk]))
    make_task(hours=-5, assignee=director)  # Dora's: not on Rita's list

    # when she opens her list, open only and with done ones
    open_only = rita_client.get(TASKS)
    everything = rita_client.get(TASKS, {"show": "done"})

    # then
    open_order = [long_overdue.pk, overdue.pk, soon.pk, later.pk, no_due.pk]
    assert _order(open_only) == open_order
    assert _order(everything) == [*open_order, done_last.pk, done_first.pk]


def test_the_top_bar_counts_the_members_open_tasks_due_today_or_without_due_time(
    rita_client, make_task, receptionist, practice_a, director, task_b
):
    # given Rita's tasks at 10:00 in Amsterdam: overdue, due tonight, none, tomorrow, done
    with _at(practice_a, 2030, 5, 6, 10):
        rita_client.force_login(receptionist.user)
        make_task(hours=-3)
        make_task(hours=11)  # 21:00 today
        make_task()
        make_task(hours=15)  # 01:00 tomorrow: not today's work
        done = make_task(hours=-1)
        rita_client.post(reverse("task-done", args=[done.pk]))
        make_task(hours=-1, assignee=director)  # Dora's

        # when she opens any page
        page = rita_client.get(reverse("patient-search"))

    # then the badge says 3
    assert page.status_code == 200
    assert _badge(page) == "3"


def test_no_badge_when_nothing_is_due(rita_client, make_task):
    make_task(hours=48)
    page = rita_client.get(reverse("patient-search"))
    assert 'href="/tasks/"' in page.content.decode()
    assert _badge(page) is None


def test_the_badge_is_one_query_however_many_tasks(
    rita_client, make_task, django_assert_num_queries
):
    # given a page with one task due, measured
    make_task(hours=-1)
    rita_client.get(reverse("patient-search"))  # warm the session
    with django_assert_num_queries(4) as one:  # session, user, memberships, badge
        rita_client.get(reverse("patient-search"))
    # when there are forty
    for _ in range(39):
        make_task(hours=-1)
    # then the page costs the same
    with django_assert_num_queries(len(one.captured_queries)):
        page = rita_client.get(reverse("patient-search"))
    assert _badge(page) == "40"
    assert sum("crm_task" in q["sql"] for q in one.captured_queries) == 1


def test_the_task_list_page_costs_a_fixed_number_of_queries(
    rita_client, make_task, practice_a, director, other_patient_a, django_assert_num_queries
):
    # session, user, memberships, staff for Reassign, the page's count and rows, badge
    make_task(hours=-1, created_by=director.user)
    rita_client.get(TASKS)
    with django_assert_num_queries(7):
        rita_client.get(TASKS)
    for n in range(60):
        make_task(
            hours=n - 30,
            patient=other_patient_a if n % 2 else make_task().patient,
            created_by=director.user,
            origin=Task.Origin.WORKFLOW if n % 3 else Task.Origin.STAFF,
            origin_id=n,
        )
    with django_assert_num_queries(7):
        response = rita_client.get(TASKS)
    assert len(_order(response)) == 50  # 50 a page
    assert rita_client.get(TASKS, {"page": 2}).status_code == 200


def test_each_task_links_its_patient_card_and_shows_type_description_due_and_origin(
    rita_client, make_task, receptionist, practice_a, patient_a
):
    with _at(practice_a, 2030, 5, 6, 10):
        rita_client.force_login(receptionist.user)
        make_task(
            due_at=dt.datetime(2030, 5, 6, 16, 30, tzinfo=practice_a.tz),
            kind=Task.Kind.PAYMENT,
            description="Remind about the open invoice",
            origin=Task.Origin.WORKFLOW,
            origin_id=3,
            origin_label="Unpaid after a week",
        )
        content = rita_client.get(TASKS).content.decode()

    assert f'href="/patients/{patient_a.pk}/"' in content
    assert "Anna de Vries" in content
    assert "Payment" in content
    assert "Remind about the open invoice" in content
    # 16:30 on Amsterdam's clock (the suite runs in Kathmandu, 14:15 UTC)
    assert "Today 16:30" in content
    assert "From workflow: Unpaid after a week" in content


def test_overdue_and_due_today_tasks_are_highlighted(
    rita_client, make_task, receptionist, practice_a
):
    with _at(practice_a, 2030, 5, 6, 10):
        rita_client.force_login(receptionist.user)
        overdue, today, tomorrow = make_task(hours=-1), make_task(hours=3), make_task(hours=26)
        content = rita_client.get(TASKS).content.decode()

    def classes(task):
        return re.search(rf'<li class="([^"]*)" id="task-{task.pk}"', content)[1].split()

    assert "due-overdue" in classes(overdue)
    assert "due-today" in classes(today)
    assert classes(tomorrow) == ["task"]
    assert "Overdue" in content
    assert "Due today" in content


def test_done_through_the_page_closes_the_task_and_goes_back(rita_client, make_task, receptionist):
    task = make_task(hours=-1)

    response = rita_client.post(reverse("task-done", args=[task.pk]), {"next": "/tasks/"})

    assert response.status_code == 302
    assert response["Location"] == "/tasks/"
    task.refresh_from_db()
    assert (task.status, task.done_by) == ("done", receptionist.user)
    assert task.pk not in _order(rita_client.get(TASKS))


def test_done_twice_answers_400_with_the_reason(rita_client, make_task):
    task = make_task()
    rita_client.post(reverse("task-done", args=[task.pk]))

    again = rita_client.post(reverse("task-done", args=[task.pk]))

    assert again.status_code == 400
    assert "This task is already closed." in again.content.decode()


def test_done_only_by_post(rita_client, make_task):
    task = make_task()
    assert rita_client.get(reverse("task-done", args=[task.pk])).status_code == 405
    task.refresh_from_db()
    assert task.is_open


def test_reassign_through_the_page_gives_the_task_to_a_colleague(rita_client, make_task, dentist):
    task = make_task(hours=-1)
    page = rita_client.get(TASKS).content.decode()
    assert f'<option value="{dentist.pk}">Dirk Dentist</option>' in page

    response = rita_client.post(reverse("task-reassign", args=[task.pk]), {"assignee": dentist.pk})

    assert response.status_code == 302
    task.refresh_from_db()
    assert task.assignee == dentist
    assert task.pk not in _order(rita_client.get(TASKS))


def test_reassign_to_another_practices_member_answers_404_like_a_missing_one(
    rita_client, make_task, receptionist, vet_b
):
    task = make_task()
    url = reverse("task-reassign", args=[task.pk])

    other = rita_client.post(url, {"assignee": vet_b.pk})
    missing = rita_client.post(url, {"assignee": 987_654})

    assert other.status_code == missing.status_code == 404
    task.refresh_from_db()
    assert task.assignee == receptionist


def test_reassign_to_an_inactive_colleague_answers_400_and_changes_nothing(
    rita_client, make_task, receptionist, dentist
):
    task = make_task()
    dentist.is_active = False
    dentist.save()

    response = rita_client.post(reverse("task-reassign", args=[task.pk]), {"assignee": dentist.pk})

    assert response.status_code == 400
    assert "Choose an active staff member of this practice." in response.content.decode()
    task.refresh_from_db()
    assert task.assignee == receptionist


@pytest.mark.parametrize("value", ["", "abc", "²"])
def test_reassign_without_a_readable_colleague_answers_400(rita_client, make_task, value):
    task = make_task()
    response = rita_client.post(reverse("task-reassign", args=[task.pk]), {"assignee": value})
    assert response.status_code == 400


@pytest.mark.parametrize("name", ["task-done", "task-reassign"])
def test_practice_bs_task_ids_answer_404_to_practice_a(rita_client, task_b, receptionist, name):
    other = rita_client.post(reverse(name, args=[task_b.pk]), {"assignee": receptionist.pk})
    missing = rita_client.post(reverse(name, args=[987_654]), {"assignee": receptionist.pk})
    assert other.status_code == missing.status_code == 404
    task_b.refresh_from_db()
    assert task_b.is_open
    assert task_b.assignee != receptionist


def test_practice_bs_tasks_never_show_in_as_list_or_badge(rita_client, task_b, receptionist):
    # even pointed at Rita's membership by a bug elsewhere
    Task.objects.unscoped().filter(pk=task_b.pk).update(assignee_id=receptionist.pk)
    page = rita_client.get(TASKS)
    assert _order(page) == []
    assert _badge(page) is None


def test_reception_sees_a_colleagues_list_and_a_dentist_only_their_own(
    client, rita_client, make_task, receptionist, dentist, vet_b
):
    dirks = make_task(hours=-1, assignee=dentist)
    ritas = make_task(hours=-1)

    assert _order(rita_client.get(TASKS, {"member": dentist.pk})) == [dirks.pk]
    assert rita_client.get(TASKS, {"member": vet_b.pk}).status_code == 404
    client.force_login(dentist.user)
    assert _order(client.get(TASKS, {"member": receptionist.pk})) == [dirks.pk]
    assert ritas.pk not in _order(client.get(TASKS))


def test_the_patient_card_loads_its_tasks_panel_by_url(rita_client, patient_a):
    card = rita_client.get(reverse("patient-card", args=[patient_a.pk])).content.decode()
    assert f'hx-get="/patients/{patient_a.pk}/tasks/"' in card


def test_the_patients_panel_shows_their_open_tasks_with_whose_they_are(
    rita_client, make_task, patient_a, other_patient_a, dentist
):
    mine = make_task(hours=-1, assignee=dentist, description="Send the x-rays")
    make_task(patient=other_patient_a, description="Not Anna's")
    done = make_task(description="Already done")
    rita_client.post(reverse("task-done", args=[done.pk]))

    panel = rita_client.get(
        reverse("patient-tasks", args=[patient_a.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()

    assert _order(panel) == [mine.pk]
    assert "Send the x-rays" in panel
    assert "Dirk Dentist" in panel
    assert "<html" not in panel  # a panel, not a page


def test_done_from_the_patient_card_goes_back_to_the_card(rita_client, make_task, patient_a):
    task = make_task()
    card = f"/patients/{patient_a.pk}/"
    response = rita_client.post(reverse("task-done", args=[task.pk]), {"next": card})
    assert response["Location"] == card


def test_add_task_from_the_patient_card_in_local_time(
    rita_client, patient_a, practice_a, dentist, receptionist
):
    # when Rita adds a task for Dirk due 14:00 on Amsterdam's clock
    response = rita_client.post(
        reverse("patient-task-add", args=[patient_a.pk]),
        {
            "kind": "other",
            "description": "Ask the lab about the crown",
            "assignee": dentist.pk,
            "due_date": "2030-05-06",
            "due_time": "14:00",
        },
    )

    # then it is Dirk's, due 12:00 UTC, made by Rita
    assert response.status_code == 302
    assert response["Location"] == f"/patients/{patient_a.pk}/"
    task = Task.objects.unscoped().get()
    assert (task.assignee, task.created_by, task.origin) == (dentist, receptionist.user, "staff")
    assert task.due_at == dt.datetime(2030, 5, 6, 12, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("wall", "utc"),
    [
        # the clocks skip 02:00–03:00: due by then means the moment they jump
        ("02:30", dt.datetime(2030, 3, 31, 1, tzinfo=dt.UTC)),
        ("03:30", dt.datetime(2030, 3, 31, 1, 30, tzinfo=dt.UTC)),
    ],
)
def test_add_task_due_on_the_spring_forward_night(rita_client, patient_a, receptionist, wall, utc):
    rita_client.post(
        reverse("patient-task-add", args=[patient_a.pk]),
        {
            "kind": "other",
            "description": "Night check",
            "assignee": receptionist.pk,
            "due_date": "2030-03-31",
            "due_time": wall,
        },
    )
    assert Task.objects.unscoped().get().due_at == utc


def test_add_task_due_in_the_repeated_hour_takes_its_first_instant(
    rita_client, patient_a, receptionist, practice_a
):
    rita_client.post(
        reverse("patient-task-add", args=[patient_a.pk]),
        {
            "kind": "other",
            "description": "Night check",
            "assignee": receptionist.pk,
            "due_date": "2030-10-27",
            "due_time": "02:30",
        },
    )
    task = Task.objects.unscoped().get()
    assert task.due_at == dt.datetime(2030, 10, 27, 0, 30, tzinfo=dt.UTC)  # summer time
    with time_machine.travel(dt.datetime(2030, 10, 27, 1, tzinfo=dt.UTC), tick=False):
        rita_client.force_login(receptionist.user)
        content = rita_client.get(TASKS).content.decode()
    assert "Today 02:30 (summer time)" in content


@pytest.mark.parametrize(
    ("fields", "field_error"),
    [
        ({"assignee": "987654"}, "Choose an active staff member of this practice."),
        ({"due_time": "09:00"}, "Give the day too."),
        ({"due_date": "2030-05-06"}, "Give the time too."),
        ({"due_date": "0001-01-01", "due_time": "09:00"}, ""),
        ({"description": "x" * 1001}, "1000"),
        ({"kind": "call"}, ""),
    ],
)
def test_add_task_with_bad_input_answers_400_with_the_reason_and_saves_nothing(
    rita_client, patient_a, receptionist, fields, field_error
):
    data = {"kind": "recall", "description": "Call", "assignee": receptionist.pk, **fields}
    response = rita_client.post(reverse("patient-task-add", args=[patient_a.pk]), data)
    assert response.status_code == 400
    assert field_error in response.content.decode()
    assert response.context["form"].errors
    assert not Task.objects.unscoped().exists()


def test_add_task_for_another_practices_member_is_refused(rita_client, patient_a, vet_b):
    data = {"kind": "recall", "description": "Call", "assignee": vet_b.pk}
    response = rita_client.post(reverse("patient-task-add", args=[patient_a.pk]), data)
    assert response.status_code == 400
    assert not Task.objects.unscoped().exists()


@pytest.mark.parametrize("name", ["patient-tasks", "patient-task-add"])
def test_practice_bs_patient_answers_404_on_the_task_panel(rita_client, patient_b, name):
    method = rita_client.post if name.endswith("add") else rita_client.get
    assert method(reverse(name, args=[patient_b.pk])).status_code == 404
    assert method(reverse(name, args=[987_654])).status_code == 404


def test_task_pages_need_a_login(client, make_task):
    task = make_task()
    assert client.get(TASKS).status_code == 302
    assert client.post(reverse("task-done", args=[task.pk])).status_code == 302
    task.refresh_from_db()
    assert task.is_open
