"""Marketing → Workflows: the list, the builder, the dry run with Activate and Pause, the
workflow's statistics with its enrolled patients, and the patient card's workflows panel.

Views are thin: ids through get_for_practice_or_404, rules in the engine's services and
selectors (building.py saves name and version together), forms.py reads what was typed.
Every button works without JavaScript; htmx only avoids full reloads.
"""

from __future__ import annotations

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from django.views.decorators.http import require_POST

from messaging.templating import CLIENT_PLACEHOLDERS
from patients.access import access_patient_by_id
from practice.parsing import parse_id, query_param
from practice.rights import Right, has_right
from practice.scoping import for_practice, get_for_practice_or_404
from practice.views_helpers import htmx_redirect, is_htmx, staff_view

from . import building, checks, display, selectors, sending, services
from . import criteria as crit
from .forms import MAX_BODY, MAX_ROWS, TASK_KINDS, WEEKDAYS, Builder, active_staff
from .models import Criterion, Enrolment, Step, StepRun, Subject, Workflow, WorkflowVersion

PAGE_SIZE = 50


def _workflow(request: HttpRequest, wf_id: int) -> Workflow:
    return get_for_practice_or_404(Workflow, request.practice, wf_id)


def _state(workflow: Workflow | None) -> dict[str, str]:
    state = display.workflow_state(workflow) if workflow else display.DRAFT
    return {"state": state, "state_label": str(display.STATE_LABELS[state])}


def _summary(step: Step) -> str:
    """What a step does, in a few words (its subject, text, description or length)."""
    if step.kind == Step.Kind.PAUSE:
        return display.pause_label(step.pause_days, step.pause_hours, step.pause_minutes)
    if step.kind == Step.Kind.EMAIL:
        return step.subject
    if step.kind == Step.Kind.SMS:
        return step.body
    return step.task_description


# --- the list ----------------------------------------------------------------------------


@staff_view(Right.MANAGE_WORKFLOWS)
def workflow_list_page(request: HttpRequest) -> HttpResponse:
    practice = request.practice
    workflows = list(selectors.workflow_list(practice))
    for workflow in workflows:
        workflow.state = display.workflow_state(workflow)
        workflow.state_label = display.STATE_LABELS[workflow.state]
        workflow.last_activity_label = display.moment_label(
            selectors.last_activity(workflow), practice.tz
        )
    return render(
        request,
        "marketing_workflows/list.html",
        {"workflows": workflows, "state_labels": display.STATE_LABELS},
    )


# --- the builder -------------------------------------------------------------------------


def _preview(practice, rows) -> dict:
    """How many patients the criteria typed so far match now, and a few names; or which
    criteria cannot be read yet (nothing is counted then)."""
    parsed, problems = crit.criteria_rows(practice, rows)
    unreadable = [
        (row, [message for messages in errors.values() for message in messages])
        for row, errors in zip(rows, problems, strict=True)
        if errors
    ]
    if unreadable:
        return {"unreadable": unreadable}
    found = selectors.workflow_preview(practice, criteria=parsed)
    return {"count": found.count, "names": found.names, "no_criteria": not rows}


def _builder_context(request: HttpRequest, workflow: Workflow | None, builder: Builder) -> dict:
    practice = request.practice
    builder.decorate()
    version = workflow.current_version if workflow else None
    has_tasks = any(row.kind == Step.Kind.TASK for row in builder.steps)
    return {
        "workflow": workflow,
        "version": version,
        "live_version": version if version is not None and version.is_frozen else None,
        **_state(workflow),
        "builder": builder,
        "form": builder.form,
        "preview": _preview(practice, builder.criteria),
        "subjects": Subject.choices,
        "step_kinds": Step.Kind.choices,
        "task_kinds": TASK_KINDS,
        "staff": active_staff(practice) if has_tasks else [],
        "weekdays": WEEKDAYS,
        "placeholders": list(CLIENT_PLACEHOLDERS),
        "max_rows": MAX_ROWS,
        "max_segments": checks.MAX_SMS_SEGMENTS,
        "pause_parts": [
            ("pause_days", pgettext("unit after a number", "days")),
            ("pause_hours", _("hours")),
            ("pause_minutes", _("minutes")),
        ],  # fmt: skip
        "action_url": (
            reverse("workflow-edit", args=[workflow.pk]) if workflow else reverse("workflow-create")
        ),
    }


def _builder_page(
    request: HttpRequest, workflow: Workflow | None, builder: Builder, status: int = 200
) -> HttpResponse:
    context = _builder_context(request, workflow, builder)
    # htmx swaps the form only; a plain post gets the whole page.
    template = "builder.html" if not is_htmx(request) else "_builder_form.html"
    return render(request, f"marketing_workflows/{template}", context, status=status)


