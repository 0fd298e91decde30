"""Public JSON endpoints for booking online (no account), so a practice website can embed
booking: reasons, available days, available times, book. Under the practice's slug."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, Throttled
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from patients.models import Delivery
from practice import localtime
from practice.api.exceptions import validation_detail
from practice.api.fields import BoundedDateTimeField
from practice.languages import visitor_language
from practice.models import Location, Membership
from practice.parsing import parse_date, parse_id, parse_month, query_param
from practice.scoping import for_practice

from . import services
from .availability import Slot, available_days, available_times, booking_settings
from .models import Reason
from .ratelimit import BOOK, READ, over_limit
from .selectors import active_reason, open_location, reason_groups


class PublicView(APIView):
    authentication_classes: list = []  # no session: no CSRF, no staff rights
    permission_classes = [AllowAny]
    rate_limit = READ

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # Per client address, shared with the booking pages' counters.
        wait = over_limit(request._request, self.rate_limit)
        if wait:  # DRF sends the wait as Retry-After
            raise Throttled(
                wait=wait, detail=_("Too many requests. Please try again in a few minutes.")
            )

    def practice(self, request):
        return request._request.public_practice

    def location(self, request) -> Location:
        location_id = query_param(request.query_params, "location", parse_id)
        online = open_location(self.practice(request), location_id)
        if online is None:
            raise NotFound(_("Online booking is not open here."))
        return online.location

    def reason(self, request) -> Reason:
        reason_id = query_param(request.query_params, "reason", parse_id)
        reason = active_reason(self.practice(request), reason_id)
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
        self.location(request)
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


def _month(query, today: dt.date) -> tuple[dt.date, dt.date]:
    first = query_param(query, "month", parse_month, default=today.replace(day=1))
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
        location = self.location(request)
        reason = self.reason(request)
        first, last = _month(request.query_params, localtime.local_today(location.tz))
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
        location = self.location(request)
        reason = self.reason(request)
        day = parse_date(request.query_params.get("date"), field="date")
        slots = available_times(practice, location=location, reason=reason, day=day)
        return Response(SlotSerializer(_slots(practice, location, slots), many=True).data)


def _typed(**kwargs) -> serializers.CharField:
    # Collected as typed; online_book judges them (required, length, format) and its
    # refusals come back as 400 with the field's reason.
    return serializers.CharField(required=False, allow_blank=True, default="", **kwargs)


class BookSerializer(serializers.Serializer):
    location = serializers.IntegerField()
    reason = serializers.IntegerField()
    starts_at = BoundedDateTimeField()
    first_name = _typed()
    last_name = _typed()
    mobile = _typed()
    email = _typed()
    address = _typed()
    postal_code = _typed()
    city = _typed()
    patient_name = _typed(help_text="The pet's name (vet practices).")
    species = _typed()
    note = _typed()
    messages_by = serializers.ChoiceField(
        choices=[choice for choice in Delivery.values if choice],
        required=False,
        allow_blank=True,
        help_text="How to send the confirmation and reminder, among the channels the practice "
        "offers; default: by the contact details given (or a known client's own choice).",
    )
    language = serializers.ChoiceField(
        # The same choices as the client's own language: one enum in the schema.
        choices=settings.LANGUAGES,
        required=False,
        allow_blank=True,
        help_text="The client's language: a new client's messages and link pages speak it. "
        "Default: `?lang=`, else the practice's language (as on the booking pages).",
    )
    # A field people never see: bots fill it in.
    website = _typed()
    # Where the booking came from, for the contact history's ad channels (as the booking
    # pages carry them from the address they were opened with).
    utm_source = _typed(max_length=services.TAG_LIMIT)
    utm_medium = _typed(max_length=services.TAG_LIMIT)
    utm_campaign = _typed(max_length=services.TAG_LIMIT)
    utm_term = _typed(max_length=services.TAG_LIMIT)
    utm_content = _typed(max_length=services.TAG_LIMIT)
    landing_page = _typed(
        max_length=services.TAG_LIMIT, help_text="The page the booking widget was on."
    )
    call = _typed(
        max_length=services.TAG_LIMIT,
        help_text="The `call` code of a missed-call text-back link the page was opened "
        "with: the booking joins that caller's contact.",
    )


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
        booking = services.BookingRequest(
            location_id=data["location"],
            reason_id=data["reason"],
            starts_at=data["starts_at"],
            client={k: data[k] for k in services.CLIENT_FIELDS},
            patient_name=data["patient_name"],
            species=data["species"],
            note=data["note"],
            messages_by=data.get("messages_by") or None,
            website=data["website"],
            tags={tag: data[tag] for tag in services.TAGS if data[tag]},
            # The booking pages' rule: the visitor's choice, else the practice's language.
            language=visitor_language(
                request._request, practice.language, chosen=data.get("language")
            ),
        )
        try:
            appointment = services.online_book(practice, booking)
        except services.SlotTaken as taken:
            return Response(
                {
                    "detail": taken.messages[0],
                    "alternatives": SlotSerializer(
                        _slots(practice, taken.location, taken.alternatives), many=True
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
                "location": appointment.location.name,
            },
            status=status.HTTP_201_CREATED,
        )
