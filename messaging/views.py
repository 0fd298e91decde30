"""The messages of an appointment, shown in its panel, and sending a failed one again."""

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from appointments.access import access_appointment_by_id
from appointments.links import appointment_from_link
from appointments.services import appointment_cancel, appointment_confirm_by_client
from patients.access import access_patient_by_id
from patients.models import Delivery
from practice import localtime
from practice.languages import client_language
from practice.parsing import parse_id, query_param
from practice.rights import Right
from practice.scoping import get_for_practice_or_404
from practice.tenancy import practice_scope
from practice.views_helpers import staff_view

from . import callbacks, outbox, services
from .models import APPOINTMENT_TIME_KINDS, CANCELLATION_KINDS, Message
from .selectors import appointment_messages


def _panel(request, appointment, status=200, notice="", refusal=""):
    sent = list(appointment_messages(request.practice, appointment.pk))
    for message in sent:
        message.appointment = appointment  # one appointment for all: no query per row
    offers = services.other_channel_offers(request.practice, sent)
    done = services.other_channel_done(sent)
    for message in sent:
        message.other_channel = offers.get(message.pk, "")
        message.other_channel_done = message.pk in done
    return render(
        request,
        "messaging/_appointment_messages.html",
        {
            "appointment": appointment,
            "messages_sent": sent,
            "time_kinds": (*APPOINTMENT_TIME_KINDS, *CANCELLATION_KINDS),
            "tz": appointment.location.tz,
            "notice": notice,
            "refusal": refusal,
        },
        status=status,
    )


@staff_view(Right.VIEW_CALENDAR)
def appointment_messages_panel(request, appointment_id: int):
    return _panel(request, access_appointment_by_id(request.practice, appointment_id))


@require_POST
@staff_view(Right.BOOK_APPOINTMENTS)
def message_retry(request, message_id: int):
    # Retried from an appointment's panel: messages about no appointment (waitlist offers)
    # are not there to retry.
    message = get_for_practice_or_404(
        Message, request.practice, message_id, appointment__isnull=False
    )
    try:
        message = services.message_retry(request.practice, actor=request.user, message=message)
    except services.RetryRefused as refused:
        flash.error(request, str(refused))
    return _panel(request, message.appointment)


@require_POST
@staff_view(Right.BOOK_APPOINTMENTS)
def message_other_channel(request, message_id: int):
    """A failed message of an appointment, sent by the other channel with one click."""
    message = get_for_practice_or_404(
        Message, request.practice, message_id, appointment__isnull=False
    )
    try:
        sent = services.message_send_by_other_channel(
            request.practice, actor=request.user, message=message
        )
    except services.RetryRefused as refused:
        # Said in the panel itself: a flash would wait for the next whole page.
        return _panel(request, message.appointment, refusal=str(refused))
    notice = _("Sent again by email.") if sent.channel == "email" else _("Sent again by SMS.")
    return _panel(request, message.appointment, notice=notice)


@staff_view(Right.BOOK_APPOINTMENTS)
def booking_channel_check(request):
    """The booking form's warning, as soon as a patient or a channel is chosen: which of
    the chosen channels cannot reach the client (no mobile, a landline, no email)."""
    patient_id = query_param(request.GET, "patient", parse_id)
    if patient_id is None:
        return HttpResponse("")
    patient = access_patient_by_id(request.practice, patient_id)
    client = patient.client
    problems = outbox.appointment_channel_problems(
        request.practice,
        client,
        confirmation=_delivery(request.GET.get("confirmation_channel")),
        reminder=_delivery(request.GET.get("reminder_channel")),
    )
    return render(
        request,
        "messaging/_channel_warning.html",
        {"problems": problems, "patient": patient},
    )


def _delivery(value: str | None) -> str | None:
    """The form's choice: None for 'as the client wants' (or nothing sent), else a Delivery
    value; anything else counts as 'as the client wants' (the warning is only advice)."""
    return value if value in Delivery.values else None


@csrf_exempt  # Twilio cannot send our CSRF token; its request signature is checked instead
@require_POST
def twilio_status(request):
    return HttpResponse(status=callbacks.status_callback(request))


@csrf_exempt
@require_POST
def twilio_inbound(request):
    status = callbacks.inbound_sms(request)
    body = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
    return HttpResponse(body if status == 200 else "", status=status, content_type="text/xml")


def _practice_words(practice, text: str) -> str:
    """Words kept on the practice's records: in its language, not the client's."""
    with translation.override(practice.language):
        return _(text)


def appointment_link_page(request, code: str):
    """The client's page behind the link in their message: confirm or cancel."""
    appointment = appointment_from_link(code)
    if appointment is None:
        raise Http404
    practice = appointment.practice
    done = ""
    with (
        practice_scope(practice),
        translation.override(client_language(appointment.client, practice)),
        timezone.override(appointment.location.tz),  # templates show times in the current zone
    ):
        if request.method == "POST":
            action = request.POST.get("action")
            try:
                if action == "confirm":
                    appointment_confirm_by_client(practice, appointment=appointment)
                    done = "confirmed"
                elif action == "cancel":
                    appointment_cancel(
                        practice,
                        actor=None,
                        appointment=appointment,
                        reason=_practice_words(
                            practice, gettext_noop("Cancelled by the client through their link")
                        ),
                        by_client=True,
                    )
                    done = "cancelled"
            except ValidationError as error:
                flash.error(request, " ".join(error.messages))
        return render(
            request,
            "messaging/appointment_link.html",
            {
                "appointment": appointment,
                "public": practice,
                "done": done,
                "local_start": localtime.to_local(appointment.starts_at, appointment.location.tz),
                "is_future": appointment.starts_at > timezone.now(),
            },
        )


@csrf_exempt  # mail programs' one-click unsubscribe (RFC 8058) posts without our CSRF token;
# the signed link itself is the key, and unsubscribing is all it can do
def unsubscribe_page(request, token: str):
    """News and offers: the page behind the unsubscribe link (and List-Unsubscribe)."""
    client = services.client_from_unsubscribe(token)
    if client is None:
        raise Http404
    practice = client.practice
    done = False
    with practice_scope(practice), translation.override(client_language(client, practice)):
        if request.method == "POST":
            services.marketing_unsubscribe(practice, client=client)
            done = True
        return render(
            request,
            "messaging/unsubscribe.html",
            {"public": practice, "done": done, "subscribed": client.marketing_consent is True},
        )