@staff_view(Right.MANAGE_WORKFLOWS)
def workflow_builder(request: HttpRequest, wf_id: int | None = None) -> HttpResponse:
    """Create (no id) or edit a workflow. Every button posts the form back with `op`:
    add, remove or move a row, preview, or save."""
    practice = request.practice
    workflow = None
    if wf_id is not None:
        workflow = _workflow_with_version(request, wf_id)
    if request.method != "POST":
        version = workflow.current_version if workflow else None
        name = workflow.name if workflow else ""
        return _builder_page(request, workflow, Builder.from_version(practice, name, version))
    builder = Builder.from_post(practice, request.POST)
    op = str(request.POST.get("op", ""))
    if op == "save":
        return _save(request, workflow, builder)
    builder.apply(op)
    return _builder_page(request, workflow, builder)


def _workflow_with_version(request: HttpRequest, wf_id: int) -> Workflow:
    workflow = _workflow(request, wf_id)
    if workflow.current_version_id is not None:
        workflow.current_version = get_for_practice_or_404(
            WorkflowVersion, request.practice, workflow.current_version_id
        )
    return workflow


def _save(request: HttpRequest, workflow: Workflow | None, builder: Builder) -> HttpResponse:
    practice = request.practice
    criteria, steps, unread = builder.engine_rows()
    settings = builder.form.settings()
    builder.show_unread(unread)
    # What the page could not read is not saved; the engine still says what else is wrong.
    save = not (unread or builder.form.errors)
    try:
        version = building.workflow_save_built(
            practice,
            actor=request.user,
            workflow=workflow,
            name=builder.name,
            settings=settings,
            criteria=criteria,
            steps=steps,
            save=save,
        )
    except checks.VersionInvalid as invalid:
        builder.show_errors(invalid.fields, invalid.criteria, invalid.steps)
        return _builder_page(request, workflow, builder, status=422)
    except ValidationError as refused:  # e.g. the new version's SMS would exceed the credit
        builder.problems.extend(refused.messages)
        return _builder_page(request, workflow, builder, status=422)
    if version is None:  # only checked
        return _builder_page(request, workflow, builder, status=422)
    return _after_save(request, version)


def _after_save(request: HttpRequest, version: WorkflowVersion) -> HttpResponse:
    workflow = get_for_practice_or_404(Workflow, request.practice, version.workflow_id)
    if workflow.is_active:
        flash.success(
            request,
            _("Saved as version %(number)s, live now. Patients already enrolled finish the "
              "version they entered.") % {"number": version.number},
        )  # fmt: skip
        return htmx_redirect(request, reverse("workflow-detail", args=[workflow.pk]))
    flash.success(request, _("Saved. Check the dry run, then activate the workflow."))
    return htmx_redirect(request, reverse("workflow-dry-run", args=[workflow.pk]))


@require_POST
@staff_view(Right.MANAGE_WORKFLOWS)
def workflow_preview(request: HttpRequest) -> HttpResponse:
    """htmx: the live preview for the criteria being typed."""
    builder = Builder.from_post(request.practice, request.POST)
    return render(
        request,
        "marketing_workflows/_preview.html",
        {"preview": _preview(request.practice, builder.criteria)},
    )


@require_POST
@staff_view(Right.MANAGE_WORKFLOWS)
def sms_segments(request: HttpRequest) -> HttpResponse:
    """htmx: the segment count of the SMS text being typed (the one `*-body` posted)."""
    text = next((str(v) for k, v in request.POST.items() if k.endswith("-body")), "")
    too_long = len(text) > MAX_BODY
    return render(
        request,
        "marketing_workflows/_segments.html",
        {
            "segments": 0 if too_long else sending.sample_segments(text),
            "characters": len(text),
            "too_long": too_long,
            "max_segments": checks.MAX_SMS_SEGMENTS,
        },
    )


# --- dry run, activate, pause ------------------------------------------------------------


def _dry_run_page(
    request: HttpRequest, workflow: Workflow, problems: list[str] | None = None, status: int = 200
) -> HttpResponse:
    practice = request.practice
    version = get_for_practice_or_404(WorkflowVersion, practice, workflow.current_version_id)
    workflow.current_version = version
    dry = selectors.workflow_dry_run(practice, version=version)
    return render(
        request,
        "marketing_workflows/dry_run.html",
        {
            "workflow": workflow,
            "version": version,
            **_state(workflow),
            "dry": dry,
            "timeline": [
                {
                    "local_label": entry.local_label,
                    "kind_label": (
                        entry.step.get_kind_display()
                        if entry.step.is_action
                        else _("Leaves the workflow")
                    ),
                    "summary": _summary(entry.step) if entry.step.is_action else "",
                }
                for entry in dry.timeline
            ],
            "problems": problems or [],
            "activation_problems": checks.activation_errors(
                list(for_practice(Criterion, practice).filter(version=version)),
                list(for_practice(Step, practice).filter(version=version)),
            ),
        },
        status=status,
    )


@staff_view(Right.MANAGE_WORKFLOWS)
def workflow_dry_run_page(request: HttpRequest, wf_id: int) -> HttpResponse:
    return _dry_run_page(request, _workflow(request, wf_id))


