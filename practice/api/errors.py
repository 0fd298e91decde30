"""The shapes of the API's error answers (documented by practice.api.schema)."""

from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """403, 404, 429: one sentence saying why."""

    detail = serializers.CharField()


class ValidationErrorSerializer(serializers.Serializer):
    """400: each refused field with its reasons (the schema is written out in
    practice.api.schema: a field name → reasons map has no serializer fields)."""

    class Meta:
        ref_name = "ValidationError"


class ConflictSerializer(serializers.Serializer):
    """409: the time is taken; names the appointment in the way (of this practice)."""

    detail = serializers.CharField()
    conflict = serializers.DictField(allow_null=True)
