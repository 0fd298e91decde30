"""Serializer fields: ids resolved within the request's practice only; datetimes within the
years practice.parsing accepts."""

from rest_framework import serializers

from ..parsing import InvalidInput, check_year
from ..scoping import for_practice


class PracticePrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """An id of `model` in the current practice; another practice's id is 'does not exist'.

    The queryset is built per request from serializer context["practice"], never at import.
    """

    def __init__(self, model, **kwargs):
        self.model = model
        self.refine = kwargs.pop("refine", None)
        super().__init__(queryset=model.objects.none(), **kwargs)

    def get_queryset(self):
        queryset = for_practice(self.model, self.context["practice"])
        return self.refine(queryset) if self.refine else queryset


class BoundedDateTimeField(serializers.DateTimeField):
    """An aware datetime whose year lies where arithmetic and time zones cannot overflow
    (year 1 or 9999 is refused with 400 and the field's reason, never a 500 later)."""

    def to_internal_value(self, value):
        moment = super().to_internal_value(value)
        try:
            return check_year(moment, field=self.field_name or "")
        except InvalidInput as error:
            raise serializers.ValidationError(error.message, code="year") from None


class OptionalEmailField(serializers.EmailField):
    """An email address on file, or null when there is none.

    Stored as "" when missing; the schema's `format: email` has no empty form, so the answer
    says null instead.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return value or None


def blank_choice_field(choices, **kwargs) -> serializers.ChoiceField:
    """A read-only choice that may be empty (""): the schema's enum then includes ""."""
    return serializers.ChoiceField(choices=choices, allow_blank=True, read_only=True, **kwargs)
