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
