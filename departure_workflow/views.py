"""Reception's checkout desk: today's departure lists, one list to work, the follow-ups.

Each action is one small POST; the response is the whole checkout card, which htmx swaps
in place (a plain POST redirects back, so the page works without JavaScript too).
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from appointments.access import access_appointment_by_id, default_location
from appointments.models import ConsultationType, Recall
from practice import localtime
from practice.models import Location
from practice.parsing import parse_date, parse_id, parse_token, query_param, safe_next
from practice.rights import Right, has_right
from practice.scoping import for_practice, get_for_practice_or_404
from practice.views_helpers import htmx_redirect, staff_view

from . import rules, selectors, services
from .forms import ConsentForm, DetailForm, FailureForm, OptionForm, PaymentForm
from .models import ActionKind, CustomOptionLink, DepartureAction, Outcome, postpone_text


def _screen_url(workflow_id: int, follow_up: bool = False) -> str:
    url = reverse("checkout", args=[workflow_id])
    return url + "?from=follow-up" if follow_up else url


@staff_view(Right.VIEW_CALENDAR)
def checkout_list(request):
    practice = request.practice
    location_id = query_param(request.GET, "location", parse_id)
    location = (
        get_for_practice_or_404(Location, practice, location_id)
        if location_id is not None
        else default_location(practice)
    )
    tz = location.tz if location else practice.tz
    today = localtime.local_today(tz)
    day = query_param(request.GET, "date", parse_date, default=today)
    workflows = list(selectors.checkout_list(practice, day=day, location=location))
    return render(
        request,
        "departure_workflow/checkout_list.html",
        {
            "day": day,
            "today": today,
            "previous_day": day - dt.timedelta(days=1),
            "next_day": day + dt.timedelta(days=1),
            "location": location,
            "locations": for_practice(Location, practice).filter(is_active=True),
            "open_workflows": [w for w in workflows if w.is_open],
            "done_workflows": [w for w in workflows if not w.is_open],
            "follow_up_count": selectors.follow_up_list(practice).count(),
        },
    )


@staff_view(Right.VIEW_CALENDAR)
def checkout_for_appointment(request, appointment_id: int):
    """From the appointment panel: the list of a completed appointment (built if missing)."""
    appointment = access_appointment_by_id(request.practice, appointment_id)
    try:
        workflow = services.workflow_build(request.practice, appointment)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("calendar")
    return redirect(_screen_url(workflow.pk))


def _action_cards(request, workflow, judged, follow_up: bool) -> list[dict]:
    cards = []
    client = workflow.client
    reasons = list(selectors.failure_reason_choices(request.practice))
    for action in workflow.actions.all():
        verdict = judged.get(action.pk)
        outcome = action.outcome if not workflow.is_open else verdict.outcome
        card = {
            "action": action,
            "outcome": outcome,
            "outcome_label": Outcome(outcome).label,
            # While the list is open, 'would fail' is simply still to do.
            "css": "todo" if workflow.is_open and outcome == Outcome.FAILED else outcome,
            "note": action.postpone_text
            if not workflow.is_open
            else postpone_text(verdict.postpone_reason, verdict.postpone_note),
            "workable": workflow.is_open or (follow_up and action.outcome == Outcome.POSTPONED),
        }
        if action.kind == ActionKind.PLANNED_TREATMENT:
            card["treatments"] = selectors.treatments_to_book(
                request.practice, workflow, action.booked_appointment_id
            )
        if action.kind in rules.BOOKING_KINDS:
            card["book_url"] = reverse("checkout-book", args=[workflow.pk, action.pk])
            if follow_up:
                card["book_url"] += "?from=follow-up"
        if action.kind == ActionKind.PAYMENT:
            card["form"] = PaymentForm(initial={"amount": action.amount_due, "method": "card"})
            # Only hides the form: payment_take refuses a role without the right anyway.
            card["can_pay"] = has_right(request.membership, Right.TAKE_PAYMENTS)
        if action.kind == ActionKind.MOBILE:
            card["form"] = DetailForm(initial={"value": client.mobile})
        if action.kind == ActionKind.EMAIL:
            card["form"] = DetailForm(initial={"value": client.email})
        if action.kind == ActionKind.MARKETING_CONSENT:
            card["form"] = ConsentForm()
        if action.kind == ActionKind.CUSTOM:
            card["options"] = selectors.workflow_options(request.practice, workflow)
        if outcome == Outcome.FAILED and workflow.is_open:
            card["failure_reasons"] = [r for r in reasons if r.fits(action.kind)]
            card["failure_form"] = FailureForm(
                prefix=f"f{action.pk}",
                reasons=selectors.failure_reason_choices(request.practice, kind=action.kind),
                data=request.POST
                if request.method == "POST" and "complete" in request.POST
                else None,
            )
        cards.append(card)
    return cards


def _render_screen(request, workflow_id: int, *, status: int = 200, errors=None):
    practice = request.practice
    workflow = selectors.workflow_detail(practice, workflow_id)
    follow_up = request.GET.get("from") == "follow-up" or request.POST.get("from") == "follow-up"
    if workflow.is_open:
        services.workflow_refresh(practice, workflow)
        workflow = selectors.workflow_detail(practice, workflow_id)
    judged = services.workflow_preview(practice, workflow) if workflow.is_open else {}
    tz = workflow.location.tz
    return render(
        request,
        "departure_workflow/checkout.html",
        {
            "workflow": workflow,
            "appointment": workflow.appointment,
            "local_start": localtime.to_local(workflow.appointment.starts_at, tz),
            "tz": tz,
            "cards": _action_cards(request, workflow, judged, follow_up),
            "steps": workflow.steps.all(),
            "follow_up": follow_up,
            "errors": errors or [],
            "request_key": uuid.uuid4().hex[:12],
        },
        status=status,
    )


@staff_view(Right.VIEW_CALENDAR)
def checkout(request, workflow_id: int):
    return _render_screen(request, workflow_id)


def _action(request, workflow_id: int, action_id: int) -> DepartureAction:
    return get_for_practice_or_404(
        DepartureAction, request.practice, action_id, workflow_id=workflow_id
    )


def _after_step(request, workflow_id: int, error: ValidationError | None, done: str):
    """Answer a step: the refreshed screen for htmx, a redirect for a plain POST."""
    follow_up = request.POST.get("from") == "follow-up"
    if error is not None:
        text = " ".join(error.messages)
        if request.htmx:
            return _render_screen(request, workflow_id, status=422, errors=[text])
        messages.error(request, text)
    elif not request.htmx:
        messages.success(request, done)
    if request.htmx:
        return _render_screen(request, workflow_id)
    return redirect(_screen_url(workflow_id, follow_up))


@require_POST
@staff_view(Right.VIEW_CALENDAR)
def action_step(request, workflow_id: int, action_id: int, step: str):
    practice, actor = request.practice, request.user
    action = _action(request, workflow_id, action_id)
    follow_up = request.POST.get("from") == "follow-up"
    error, done = None, _("Saved.")
    try:
        if step == "send-link":
            services.action_send_booking_link(
                practice,
                actor=actor,
                action=action,
                request_key=query_param(request.POST, "key", parse_token, default=""),
                from_follow_up=follow_up,
            )
            done = _("The online booking link is on its way.")
        elif step == "pay":
            form = PaymentForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("Enter the amount and how the client paid."))
            services.action_take_payment(
                practice,
                actor=actor,
                action=action,
                amount=form.cleaned_data["amount"],
                method=form.cleaned_data["method"],
            )
            done = _("Payment recorded.")
        elif step == "collect":
            services.action_collect_detail(
                practice,
                actor=actor,
                action=action,
                value=request.POST.get("value", ""),
                from_follow_up=follow_up,
            )
        elif step == "later":
            services.action_prompt_later(
                practice, actor=actor, action=action, from_follow_up=follow_up
            )
            done = _("We will ask again in 12 months.")
        elif step == "consent":
            form = ConsentForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("Choose yes or no and record the wording."))
            services.action_record_consent(
                practice,
                actor=actor,
                action=action,
                consent=form.cleaned_data["consent"],
                wording=form.cleaned_data["wording"],
                from_follow_up=follow_up,
            )
        else:
            raise ValidationError(_("Unknown step."))
    except ValidationError as exc:
        error = exc
    return _after_step(request, workflow_id, error, done)


@staff_view(Right.BOOK_APPOINTMENTS)
def action_book(request, workflow_id: int, action_id: int):
    """Open the calendar prefilled: this patient, a fitting type; back here once booked."""
    practice = request.practice
    action = _action(request, workflow_id, action_id)
    workflow = action.workflow
    if action.kind not in rules.BOOKING_KINDS:
        return redirect(_screen_url(workflow_id))
    tz = workflow.location.tz
    day = localtime.local_today(tz) + dt.timedelta(days=1)
    recall_kind = {
        ActionKind.DENTIST_RECALL: Recall.Kind.DENTIST,
        ActionKind.HYGIENIST_RECALL: Recall.Kind.HYGIENIST,
    }.get(action.kind)
    if recall_kind:
        recall = (
            for_practice(Recall, practice)
            .filter(patient_id=workflow.patient_id, kind=recall_kind)
            .first()
        )
        if recall and recall.due_date > day:
            day = recall.due_date
    ctype = (
        for_practice(ConsultationType, practice)
        .filter(category=rules.BOOKING_CATEGORY[action.kind], is_active=True)
        .first()
    )
    back = reverse("checkout-booked", args=[workflow_id, action_id])
    if request.GET.get("from") == "follow-up":
        back += "?from=follow-up"
    params = {
        "location": workflow.location_id,
        "date": day.isoformat(),
        "patient": workflow.patient_id,
        "next": back,
    }
    if ctype:
        params["consultation_type"] = ctype.pk
    return redirect(reverse("calendar") + "?" + urlencode(params))


@staff_view(Right.BOOK_APPOINTMENTS)
def action_booked(request, workflow_id: int, action_id: int):
    """Where the booking form returns: link the new appointment to the action."""
    action = _action(request, workflow_id, action_id)
    follow_up = request.GET.get("from") == "follow-up"
    booked_id = query_param(request.GET, "appointment", parse_id)
    if booked_id is None:  # 'Back to checkout' without booking
        return redirect(_screen_url(workflow_id, follow_up))
    try:
        booked = access_appointment_by_id(request.practice, booked_id)
        services.action_record_booking(
            request.practice,
            actor=request.user,
            action=action,
            booked=booked,
            from_follow_up=follow_up,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(_screen_url(workflow_id, follow_up))


@staff_view(Right.VIEW_CALENDAR)
def option_link(request, workflow_id: int, link_id: int):
    """Open a custom option's link, recording the click as part of the workflow."""
    workflow = selectors.workflow_detail(request.practice, workflow_id)
    link = get_for_practice_or_404(CustomOptionLink, request.practice, link_id)
    try:
        url = services.option_link_open(
            request.practice, actor=request.user, workflow=workflow, link=link
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(_screen_url(workflow_id))
    return HttpResponseRedirect(url)


@require_POST
@staff_view(Right.VIEW_CALENDAR)
def complete(request, workflow_id: int):
    practice = request.practice
    workflow = selectors.workflow_detail(practice, workflow_id)
    failure_reasons = {}
    for action in workflow.actions.all():
        # Each action offers its own reasons; another action's reason is refused as invalid.
        reasons = selectors.failure_reason_choices(practice, kind=action.kind)
        form = FailureForm(request.POST, prefix=f"f{action.pk}", reasons=reasons)
        if form.is_valid():
            failure_reasons[action.pk] = (form.cleaned_data["reason"], form.cleaned_data["note"])
    try:
        services.workflow_complete(
            practice, actor=request.user, workflow=workflow, failure_reasons=failure_reasons
        )
    except ValidationError as error:
        return _render_screen(request, workflow_id, status=422, errors=error.messages)
    messages.success(
        request, _("Checkout of %(patient)s completed.") % {"patient": workflow.patient.name}
    )
    url = (
        reverse("checkout-list")
        + "?"
        + urlencode({"location": workflow.location_id, "date": workflow.local_date.isoformat()})
    )
    if request.htmx:
        return htmx_redirect(request, url)
    return redirect(url)


FOLLOW_UP_GROUPS = {
    "book": (ActionKind.PLANNED_TREATMENT,),
    "details": (ActionKind.MOBILE, ActionKind.EMAIL, ActionKind.MARKETING_CONSENT),
}


@staff_view(Right.VIEW_CALENDAR)
def follow_up(request):
    group = request.GET.get("show", "")
    items = selectors.follow_up_list(request.practice, kinds=FOLLOW_UP_GROUPS.get(group))
    page = Paginator(items, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "departure_workflow/follow_up.html",
        {"page": page, "items": page.object_list, "show": group},
    )


@staff_view(Right.VIEW_CALENDAR)
def appointment_departure(request, appointment_id: int):
    """The appointment panel's departure part: checkout button, custom options, add one."""
    appointment = access_appointment_by_id(request.practice, appointment_id)
    workflow = selectors.workflow_for_appointment(request.practice, appointment)
    return render(
        request,
        "departure_workflow/_appointment_departure.html",
        {
            "appointment": appointment,
            "workflow": workflow,
            "options": selectors.appointment_options(request.practice, appointment),
            "can_add": workflow is None or workflow.is_open,
            "form": OptionForm(),
        },
    )


@require_POST
@staff_view(Right.BOOK_APPOINTMENTS)
def option_add(request, appointment_id: int):
    """A practitioner adds a custom option to the appointment's departure list."""
    appointment = access_appointment_by_id(request.practice, appointment_id)
    form = OptionForm(request.POST)
    if form.is_valid():
        try:
            services.option_add(
                request.practice,
                actor=request.user,
                appointment=appointment,
                message=form.cleaned_data["message"],
                links=form.links(),
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Added to the departure list."))
    else:
        messages.error(
            request, _("Write the message and give a valid link (starting with https://).")
        )
    day = localtime.local_date(appointment.starts_at, appointment.location.tz)
    back = safe_next(request, request.POST.get("next"))
    if not back:
        back = (
            reverse("calendar")
            + "?"
            + urlencode({"location": appointment.location_id, "date": day})
        )
    if request.htmx:
        return htmx_redirect(request, back)
    return redirect(back)
