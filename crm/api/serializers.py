"""What the integrations send, and what they get back. Input and output apart."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from practice.api.fields import BoundedDateTimeField
from practice.models import Location, Membership
from practice.scoping import for_practice

from ..models import Communication

TEXT = 200
LONG = 500


def _text(max_length: int = TEXT, **kwargs) -> serializers.CharField:
    return serializers.CharField(
        max_length=max_length, required=False, allow_blank=True, default="", **kwargs
    )


def _seconds(help_text: str) -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=0, max_value=7 * 24 * 3600, required=False, allow_null=True, help_text=help_text
    )


class _EventIn(serializers.Serializer):
    provider_id = serializers.CharField(
        max_length=90,
        help_text="The conversation's id at your system (a call id, chat id, form id). "
        "Repeating an event of the same id is answered 200 and stored once.",
    )
    occurred_at = BoundedDateTimeField(help_text="When the event happened (with its offset).")
    sequence = serializers.IntegerField(
        min_value=0,
        max_value=2**31 - 1,
        required=False,
        allow_null=True,
        help_text="Your system's order of this conversation's events, when it has one; "
        "else the event time orders them.",
    )
    employee = _text(150, help_text="The staff member: their id (membership) or their login name.")
    location = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=2**63 - 1,
        help_text="The location's id, if known.",
    )
    service = _text(100, help_text="The account or service it came through.")
    utm_source = _text()
    utm_medium = _text()
    utm_campaign = _text()
    utm_term = _text()
    utm_content = _text()
    landing_page = _text(LONG)

    def validate_employee(self, value: str) -> str:
        value = value.strip()
        if not value:
            return ""
        staff = for_practice(Membership, self.context["practice"])
        found = (
            staff.filter(pk=int(value)).first()
            if value.isascii() and value.isdigit() and len(value) < 18
            else staff.filter(user__username=value).first()
        )
        if found is None:
            raise serializers.ValidationError(_("No staff member of this practice has this id."))
        self._employee_id = found.pk
        return value

    def validate_location(self, value: int | None) -> int | None:
        if value is not None and not (
            for_practice(Location, self.context["practice"]).filter(pk=value).exists()
        ):
            raise serializers.ValidationError(_("No location of this practice has this id."))
        return value

    def validate(self, attrs):
        attrs["employee_id"] = getattr(self, "_employee_id", None)
        attrs["location_id"] = attrs.pop("location", None)
        return attrs


class CallEventIn(_EventIn):
    EVENTS = [
        "ringing",
        "answered",
        "completed",
        "missed",
        "busy",
        "no_answer",
        "failed",
        "canceled",
    ]

    event = serializers.ChoiceField(choices=EVENTS)
    direction = serializers.ChoiceField(
        choices=Communication.Direction.choices, default=Communication.Direction.INCOMING
    )
    from_number = _text(64, help_text="The caller's number; a SIP address or a withheld id too.")
    to_number = _text(64)
    started_at = BoundedDateTimeField(required=False, allow_null=True)
    answered_at = BoundedDateTimeField(required=False, allow_null=True)
    ended_at = BoundedDateTimeField(required=False, allow_null=True)
    wait_seconds = _seconds("How long the caller waited before an answer (or gave up).")
    duration_seconds = _seconds("How long they talked.")
    recording_url = serializers.URLField(
        max_length=LONG, required=False, allow_blank=True, default=""
    )
    transcript = _text(50_000)


class ChatEventIn(_EventIn):
    EVENTS = ["message_in", "message_out", "closed"]

    event = serializers.ChoiceField(
        choices=EVENTS,
        help_text="message_in: from the client; message_out: a staff reply; closed.",
    )
    message_id = serializers.RegexField(
        r"^[A-Za-z0-9._-]{1,28}$",
        required=False,
        allow_blank=True,
        default="",
        help_text="The message's id at your system (required for messages).",
    )
    chat_channel = _text(100, help_text="The messenger, e.g. 'whatsapp', 'site widget'.")
    phone_raw = _text(64, help_text="The client's number, if the channel gives one.")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    name_given = _text()
    text = _text(5_000)

    def validate(self, attrs):
        if attrs["event"] != "closed" and not attrs.get("message_id"):
            raise serializers.ValidationError({"message_id": [_("A message needs its id.")]})
        return super().validate(attrs)


class WebRequestIn(_EventIn):
    name = _text()
    phone = _text(64)
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    text = _text(5_000)

    def validate(self, attrs):
        if not (attrs.get("phone") or attrs.get("email")):
            raise serializers.ValidationError(_("Give a phone number or an email address."))
        attrs["name_given"] = attrs.pop("name", "")
        return super().validate(attrs)


class IngestedOut(serializers.Serializer):
    communication = serializers.IntegerField(help_text="The communication's id.")
    kind = serializers.CharField(help_text="call, chat or web_request.")
    # Plain text here: the appointment's `status` enum keeps its name in the schema.
    status = serializers.CharField(
        help_text="A call: ringing, answered, missed; a chat: active, missed, closed; "
        "a web request: open, processed."
    )
    status_reason = serializers.CharField()
    stored = serializers.BooleanField(
        help_text="False when this event came before: nothing new was stored."
    )
