"""Staff pages: the day calendar and booking, moving, cancelling appointments."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from patients.access import access_patient_by_id
from patients.models import Patient
from practice import localtime
from practice.models import Location
from practice.parsing import (
    InvalidInput,
    date_placeholder,
    parse_id,
    parse_user_date,
    parse_wall_clock,
    query_param,
    safe_next,
)
from practice.rights import Right
from practice.scoping import for_practice
from practice.selectors import practitioner_list
from practice.views_helpers import apply_validation_error, htmx_redirect, is_htmx, staff_view

from . import finder_views, selectors, services
from .access import access_appointment_by_id, access_location_by_id, default_location
from .calendar_layout import PX_PER_MINUTE, SLOT_MINUTES, day_grid, week_grid
from .forms import AppointmentForm, CancelForm, MoveForm, StatusForm
from .models import Appointment
from .selectors import consultation_type_list, day_calendar, next_open_day, week_calendar


def calendar_url(appointment_or_location, day: dt.date) -> str:
    location_id = getattr(appointment_or_location, "location_id", appointment_or_location.pk)
    return reverse("calendar") + "?" + urlencode({"location": location_id, "date": day})


@staff_view(Right.VIEW_CALENDAR)
def calendar(request):
    """The day view (a column per practitioner) or, with view=week, one practitioner's
    week (a column per local day). Blocks, panel, booking clicks and dragging are shared."""
    practice = request.practice
    location_id = query_param(request.GET, "location", parse_id)
    location = (
        access_location_by_id(practice, location_id)
        if location_id is not None
        else default_location(practice)
    )
    if location is None:
        return render(request, "appointments/no_location.html")
    today = localtime.local_today(location.tz)
    # Links carry ISO days; the date field carries the day as the user's language types it.
    day = query_param(request.GET, "date", parse_user_date, default=today)
    show_cancelled = request.GET.get("cancelled") == "1"
    booking_params = [(k, request.GET[k]) for k in BOOKING_PARAMS if request.GET.get(k)]
    context = {
        "location": location,
        "tz": location.tz,
        "locations": for_practice(Location, practice).filter(is_active=True),
        "day": day,
        "today": today,
        "slot_minutes": SLOT_MINUTES,
        "px_per_slot": SLOT_MINUTES * PX_PER_MINUTE,
        # Built once: the grid has a link per quarter per practitioner.
        "create_url": reverse("appointment-create")
        + "?"
        + urlencode(_booking_for(request, location)),
        "booking_for": _booking_patient(request, practice),
        "booking_params": booking_params,
        "booking_query": ("&" + urlencode(booking_params)) if booking_params else "",
        "booking_next": safe_next(request, request.GET.get("next")),
        "detail_url": reverse("appointment-detail", args=[0]).removesuffix("0/"),
        "move_url": reverse("appointment-move", args=[0]).removesuffix("0/move/"),
        "book_label": _("Book"),
        "confirmed_label": _("Confirmed by the client"),
        "show_cancelled": show_cancelled,
        "cancelled_query": "&cancelled=1" if show_cancelled else "",
        "day_input": formats.localize_input(day),
        "day_placeholder": date_placeholder(formats.get_format("DATE_INPUT_FORMATS")[0]),
        "open_url": _panel_to_open(request, practice),
    }
    if request.GET.get("view") == "week":
        context.update(_week_context(request, practice, location, day, show_cancelled))
    else:
        context.update(_day_context(practice, location, day, show_cancelled))
    context["grid_start_minutes"] = context["grid"].start.hour * 60 + context["grid"].start.minute
    return render(request, "appointments/calendar.html", context)


def _panel_to_open(request, practice) -> str:
    """`?open=<id>` (the report's 'Open'): the calendar loads that appointment's panel.
    Another practice's id answers 404 like a missing one."""
    appointment_id = query_param(request.GET, "open", parse_id)
    if appointment_id is None:
        return ""
    return reverse(
        "appointment-detail", args=[access_appointment_by_id(practice, appointment_id).pk]
    )


def _day_context(practice, location, day: dt.date, show_cancelled: bool) -> dict:
    cal = day_calendar(practice, location=location, day=day, include_cancelled=show_cancelled)
    closed, next_open = False, None
    if not any(cal.working.values()):
        # Nobody works here today. Closed, when someone works here on another day; with no
        # hours set at all (a new practice) the grid stays, to book into.
        next_open = next_open_day(practice, location=location, after=day)
        closed = next_open is not None
    return {
        "view": "day",
        "view_query": "",
        "previous_day": day - dt.timedelta(days=1),
        "next_day": day + dt.timedelta(days=1),
        "grid": day_grid(cal),
        "appointment_count": len(cal.appointments),
        "closed": closed,
        "next_open": next_open,
    }


def _week_context(request, practice, location, day: dt.date, show_cancelled: bool) -> dict:
    practitioner_id = query_param(request.GET, "practitioner", parse_id)
    practitioners = list(practitioner_list(practice))
    if practitioner_id is not None:
        practitioner = next((p for p in practitioners if p.pk == practitioner_id), None)
        if practitioner is None:
            raise Http404
    elif practitioners:
        practitioner = practitioners[0]
    else:
        return _day_context(practice, location, day, show_cancelled)
    week = week_calendar(
        practice,
        location=location,
        practitioner=practitioner,
        day=day,
        include_cancelled=show_cancelled,
    )
    grid = week_grid(week)
    # A practitioner who also works at another location: each day says where, linked.
    elsewhere = selectors.practitioner_elsewhere(
        practice, practitioner=practitioner, location=location, days=week.days
    )
    for column in grid.columns:
        column.elsewhere = elsewhere.get(column.day, [])
    return {
        "view": "week",
        "view_query": urlencode({"view": "week", "practitioner": practitioner.pk}),
        "practitioners": practitioners,
        "practitioner": practitioner,
        "week_days": week.days,
        "previous_day": week.days[0] - dt.timedelta(days=7),
        "next_day": week.days[0] + dt.timedelta(days=7),
        "grid": grid,
        "appointment_count": len(week.appointments),
        "closed": False,
    }


# A booking started elsewhere (the checkout) opens the calendar with these: each click on a
# free time then opens the booking form prefilled, and `next` brings reception back.
BOOKING_PARAMS = ("patient", "consultation_type", "next")


def _booking_for(request, location) -> dict:
    params = {"location": location.pk}
    for key in BOOKING_PARAMS:
        if request.GET.get(key):
            params[key] = request.GET[key]
    return params


def _booking_patient(request, practice):
    patient_id = query_param(request.GET, "patient", parse_id)
    return access_patient_by_id(practice, patient_id) if patient_id is not None else None


def _initial_from_query(request, practice) -> dict:
    initial: dict = {}
    patient = _booking_patient(request, practice)
    if patient is not None:
        initial["patient"] = patient
    for key in ("practitioner", "location", "consultation_type"):
        value = query_param(request.GET, key, parse_id)
        if value is not None:
            initial[key] = value
    start = query_param(request.GET, "start", parse_wall_clock)
    if start is not None:
        initial["date"], initial["start_time"] = start.date(), start.time()
    return initial


@staff_view(Right.BOOK_APPOINTMENTS)
def appointment_create(request):
    practice = request.practice
    alternatives, proposal_note = [], ""
    if request.method == "POST":
        form = AppointmentForm(request.POST, practice=practice)
        if form.is_valid():
            data = form.cleaned_data
            try:
                appointment = services.appointment_book(
                    practice,
                    actor=request.user,
                    patient=data["patient"],
                    practitioner=data["practitioner"],
                    location=data["location"],
                    consultation_type=data["consultation_type"],
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                    notes=data["notes"],
                    confirmation_channel=data["confirmation_channel"],
                    reminder_channel=data["reminder_channel"],
                )
            except ValidationError as error:
                apply_validation_error(form, error)
                alternatives = _alternatives(practice, data, error)
            else:
                messages.success(
                    request,
                    _("Booked %(patient)s at %(time)s.")
                    % {
                        "patient": appointment.patient.name,
                        # On the repeated hour: which of the two ("02:30 (winter time)").
                        "time": localtime.time_label(appointment.starts_at, data["location"].tz),
                    },
                )
                back = safe_next(request, request.POST.get("next"))
                if back:
                    joiner = "&" if "?" in back else "?"
                    return htmx_redirect(request, f"{back}{joiner}appointment={appointment.pk}")
                return htmx_redirect(request, calendar_url(appointment, data["date"]))
    else:
        initial = _initial_from_query(request, practice)
        initial.setdefault("location", getattr(default_location(practice), "pk", None))
        proposal_note = _propose(request, practice, initial)
        form = AppointmentForm(initial=initial, practice=practice)
    chosen = _chosen_patient(practice, form["patient"].value())
    return render(
        request,
        "appointments/appointment_form.html",
        {
            "form": form,
            "alternatives": alternatives,
            "proposal_note": proposal_note,
            "chosen_patient": chosen,
            "next": safe_next(request, request.GET.get("next") or request.POST.get("next")),
        },
    )


def _alternatives(practice, data: dict, error: ValidationError, moving=None) -> list:
    """On a clash (the practitioner, a room or the equipment taken): the nearest free times,
    for a booking or for the appointment `moving` (booking form and Move form alike)."""
    taken = isinstance(error, services.AppointmentConflict) or (
        hasattr(error, "error_dict") and {"room", "equipment"} & set(error.error_dict)
    )
    if not taken:
        return []
    return finder_views.nearest_picks(
        practice,
        location=data["location"],
        practitioner=data["practitioner"],
        consultation_type=data["consultation_type"],
        starts_at=data["starts_at"],
        ends_at=data["ends_at"],
        moving=moving,
    )


def _propose(request, practice, initial: dict) -> str:
    """A click on an empty place of the calendar (a start and a practitioner in the query):
    put the first start that fits in the form instead of the snapped time; say why."""
    if "start_time" not in initial or request.GET.get("practitioner") is None:
        return ""
    practitioner = practitioner_list(practice).filter(pk=initial.get("practitioner")).first()
    location = for_practice(Location, practice).filter(pk=initial.get("location")).first()
    if practitioner is None or location is None:
        return ""
    ctype = consultation_type_list(practice).filter(pk=initial.get("consultation_type")).first()
    clicked = localtime.wall_to_utc(initial["date"], initial["start_time"], location.tz)
    proposal = finder_views.propose_for_click(
        practice,
        location=location,
        practitioner=practitioner,
        consultation_type=ctype,
        clicked=clicked,
    )
    if proposal.starts_at is not None:
        local = localtime.to_local(proposal.starts_at, location.tz)
        initial["date"], initial["start_time"] = local.date(), local.time()
        initial["instant"] = localtime.instant_value(proposal.starts_at)
    return proposal.note


def _chosen_patient(practice, value):
    """The patient the form names, shown above it; none for a value that is not an id."""
    try:
        patient_id = parse_id(value, field="patient")
    except InvalidInput:
        return None
    return for_practice(Patient, practice).filter(pk=patient_id).select_related("client").first()


@staff_view(Right.VIEW_CALENDAR)
def appointment_detail(request, appointment_id: int):
    appointment = access_appointment_by_id(request.practice, appointment_id)
    local_start = localtime.to_local(appointment.starts_at, appointment.location.tz)
    move_form = MoveForm(
        practice=request.practice,
        appointment=appointment,
        initial={
            "practitioner": appointment.practitioner_id,
            "date": local_start.date(),
            "start_time": local_start.time(),
            # Kept when only the practitioner changes on the repeated hour.
            "instant": localtime.instant_value(appointment.starts_at),
        },
    )
    return _detail(request, appointment, move_form=move_form)


def _detail(
    request,
    appointment,
    *,
    move_form=None,
    alternatives=(),
    cancel_form=None,
    status=200,
    notice: str | None = None,
    status_error: str | None = None,
):
    tz = appointment.location.tz
    notified = selectors.appointment_last_notified(request.practice, appointment)
    return render(
        request,
        "appointments/appointment_detail.html",
        {
            "appointment": appointment,
            "tz": tz,
            "local_start": localtime.to_local(appointment.starts_at, tz),
            "local_end": localtime.to_local(appointment.ends_at, tz),
            "when_label": localtime.span_label(appointment.starts_at, appointment.ends_at, tz),
            "move_form": move_form or MoveForm(practice=request.practice, appointment=appointment),
            "cancel_form": cancel_form or CancelForm(),
            # On a clash of the Move form: the nearest free times, to fill it.
            "alternatives": alternatives,
            # Only what may be done now: a visit still ahead offers no 'Arrived'.
            "next_statuses": [
                Appointment.Status(s)
                for s in services.next_statuses(appointment)
                if s != Appointment.Status.CANCELLED
            ],
            "notice": notice,
            "status_error": status_error,
            "can_cancel": Appointment.Status.CANCELLED
            in services.ALLOWED_TRANSITIONS[appointment.status],
            "notified": notified,
            "notified_time": localtime.time_label(notified.at, tz) if notified else "",
            "notified_day": localtime.local_date(notified.at, tz) if notified else None,
            "today": localtime.local_today(tz),
            "can_notify": appointment.status != Appointment.Status.CANCELLED,
        },
        status=status,
    )


@require_POST
@staff_view(Right.BOOK_APPOINTMENTS)
def appointment_move(request, appointment_id: int):
    appointment = access_appointment_by_id(request.practice, appointment_id)
    form = MoveForm(request.POST, practice=request.practice, appointment=appointment)
    alternatives = []
    if form.is_valid():
        length = appointment.ends_at - appointment.starts_at
        try:
            services.appointment_move(
                request.practice,
                actor=request.user,
                appointment=appointment,
                starts_at=form.cleaned_data["starts_at"],
                practitioner=form.cleaned_data["practitioner"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
            appointment.refresh_from_db()
            data = form.cleaned_data
            alternatives = _alternatives(
                request.practice,
                {
                    "location": appointment.location,
                    "practitioner": data["practitioner"],
                    "consultation_type": appointment.consultation_type,
                    "starts_at": data["starts_at"],
                    "ends_at": data["starts_at"] + length,
                },
                error,
                moving=appointment,
            )
        else:
            messages.success(request, _("Appointment moved."))
            # A drag in the week view goes back to that week; the form to the day moved to.
            back = safe_next(request, request.POST.get("next"))
            return htmx_redirect(
                request, back or calendar_url(appointment, form.cleaned_data["date"])
            )
    appointment.refresh_from_db()
    return _detail(request, appointment, move_form=form, alternatives=alternatives, status=422)


@require_POST
@staff_view(Right.BOOK_APPOINTMENTS)
def appointment_cancel(request, appointment_id: int):
    appointment = access_appointment_by_id(request.practice, appointment_id)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            services.appointment_cancel(
                request.practice,
                actor=request.user,
                appointment=appointment,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Appointment cancelled."))
            day = localtime.local_date(appointment.starts_at, appointment.location.tz)
            return htmx_redirect(request, calendar_url(appointment, day))
    return _detail(request, appointment, cancel_form=form, status=422)


# What the panel says after a status change: what changed, and for whom.
STATUS_NOTICES = {
    Appointment.Status.ARRIVED: gettext_lazy("Marked %(patient)s as arrived."),
    Appointment.Status.IN_PROGRESS: gettext_lazy("Marked %(patient)s as in progress."),
    Appointment.Status.COMPLETED: gettext_lazy("Marked %(patient)s as completed."),
    Appointment.Status.NO_SHOW: gettext_lazy("Marked %(patient)s as a no-show."),
    Appointment.Status.BOOKED: gettext_lazy("Put %(patient)s back to booked."),
    Appointment.Status.CANCELLED: gettext_lazy("Cancelled %(patient)s's appointment."),
}


@require_POST
@staff_view(Right.BOOK_APPOINTMENTS)
def appointment_notified(request, appointment_id: int):
    """'Mark patient notified': the panel again, saying by whom and when."""
    appointment = access_appointment_by_id(request.practice, appointment_id)
    try:
        services.appointment_mark_notified(
            request.practice, actor=request.user, appointment=appointment
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _detail(request, appointment, status=422)
    if not request.htmx:
        return redirect("appointment-detail", appointment_id=appointment.pk)
    return _detail(request, appointment)


@require_POST
@staff_view(Right.BOOK_APPOINTMENTS)
def appointment_status(request, appointment_id: int):
    """Change the status; the panel stays open and says what changed for whom (htmx), and
    the calendar behind it is told to refresh (HX-Trigger)."""
    appointment = access_appointment_by_id(request.practice, appointment_id)
    form = StatusForm(request.POST)
    notice = error = None
    if not form.is_valid():
        error = " ".join(form.errors.get("status", []))
    else:
        try:
            services.appointment_set_status(
                request.practice,
                actor=request.user,
                appointment=appointment,
                status=form.cleaned_data["status"],
            )
        except ValidationError as refusal:
            error = " ".join(refusal.messages)
            appointment.refresh_from_db()
        else:
            notice = STATUS_NOTICES[appointment.status] % {"patient": appointment.patient.name}
    if not is_htmx(request):
        level = messages.ERROR if error else messages.SUCCESS
        messages.add_message(request, level, error or notice)
        return redirect("appointment-detail", appointment.pk)
    response = _detail(
        request, appointment, notice=notice, status_error=error, status=422 if error else 200
    )
    if notice:
        response["HX-Trigger"] = "appointment-changed"
    return response
