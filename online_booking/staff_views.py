"""Reception's side of online booking: what the client typed, to review."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from appointments.access import access_appointment_by_id
from practice.parsing import safe_next
from practice.rights import Right
from practice.scoping import get_for_practice_or_404
from practice.views_helpers import htmx_redirect, staff_view

from . import selectors, services
from .models import OnlineBooking


@staff_view(Right.VIEW_CALENDAR)
def appointment_online_panel(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """The appointment panel's online part: what differs from the stored client, duplicates."""
    appointment = access_appointment_by_id(request.practice, appointment_id)
    booking = selectors.booking_for_appointment(request.practice, appointment.pk)
    return render(request, "online_booking/_appointment_online.html", {"booking": booking})


@staff_view(Right.VIEW_CALENDAR)
def bookings_to_review(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.bookings_to_review(request.practice), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "online_booking/review_list.html", {"page": page})


@require_POST
@staff_view(Right.BOOK_APPOINTMENTS)
def booking_review(request: HttpRequest, booking_id: int) -> HttpResponse:
    booking = get_for_practice_or_404(OnlineBooking, request.practice, booking_id)
    services.online_booking_mark_reviewed(request.practice, actor=request.user, booking=booking)
    next_url = safe_next(request, request.POST.get("next")) or reverse("online-review")
    return htmx_redirect(request, next_url)
