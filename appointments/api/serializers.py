from rest_framework import serializers

from patients.models import Patient
from practice.api.fields import (
    BoundedDateTimeField,
    PracticePrimaryKeyRelatedField,
    blank_choice_field,
)
from practice.models import CLINICAL_ROLES, Location, Membership, Room

from ..models import Appointment, ConsultationType, Payment


def _practitioners(queryset):
    return queryset.filter(role__in=CLINICAL_ROLES, is_active=True)


class ConsultationTypeSerializer(serializers.ModelSerializer):
    room_kind = blank_choice_field(Room.Kind.choices, help_text="Empty when no room is needed.")

    class Meta:
        model = ConsultationType
        fields = [
            "id",
            "name",
            "duration_minutes",
            "category",
            "colour",
            "room_kind",
            "equipment_kind",
            "is_active",
        ]
        read_only_fields = fields


class AppointmentOutputSerializer(serializers.ModelSerializer):
    patient_name = serializers.CharField(source="patient.name", read_only=True)
    practitioner_name = serializers.CharField(source="practitioner.name", read_only=True)
    consultation_type_name = serializers.CharField(source="consultation_type.name", read_only=True)
    location_name = serializers.CharField(source="location.name", read_only=True)

    class Meta:
        model = Appointment
        fields = [
            "id",
            "patient",
            "patient_name",
            "client",
            "practitioner",
            "practitioner_name",
            "location",
            "location_name",
            "room",
            "equipment",
            "consultation_type",
            "consultation_type_name",
            "starts_at",
            "ends_at",
            "status",
            "source",
            "notes",
            "cancel_reason",
            "created_at",
        ]
        read_only_fields = fields


class AppointmentCreateSerializer(serializers.Serializer):
    patient = PracticePrimaryKeyRelatedField(Patient)
    practitioner = PracticePrimaryKeyRelatedField(Membership, refine=_practitioners)
    location = PracticePrimaryKeyRelatedField(Location)
    consultation_type = PracticePrimaryKeyRelatedField(ConsultationType)
    room = PracticePrimaryKeyRelatedField(Room, required=False, allow_null=True)
    starts_at = BoundedDateTimeField()
    ends_at = BoundedDateTimeField(
        required=False, allow_null=True, help_text="Defaults to the type's duration."
    )
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class AppointmentMoveSerializer(serializers.Serializer):
    starts_at = BoundedDateTimeField()
    ends_at = BoundedDateTimeField(
        required=False, allow_null=True, help_text="Defaults to keeping the duration."
    )
    practitioner = PracticePrimaryKeyRelatedField(Membership, refine=_practitioners, required=False)
    room = PracticePrimaryKeyRelatedField(Room, required=False)


class AppointmentCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")


class AppointmentStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Appointment.Status.choices)


class PaymentCreateSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=10, decimal_places=2)
    method = serializers.ChoiceField(choices=Payment.Method.choices)


class PaymentOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Payment
        fields = ["id", "appointment", "client", "patient", "amount", "method", "taken_at"]
        read_only_fields = fields