@require_POST
@staff_view(Right.MANAGE_WORKFLOWS)
def workflow_activate(request: HttpRequest, wf_id: int) -> HttpResponse:
    workflow = _workflow(request, wf_id)
    try:
        activation = services.workflow_activate(
            request.practice, actor=request.user, workflow=workflow
        )
    except ValidationError as refused:
        workflow.refresh_from_db()
        return _dry_run_page(request, workflow, problems=refused.messages, status=422)
    flash.success(
        request,
        ngettext(
            "Workflow active: %(n)s patient enrolled.",
            "Workflow active: %(n)s patients enrolled.",
            activation.enrolled,
        )
        % {"n": activation.enrolled},
    )
    return redirect("workflow-detail", wf_id=workflow.pk)


@require_POST
@staff_view(Right.MANAGE_WORKFLOWS)
def workflow_pause(request: HttpRequest, wf_id: int) -> HttpResponse:
    workflow = services.workflow_pause(
        request.practice, actor=request.user, workflow=_workflow(request, wf_id)
    )
    flash.success(
        request,
        _("Workflow paused: nobody enters, and the enrolled patients' steps wait until it is "
          "active again."),
    )  # fmt: skip
    return redirect("workflow-detail", wf_id=workflow.pk)


# --- the workflow's page -----------------------------------------------------------------


def _shown_version(request: HttpRequest, workflow: Workflow, versions) -> WorkflowVersion:
    """The version whose steps are counted: ?version=<number>, else the current one."""
    wanted = query_param(request.GET, "version", parse_id)
    for version in versions:
        if (wanted is None and version.pk == workflow.current_version_id) or (
            wanted is not None and version.number == wanted
        ):
            return version
    return versions[0]


@staff_view(Right.MANAGE_WORKFLOWS)
def workflow_detail_page(request: HttpRequest, wf_id: int) -> HttpResponse:
    practice = request.practice
    workflow = _workflow(request, wf_id)
    versions = list(
        for_practice(WorkflowVersion, practice).filter(workflow=workflow).order_by("-number")
    )
    shown = _shown_version(request, workflow, versions)
    workflow.current_version = next(
        (v for v in versions if v.pk == workflow.current_version_id), None
    )
    enrolments = Paginator(selectors.workflow_enrolments(practice, workflow), PAGE_SIZE)
    page = enrolments.get_page(request.GET.get("page"))
    for enrolment in page.object_list:
        enrolment.enrolled_label = display.moment_label(enrolment.enrolled_at, practice.tz)
        enrolment.next_label = display.moment_label(enrolment.next_due, enrolment.tz)
        enrolment.ended_label = display.moment_label(enrolment.ended_at, practice.tz)
    return render(
        request,
        "marketing_workflows/detail.html",
        {
            "workflow": workflow,
            **_state(workflow),
            "stats": selectors.workflow_stats(practice, workflow),
            "versions": versions,
            "shown": shown,
            "steps": _step_rows(selectors.workflow_step_stats(practice, shown)),
            "page": page,
            "enrolments": page.object_list,
        },
    )


def _step_rows(steps) -> list[Step]:
    rows = list(steps)
    for step in rows:
        step.summary = _summary(step)
    return rows


@require_POST
@staff_view(Right.MANAGE_WORKFLOWS)
def enrolment_remove(request: HttpRequest, wf_id: int, enrolment_id: int) -> HttpResponse:
    """Take the patient out at once: their waiting steps and unsent messages are cancelled."""
    workflow = _workflow(request, wf_id)
    enrolment = get_for_practice_or_404(
        Enrolment, request.practice, enrolment_id, workflow_id=workflow.pk
    )
    try:
        services.enrolment_remove(request.practice, actor=request.user, enrolment=enrolment)
    except ValidationError as refused:
        flash.error(request, " ".join(refused.messages))
    else:
        flash.success(
            request,
            _("%(patient)s was removed from the workflow; their waiting steps are cancelled.")
            % {"patient": enrolment.patient.name},
        )
    return redirect("workflow-detail", wf_id=workflow.pk)


# --- the patient card's panel ------------------------------------------------------------


@staff_view(Right.VIEW_CALENDAR)
def patient_workflows_panel(request: HttpRequest, patient_id: int) -> HttpResponse:
    """The workflows the patient is or was in, and what each step did for them."""
    practice = request.practice
    patient = access_patient_by_id(practice, patient_id)
    enrolments = selectors.patient_workflows(practice, patient)
    for enrolment in enrolments:
        enrolment.enrolled_label = display.moment_label(enrolment.enrolled_at, enrolment.tz)
        enrolment.ended_label = display.moment_label(enrolment.ended_at, enrolment.tz)
        for run in enrolment.run_list:
            finished = run.state in (StepRun.State.DONE, StepRun.State.SKIPPED)
            shown = run.done_at if finished else None
            run.when_label = display.moment_label(shown or run.due_at, enrolment.tz)
    # htmx loads the panel into the card; without JavaScript the card links to a page.
    template = "_patient_workflows.html" if is_htmx(request) else "patient_workflows.html"
    return render(
        request,
        f"marketing_workflows/{template}",
        {
            "patient": patient,
            "enrolments": enrolments,
            "can_manage": has_right(request.membership, Right.MANAGE_WORKFLOWS),
            "open_states": StepRun.OPEN,
        },
    )
