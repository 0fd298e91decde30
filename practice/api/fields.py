"""Serializer fields that resolve ids within the request's practice only."""

from rest_framework import serializers

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
