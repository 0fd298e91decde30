"""Task pages: a member's task list, Done and Reassign (plain POST forms that work without
JavaScript), and the patient card's tasks panel with 'Add task'."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patients.access import access_patient_by_id
from practice.models import Membership
from practice.parsing import InvalidInput, parse_id, query_param, safe_next
from practice.rights import Right, has_right
from practice.scoping import get_for_practice_or_404
from practice.views_helpers import apply_validation_error, staff_view

from . import selectors, services
from .display import with_due_display
from .forms import TaskForm
from .models import Task

PAGE_SIZE = 50


def _staff_choices(practice) -> list[Membership]:
    return sorted(selectors.assignable_staff(practice), key=lambda m: m.name.lower())


def _whose(request: HttpRequest) -> Membership:
    """The member whose list is shown: oneself, or (directors and reception, who share out
    the desk's work) the colleague named by `?member=`."""
    wanted = query_param(request.GET, "member", parse_id)
    if wanted is None or not has_right(request.membership, Right.VIEW_REPORTS):
        return request.membership
    return get_for_practice_or_404(Membership, request.practice, wanted)


def _list_page(request: HttpRequest, *, status: int = 200) -> HttpResponse:
    practice = request.practice
    member = _whose(request)
    show_done = request.GET.get("show") == "done"
    tasks = selectors.task_list(practice, assignee=member, include_done=show_done)
    page = Paginator(tasks, PAGE_SIZE).get_page(request.GET.get("page"))
    staff = _staff_choices(practice)
    return render(
        request,
        "crm/task_list.html",
        {
            "page": page,
            "tasks": with_due_display(page.object_list, practice),
            "member": member,
            "is_own": member.pk == request.membership.pk,
            "can_choose_member": has_right(request.membership, Right.VIEW_REPORTS),
            "show_done": show_done,
            "staff": staff,
            "back": request.get_full_path(),
        },
        status=status,
    )


@staff_view()
def task_list_page(request: HttpRequest) -> HttpResponse:
    return _list_page(request)


def _refused(request: HttpRequest, error: ValidationError) -> HttpResponse:
    """A write the service refused: the list again, the reason on top, 400."""
    for message in error.messages:
        messages.error(request, message)
    return _list_page(request, status=400)


def _back(request: HttpRequest) -> str:
    return safe_next(request, request.POST.get("next")) or reverse("task-list")


@require_POST
@staff_view()
def task_done(request: HttpRequest, task_id: int) -> HttpResponse:
    task = get_for_practice_or_404(Task, request.practice, task_id)
    try:
        task = services.task_complete(request.practice, actor=request.user, task=task)
    except ValidationError as error:
        return _refused(request, error)
    messages.success(
        request,
        _("Done: %(kind)s for %(patient)s.")
        % {"kind": task.get_kind_display(), "patient": task.patient.name},
    )
    return redirect(_back(request))


@require_POST
@staff_view()
def task_reassign(request: HttpRequest, task_id: int) -> HttpResponse:
    practice = request.practice
    task = get_for_practice_or_404(Task, practice, task_id)
    assignee_id = query_param(request.POST, "assignee", parse_id)
    if assignee_id is None:
        raise InvalidInput("assignee", _("Choose who takes the task over."))
    # Another practice's member answers exactly like a missing one.
    assignee = get_for_practice_or_404(Membership, practice, assignee_id)
    try:
        task = services.task_reassign(practice, actor=request.user, task=task, assignee=assignee)
    except ValidationError as error:
        return _refused(request, error)
    messages.success(
        request,
        _("%(kind)s for %(patient)s is now %(name)s's task.")
        % {"kind": task.get_kind_display(), "patient": task.patient.name, "name": assignee.name},
    )
    return redirect(_back(request))


def _patient_tasks(request, patient, form, *, status=200) -> HttpResponse:
    practice = request.practice
    template = "crm/_patient_tasks.html" if request.htmx else "crm/patient_tasks.html"
    return render(
        request,
        template,
        {
            "patient": patient,
            "tasks": with_due_display(selectors.patient_tasks(practice, patient.pk), practice),
            "staff": _staff_choices(practice),
            "form": form,
            "back": reverse("patient-card", args=[patient.pk]),
        },
        status=status,
    )


@staff_view()
def patient_tasks_panel(request: HttpRequest, patient_id: int) -> HttpResponse:
    """The patient card's panel (loaded by URL, so `patients` never imports this app); a
    page of its own without JavaScript."""
    patient = access_patient_by_id(request.practice, patient_id)
    form = TaskForm(practice=request.practice, initial={"assignee": request.membership.pk})
    return _patient_tasks(request, patient, form)


@require_POST
@staff_view()
def patient_task_add(request: HttpRequest, patient_id: int) -> HttpResponse:
    practice = request.practice
    patient = access_patient_by_id(practice, patient_id)
    form = TaskForm(request.POST, practice=practice)
    if form.is_valid():
        data = form.cleaned_data
        try:
            task = services.task_create(
                practice,
                actor=request.user,
                patient=patient,
                kind=data["kind"],
                description=data["description"],
                assignee=data["assignee"],
                due_at=data["due_at"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _("Task added for %(name)s.") % {"name": task.assignee.name},
            )
            return redirect("patient-card", patient.pk)
    return _patient_tasks(request, patient, form, status=400)
