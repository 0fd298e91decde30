"""Public JSON endpoints for booking online (no account), so a practice website can embed
booking: reasons, available days, available times, book. Under the practice's slug."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, Throttled
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from practice import localtime
from practice.api.exceptions import validation_detail
from practice.models import Location, Membership
from practice.scoping import for_practice

from . import services
from .availability import Slot, available_days, available_times, booking_settings
from .models import OnlineLocation, Reason
from .ratelimit import BOOK, READ, over_limit
from .selectors import reason_groups


class PublicView(APIView):
    authentication_classes: list = []  # no session: no CSRF, no staff rights
    permission_classes = [AllowAny]
    rate_limit = READ

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # Per client address, shared with the booking pages' counters.
        if over_limit(request._request, self.rate_limit):
            raise Throttled(detail=_("Too many requests. Please try again in a few minutes."))

    def practice(self, request):
        return request._request.public_practice

    def location(self, request, value) -> Location:
        practice = self.practice(request)
        online = (
            for_practice(OnlineLocation, practice)
            .filter(location_id=value if str(value).isdigit() else None, enabled=True)
            .select_related("location")
            .first()
        )
        if online is None or not booking_settings(practice).enabled:
            raise NotFound(_("Online booking is not open here."))
        return online.location

    def reason(self, request, value) -> Reason:
        reason = (
            for_practice(Reason, self.practice(request))
            .filter(pk=value if str(value).isdigit() else None, is_active=True)
            .select_related("consultation_type")
            .first()
        )
        if reason is None:
            raise NotFound(_("Choose a reason for the visit."))
        return reason


class SlotSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField(help_text="The instant, with the location's offset.")
    ends_at = serializers.DateTimeField()
    label = serializers.CharField(
        help_text="The local time to show, e.g. '09:30'; on the night the clocks go back, the "
        "repeated hour says which of the two it is, e.g. '02:30 (summer time)'."
    )
    practitioner = serializers.CharField(allow_null=True)


def _slots(practice, location: Location, slots: list[Slot]) -> list[dict]:
    show = booking_settings(practice).show_practitioner
    names = (
        {m.pk: m.name for m in for_practice(Membership, practice).select_related("user")}
        if show
        else {}
    )
    return [
        {
            "starts_at": s.starts_at,
            "ends_at": s.ends_at,
            "label": localtime.time_label(s.starts_at, location.tz),
            "practitioner": names.get(s.practitioner_id) if show else None,
        }
        for s in slots
    ]


_REASON = inline_serializer(
    "OnlineReason",
    {
        "id": serializers.IntegerField(),
        "name": serializers.CharField(),
        "instructions": serializers.CharField(),
        "duration_minutes": serializers.IntegerField(
            allow_null=True, help_text="null when the practice does not show durations"
        ),
        "species": serializers.ListField(
            child=serializers.CharField(), help_text="empty: for every species"
        ),
    },
)
_REASON_GROUP = inline_serializer(
    "OnlineReasonGroup",
    {
        "name": serializers.CharField(),
        "instructions": serializers.CharField(),
        "reasons": _REASON.__class__(many=True),
    },
)


class ReasonsView(PublicView):
    @extend_schema(
        summary="Reasons for a visit, in groups",
        parameters=[OpenApiParameter("location", int, required=True)],
        responses=_REASON_GROUP.__class__(many=True),
    )
    def get(self, request, practice_slug: str):
        practice = self.practice(request)
        self.location(request, request.query_params.get("location"))
        show_duration = booking_settings(practice).show_duration
        groups = [
            {
                "name": entry.group.name,
                "instructions": entry.group.instructions,
                "reasons": [
                    {
                        "id": r.pk,
                        "name": r.name,
                        "instructions": r.instructions,
                        "duration_minutes": r.duration if show_duration else None,
                        "species": r.species_list(),
                    }
                    for r in entry.reasons
                ],
            }
            for entry in reason_groups(practice)
        ]
        return Response(groups)


def _month(value: str | None, today: dt.date) -> tuple[dt.date, dt.date]:
    try:
        first = dt.date.fromisoformat(f"{value}-01") if value else today.replace(day=1)
    except ValueError as exc:
        raise ApiValidationError({"month": [_("Use the form YYYY-MM.")]}) from exc
    last = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    return first, last


class DaysView(PublicView):
    @extend_schema(
        summary="Days of a month with free times",
        parameters=[
            OpenApiParameter("location", int, required=True),
            OpenApiParameter("reason", int, required=True),
            OpenApiParameter("month", str, description="YYYY-MM; default this month"),
        ],
        responses=inline_serializer(
            "OnlineDays", {"days": serializers.ListField(child=serializers.DateField())}
        ),
    )
    def get(self, request, practice_slug: str):
        practice = self.practice(request)
        location = self.location(request, request.query_params.get("location"))
        reason = self.reason(request, request.query_params.get("reason"))
        first, last = _month(request.query_params.get("month"), localtime.local_today(location.tz))
        days = available_days(practice, location=location, reason=reason, first=first, last=last)
        return Response({"days": days})


class TimesView(PublicView):
    @extend_schema(
        summary="Free times on one day",
        parameters=[
            OpenApiParameter("location", int, required=True),
            OpenApiParameter("reason", int, required=True),
            OpenApiParameter("date", str, required=True, description="YYYY-MM-DD, local"),
        ],
        responses=SlotSerializer(many=True),
    )
    def get(self, request, practice_slug: str):
        practice = self.practice(request)
        location = self.location(request, request.query_params.get("location"))
        reason = self.reason(request, request.query_params.get("reason"))
        try:
            day = dt.date.fromisoformat(request.query_params.get("date", ""))
        except ValueError as exc:
            raise ApiValidationError({"date": [_("Use the form YYYY-MM-DD.")]}) from exc
        slots = available_times(practice, location=location, reason=reason, day=day)
        return Response(SlotSerializer(_slots(practice, location, slots), many=True).data)


class BookSerializer(serializers.Serializer):
    location = serializers.IntegerField()
    reason = serializers.IntegerField()
    starts_at = serializers.DateTimeField()
    first_name = serializers.CharField(max_length=100, allow_blank=True)
    last_name = serializers.CharField(max_length=100, allow_blank=True)
    mobile = serializers.CharField(max_length=30, required=False, allow_blank=True)
    email = serializers.CharField(max_length=254, required=False, allow_blank=True)
    address = serializers.CharField(max_length=255, required=False, allow_blank=True)
    postal_code = serializers.CharField(max_length=20, required=False, allow_blank=True)
    city = serializers.CharField(max_length=100, required=False, allow_blank=True)
    patient_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    species = serializers.CharField(max_length=50, required=False, allow_blank=True)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    messages_by = serializers.ChoiceField(
        choices=["", "sms", "email", "both"],
        required=False,
        help_text="How to send the confirmation and reminder; default: by the contact details "
        "given (or a known client's own choice).",
    )
    # A field people never see: bots fill it in.
    website = serializers.CharField(required=False, allow_blank=True)


class BookView(PublicView):
    rate_limit = BOOK

    @extend_schema(
        summary="Book a free time",
        request=BookSerializer,
        responses={
            201: inline_serializer(
                "OnlineBooked",
                {
                    "appointment": serializers.IntegerField(),
                    "starts_at": serializers.DateTimeField(),
                    "ends_at": serializers.DateTimeField(),
                    "location": serializers.CharField(),
                },
            ),
            400: None,
            409: inline_serializer(
                "OnlineTaken",
                {"detail": serializers.CharField(), "alternatives": SlotSerializer(many=True)},
            ),
        },
    )
    def post(self, request, practice_slug: str):
        practice = self.practice(request)
        form = BookSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        if data.get("website"):
            raise ApiValidationError({"website": [_("Leave this field empty.")]})
        location = self.location(request, data["location"])
        booking = services.BookingRequest(
            location=location,
            reason=self.reason(request, data["reason"]),
            starts_at=data["starts_at"],
            client={k: data.get(k, "") for k in services.CLIENT_FIELDS},
            patient_name=data.get("patient_name", ""),
            species=data.get("species", ""),
            note=data.get("note", ""),
            messages_by=data.get("messages_by"),
        )
        try:
            appointment = services.online_book(practice, booking)
        except services.SlotTaken as taken:
            return Response(
                {
                    "detail": taken.messages[0],
                    "alternatives": SlotSerializer(
                        _slots(practice, location, taken.alternatives), many=True
                    ).data,
                },
                status=status.HTTP_409_CONFLICT,
            )
        except ValidationError as error:
            # Never the handler's 409: it names another client's appointment.
            raise ApiValidationError(validation_detail(error)) from None
        return Response(
            {
                "appointment": appointment.pk,
                "starts_at": appointment.starts_at,
                "ends_at": appointment.ends_at,
                "location": location.name,
            },
            status=status.HTTP_201_CREATED,
        )
