"""Read-only API over the messages sent to clients (confirmations, reminders, workflows).

Messages are written by the messaging services only; the API reads them, scoped by
`PracticeScopedReadOnlyViewSet` (another practice's id answers 404 like a missing one).
"""

from __future__ import annotations

import django_filters
from rest_framework import serializers

from appointments.api.filters import InstantFilter
from practice.api.viewsets import PracticeScopedReadOnlyViewSet

from ..models import Channel, Kind, Message


class MessageSerializer(serializers.ModelSerializer):
    # Why it did not go out, in the language of the request (the row keeps a code).
    error = serializers.CharField(source="error_text", read_only=True)

    class Meta:
        model = Message
        fields = [
            "id",
            "appointment",
            "client",
            "patient",
            "kind",
            "channel",
            "recipient",
            "subject",
            "body",
            "status",
            "error_code",
            "error",
            "segments",
            "due_at",
            "sent_at",
            "created_at",
        ]
        read_only_fields = fields


class MessageFilter(django_filters.FilterSet):
    # Declared, not generated from Meta.fields (that queries outside any practice).
    appointment = django_filters.NumberFilter(field_name="appointment_id")
    client = django_filters.NumberFilter(field_name="client_id")
    patient = django_filters.NumberFilter(field_name="patient_id")
    kind = django_filters.ChoiceFilter(choices=Kind.choices)
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    status = django_filters.ChoiceFilter(choices=Message.Status.choices)
    due_from = InstantFilter(field_name="due_at", lookup_expr="gte", label="Due from")
    due_to = InstantFilter(field_name="due_at", lookup_expr="lt", label="Due before")

    class Meta:
        model = Message
        fields: list[str] = []


class MessageViewSet(PracticeScopedReadOnlyViewSet):
    """Messages to clients, newest due first."""

    model = Message
    serializer_class = MessageSerializer
    filterset_class = MessageFilter

    def scope_queryset(self, queryset):
        return queryset.order_by("-due_at", "-id")
