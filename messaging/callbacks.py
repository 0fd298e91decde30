"""Twilio's status callbacks and inbound SMS, verified by Twilio's request signature.

The practice is found from the message (status) or the number written to (inbound); its
gateway's auth token checks the X-Twilio-Signature. A forged call answers 403. Parameters
that cannot be Twilio's (a NUL byte, a SID out of its alphabet, an id that is no number)
answer 400 before anything is looked up: nothing is done without a valid signature.
"""

from __future__ import annotations

import re

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from twilio.request_validator import RequestValidator

from patients.models import Client
from practice.parsing import InvalidInput, parse_id, parse_text, query_param

from . import errors
from .models import Message, SmsGateway
from .status import flag_number, message_set_status, sms_opt_out
from .twilio_provider import REFUSALS, STATUSES

STOP_WORDS = {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "stopp"}
START_WORDS = {"start", "yes", "unstop"}


def signature_valid(request: HttpRequest, auth_token: str, *, url: str | None = None) -> bool:
    """Twilio's X-Twilio-Signature over `url` (default: the URL as this server saw it; behind
    a proxy pass the configured public URL Twilio was given) and the POST parameters."""
    signature = request.headers.get("X-Twilio-Signature", "")
    url = url or request.build_absolute_uri()
    return RequestValidator(auth_token).validate(url, request.POST.dict(), signature)


# Twilio's SIDs are SM + 32 hex digits; the database provider's ids are db-<id>.
_SID = re.compile(r"[A-Za-z0-9_-]{2,64}")


def _sid(request: HttpRequest) -> str:
    """The message's provider id, as a provider words one (letters, digits, - and _)."""
    sid = parse_text(request.POST.get("MessageSid", ""), field="MessageSid", max_length=64)
    if not _SID.fullmatch(sid):
        raise InvalidInput("MessageSid", _("This is not a message SID."))
    return sid


def _gateway_of(practice_id: int) -> SmsGateway | None:
    return SmsGateway.objects.unscoped().filter(practice_id=practice_id).first()


def status_callback(request: HttpRequest) -> int:
    """Apply a delivery status. Returns the HTTP status to answer."""
    sid = _sid(request)
    # Found by our id in the callback URL (the SID may not be saved yet) or by Twilio's SID;
    # either way the signature, made with that practice's token, proves the caller.
    messages = Message.objects.unscoped().select_related("client")
    our_id = query_param(request.GET, "m", parse_id)
    message = (
        messages.filter(pk=our_id).first()
        if our_id is not None
        else messages.filter(provider_id=sid).first()
    )
    if message is None or (message.provider_id and message.provider_id != sid):
        return 404
    gateway = _gateway_of(message.practice_id)
    if gateway is None or not signature_valid(request, gateway.auth_token):
        return 403
    status = STATUSES.get(request.POST.get("MessageStatus", ""), "")
    with transaction.atomic():
        message = Message.objects.unscoped().select_for_update().get(pk=message.pk)
        if not status or not message.moves_forward_to(status):
            return 200  # late, repeated or unknown: a status only moves forward
        fields = {"provider_id": message.provider_id or sid}
        code = parse_text(request.POST.get("ErrorCode", ""), field="ErrorCode", max_length=20)
        if status in (Message.Status.FAILED, Message.Status.UNDELIVERED) and code:
            reason = REFUSALS.get(code, errors.PROVIDER_ERROR)
            fields.update(error_code=code, error=str(errors.REASONS[reason]))
            flag_number(message, reason)
        message_set_status(message, status=status, expected=message.status, **fields)
    return 200


def inbound_sms(request: HttpRequest) -> int:
    """STOP opts the sender out of SMS in that practice; START opts them back in. Kept on
    the cards with that mobile and for the number itself (a number on no card is texted
    only by a missed call's text-back, and never after STOP)."""
    to = parse_text(request.POST.get("To", ""), field="To", max_length=64)
    sender = parse_text(request.POST.get("From", ""), field="From", max_length=64)
    gateway = SmsGateway.objects.unscoped().filter(sender=to, is_active=True).first()
    if gateway is None:
        return 404
    if not signature_valid(request, gateway.auth_token):
        return 403
    word = parse_text(request.POST.get("Body", ""), field="Body", max_length=1600).lower()
    clients = Client.objects.unscoped().filter(practice_id=gateway.practice_id, mobile=sender)
    if word in STOP_WORDS or word in START_WORDS:
        opted_out = word in STOP_WORDS
        with transaction.atomic():
            clients.update(sms_opted_out=opted_out)
            sms_opt_out(gateway.practice_id, sender, opted_out=opted_out)
    return 200
