"""Read-only API over what a visit leaves behind: payments, treatment plans and recalls.

Payments are taken through `POST /appointments/{id}/payments/` (the service checks the right);
plans and recalls are written in the practice's own pages. Lists and lookups are scoped by
`PracticeScopedReadOnlyViewSet`: another practice's id answers 404 like a missing one.
"""

from __future__ import annotations

import django_filters
from rest_framework import serializers

from practice.api.viewsets import PracticeScopedReadOnlyViewSet

from ..models import Payment, PlannedTreatment, Recall, TreatmentPlan
from .filters import InstantFilter


class PaymentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Payment
        fields = ["id", "client", "patient", "appointment", "amount", "method", "taken_at"]
        read_only_fields = fields


class PaymentFilter(django_filters.FilterSet):
    # Declared, not generated from Meta.fields (that queries outside any practice).
    client = django_filters.NumberFilter(field_name="client_id")
    patient = django_filters.NumberFilter(field_name="patient_id")
    appointment = django_filters.NumberFilter(field_name="appointment_id")
    method = django_filters.ChoiceFilter(choices=Payment.Method.choices)
    taken_from = InstantFilter(field_name="taken_at", lookup_expr="gte", label="Taken from")
    taken_to = InstantFilter(field_name="taken_at", lookup_expr="lt", label="Taken before")

    class Meta:
        model = Payment
        fields: list[str] = []


class PaymentViewSet(PracticeScopedReadOnlyViewSet):
    """Payments taken, newest first."""

    model = Payment
    serializer_class = PaymentSerializer
    filterset_class = PaymentFilter

    def scope_queryset(self, queryset):
        return queryset.order_by("-taken_at", "-id")


class PlannedTreatmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlannedTreatment
        fields = ["id", "code", "description", "fee", "status", "to_book", "appointment"]
        read_only_fields = fields


class TreatmentPlanSerializer(serializers.ModelSerializer):
    treatments = PlannedTreatmentSerializer(many=True, read_only=True)

    class Meta:
        model = TreatmentPlan
        fields = ["id", "patient", "title", "status", "created_at", "treatments"]
        read_only_fields = fields


class TreatmentPlanFilter(django_filters.FilterSet):
    patient = django_filters.NumberFilter(field_name="patient_id")
    status = django_filters.ChoiceFilter(choices=TreatmentPlan.Status.choices)

    class Meta:
        model = TreatmentPlan
        fields: list[str] = []


class TreatmentPlanViewSet(PracticeScopedReadOnlyViewSet):
    """Treatment plans with their planned treatments, newest first."""

    model = TreatmentPlan
    serializer_class = TreatmentPlanSerializer
    filterset_class = TreatmentPlanFilter

    def scope_queryset(self, queryset):
        # One query for all the page's treatments (the default manager scopes them too).
        return queryset.prefetch_related("treatments").order_by("-created_at", "-id")


class RecallSerializer(serializers.ModelSerializer):
    class Meta:
        model = Recall
        fields = ["id", "patient", "kind", "due_date", "to_book"]
        read_only_fields = fields


class RecallFilter(django_filters.FilterSet):
    patient = django_filters.NumberFilter(field_name="patient_id")
    kind = django_filters.ChoiceFilter(choices=Recall.Kind.choices)
    due_from = django_filters.DateFilter(field_name="due_date", lookup_expr="gte")
    due_to = django_filters.DateFilter(field_name="due_date", lookup_expr="lte")
    # Only 'true' or 'false': anything else is a 400, not silently no filter.
    to_book = django_filters.TypedChoiceFilter(
        choices=[("true", "true"), ("false", "false")], coerce=lambda value: value == "true"
    )

    class Meta:
        model = Recall
        fields: list[str] = []


class RecallViewSet(PracticeScopedReadOnlyViewSet):
    """Recalls (when a patient is due back), soonest first."""

    model = Recall
    serializer_class = RecallSerializer
    filterset_class = RecallFilter

    def scope_queryset(self, queryset):
        return queryset.order_by("due_date", "id")
