from django.conf import settings
from rest_framework import serializers

from practice.api.fields import (
    OptionalEmailField,
    PracticePrimaryKeyRelatedField,
    blank_choice_field,
)

from ..models import Client, Patient, Sex
from ..services import CLIENT_FIELDS, PATIENT_FIELDS


class ClientOutputSerializer(serializers.ModelSerializer):
    email = OptionalEmailField()
    sex = blank_choice_field(Sex.choices)
    # Empty: their messages follow the practice's language.
    language = blank_choice_field(settings.LANGUAGES)

    class Meta:
        model = Client
        fields = [
            "id",
            *Client.EDITABLE_FIELDS,
            "marketing_consent",
            "marketing_consent_at",
            "marketing_consent_wording",
            "is_active",
            "created_at",
        ]
        read_only_fields = fields


class ClientInputSerializer(serializers.ModelSerializer):
    """Field shapes only; the service normalises the phone number and saves."""

    mobile = serializers.CharField(required=False, allow_blank=True, max_length=40)

    class Meta:
        model = Client
        fields = sorted(CLIENT_FIELDS)


class PatientOutputSerializer(serializers.ModelSerializer):
    client_name = serializers.CharField(source="client.full_name", read_only=True)
    sex = blank_choice_field(Sex.choices)

    class Meta:
        model = Patient
        fields = [
            "id",
            "client",
            "client_name",
            "name",
            "species",
            "breed",
            "sex",
            "birth_date",
            "is_active",
            "created_at",
        ]
        read_only_fields = fields


class PatientInputSerializer(serializers.ModelSerializer):
    client = PracticePrimaryKeyRelatedField(Client)

    class Meta:
        model = Patient
        fields = ["client", *sorted(PATIENT_FIELDS)]


class PatientUpdateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Patient
        fields = sorted(PATIENT_FIELDS)
