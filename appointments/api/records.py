"""The API over what a visit leaves behind: payments, treatment plans and recalls.

Payments are recorded (POST) and never changed or deleted (405 with the reason); treatment
plans are proposed with their treatments and moved on (PATCH), their treatments added,
changed and cancelled under `/planned-treatments/`; recalls are set, moved and removed. The
rules live in the services (`services.payment_take`, `plans`, `recalls`), which check the
role's right and write the audit row; the views only read input and show answers. Lists and
lookups are scoped by `PracticeScopedViewSetMixin`: another practice's id answers 404 like
a missing one, and in a body 400 "does not exist".
"""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import MethodNotAllowed
from rest_framework.response import Response
from rest_framework.viewsets import GenericViewSet

from patients.models import Client, Patient
from practice.api.fields import PracticePrimaryKeyRelatedField
from practice.api.viewsets import PracticeScopedViewSetMixin

from .. import plans, recalls, services
from ..models import Appointment, Payment, PlannedTreatment, Recall, TreatmentPlan
from .filters import InstantFilter

# A plan proposed through the API names at most this many treatments at once.
MAX_TREATMENTS = 100


class _Writable(
    PracticeScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet
):
    """List and retrieve, scoped; subclasses add the writes they allow, through services."""

    def _input(self, serializer_class, **kwargs):
        serializer = serializer_class(
            data=self.request.data, context=self.get_serializer_context(), **kwargs
        )
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


class PaymentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Payment
        fields = ["id", "client", "patient", "appointment", "amount", "method", "taken_at"]
        read_only_fields = fields


class PaymentInputSerializer(serializers.Serializer):
    client = PracticePrimaryKeyRelatedField(
        Client, required=False, help_text="Who paid; defaults to the appointment's or patient's."
    )
    patient = PracticePrimaryKeyRelatedField(Patient, required=False)
    appointment = PracticePrimaryKeyRelatedField(Appointment, required=False)
    amount = serializers.DecimalField(max_digits=10, decimal_places=2)
    method = serializers.ChoiceField(choices=Payment.Method.choices)


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


class PaymentViewSet(_Writable):
    """Payments taken, newest first; record one with POST. A payment is money taken: it is
    never changed or deleted (PUT, PATCH and DELETE answer 405)."""

    model = Payment
    serializer_class = PaymentSerializer
    filterset_class = PaymentFilter
    http_method_names = ["get", "post", "head", "options"]

    def scope_queryset(self, queryset):
        return queryset.order_by("-taken_at", "-id")

    def http_method_not_allowed(self, request, *args, **kwargs):
        raise MethodNotAllowed(
            request.method,
            detail=_("A payment is money taken: it cannot be changed or deleted."),
        )

    @extend_schema(request=PaymentInputSerializer, responses={201: PaymentSerializer})
    def create(self, request):
        """Record a payment (the take-payments right is checked by the service)."""
        payment = services.payment_take(
            self.practice, actor=request.user, **self._input(PaymentInputSerializer)
        )
        return Response(PaymentSerializer(payment).data, status=status.HTTP_201_CREATED)


class PlannedTreatmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlannedTreatment
        fields = ["id", "plan", "code", "description", "fee", "status", "to_book", "appointment"]
        read_only_fields = fields


class PlannedTreatmentInputSerializer(serializers.Serializer):
    """A treatment's shape; the service judges it (a fee of zero is fine, below zero not)."""

    code = serializers.CharField(max_length=20)
    description = serializers.CharField(max_length=255)
    fee = serializers.DecimalField(max_digits=10, decimal_places=2)
    to_book = serializers.BooleanField(
        default=False, help_text="The practitioner marked it to be booked."
    )


class PlannedTreatmentCreateSerializer(PlannedTreatmentInputSerializer):
    plan = PracticePrimaryKeyRelatedField(TreatmentPlan)


class TreatmentPlanSerializer(serializers.ModelSerializer):
    treatments = PlannedTreatmentSerializer(many=True, read_only=True)

    class Meta:
        model = TreatmentPlan
        fields = ["id", "patient", "title", "status", "created_at", "treatments"]
        read_only_fields = fields


def _line_reasons(detail) -> list[str]:
    """A list's reasons per item ({index: {field: [reasons]}}) as the API words a 400: plain
    sentences, each naming its line (1 for the first) and field."""
    if not isinstance(detail, dict):
        return [str(reason) for reason in detail]
    return [
        _("Line %(line)d, %(field)s: %(reason)s")
        % {"line": int(index) + 1, "field": field, "reason": reason}
        for index, fields in sorted(detail.items())
        for field, reasons in fields.items()
        for reason in reasons
    ]


class TreatmentLinesField(serializers.ListField):
    """The treatments of a new plan; a refused one is named by its line, like the service's
    reasons, so a 400 keeps the API's one shape: field → list of sentences."""

    def __init__(self, **kwargs):
        super().__init__(child=PlannedTreatmentInputSerializer(), **kwargs)

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as error:
            raise serializers.ValidationError(_line_reasons(error.detail)) from None


class TreatmentPlanCreateSerializer(serializers.Serializer):
    patient = PracticePrimaryKeyRelatedField(Patient)
    title = serializers.CharField(max_length=200)
    treatments = TreatmentLinesField(required=False, max_length=MAX_TREATMENTS)


class TreatmentPlanUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    status = serializers.ChoiceField(
        choices=TreatmentPlan.Status.choices,
        required=False,
        help_text="proposed → accepted or rejected; accepted → completed or rejected.",
    )


class TreatmentPlanFilter(django_filters.FilterSet):
    patient = django_filters.NumberFilter(field_name="patient_id")
    status = django_filters.ChoiceFilter(choices=TreatmentPlan.Status.choices)

    class Meta:
        model = TreatmentPlan
        fields: list[str] = []


class TreatmentPlanViewSet(_Writable):
    """Treatment plans with their planned treatments, newest first; propose one (POST) and
    rename it or move its status on (PATCH). Its treatments change under /planned-treatments/."""

    model = TreatmentPlan
    serializer_class = TreatmentPlanSerializer
    filterset_class = TreatmentPlanFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def scope_queryset(self, queryset):
        # One query for all the page's treatments (the default manager scopes them too).
        return queryset.prefetch_related("treatments").order_by("-created_at", "-id")

    def _output(self, plan, code=status.HTTP_200_OK):
        plan = self.get_queryset().get(pk=plan.pk)  # fresh, with its treatments
        return Response(TreatmentPlanSerializer(plan).data, status=code)

    @extend_schema(request=TreatmentPlanCreateSerializer, responses={201: TreatmentPlanSerializer})
    def create(self, request):
        plan = plans.treatment_plan_create(
            self.practice, actor=request.user, **self._input(TreatmentPlanCreateSerializer)
        )
        return self._output(plan, status.HTTP_201_CREATED)

    @extend_schema(request=TreatmentPlanUpdateSerializer, responses=TreatmentPlanSerializer)
    def partial_update(self, request, pk=None):
        plan = self.get_object()
        data = self._input(TreatmentPlanUpdateSerializer, partial=True)
        plans.treatment_plan_update(self.practice, actor=request.user, plan=plan, **data)
        return self._output(plan)


class PlannedTreatmentFilter(django_filters.FilterSet):
    plan = django_filters.NumberFilter(field_name="plan_id")
    patient = django_filters.NumberFilter(field_name="plan__patient_id")
    appointment = django_filters.NumberFilter(field_name="appointment_id")
    status = django_filters.ChoiceFilter(choices=PlannedTreatment.Status.choices)
    to_book = django_filters.TypedChoiceFilter(
        choices=[("true", "true"), ("false", "false")], coerce=lambda value: value == "true"
    )

    class Meta:
        model = PlannedTreatment
        fields: list[str] = []


class PlannedTreatmentViewSet(_Writable):
    """The treatments of plans: add one to an open plan (POST), change it while planned or
    booked (PATCH), cancel it (POST …/cancel/; it stays on the plan, never deleted)."""

    model = PlannedTreatment
    serializer_class = PlannedTreatmentSerializer
    filterset_class = PlannedTreatmentFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def scope_queryset(self, queryset):
        return queryset.order_by("plan_id", "id")

    @extend_schema(
        request=PlannedTreatmentCreateSerializer, responses={201: PlannedTreatmentSerializer}
    )
    def create(self, request):
        treatment = plans.planned_treatment_add(
            self.practice, actor=request.user, **self._input(PlannedTreatmentCreateSerializer)
        )
        return Response(PlannedTreatmentSerializer(treatment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PlannedTreatmentInputSerializer, responses=PlannedTreatmentSerializer)
    def partial_update(self, request, pk=None):
        treatment = self.get_object()
        data = self._input(PlannedTreatmentInputSerializer, partial=True)
        treatment = plans.planned_treatment_update(
            self.practice, actor=request.user, treatment=treatment, **data
        )
        return Response(PlannedTreatmentSerializer(treatment).data)

    @extend_schema(request=None, responses=PlannedTreatmentSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        treatment = plans.planned_treatment_cancel(
            self.practice, actor=request.user, treatment=self.get_object()
        )
        return Response(PlannedTreatmentSerializer(treatment).data)


class RecallSerializer(serializers.ModelSerializer):
    class Meta:
        model = Recall
        fields = ["id", "patient", "kind", "due_date", "to_book"]
        read_only_fields = fields


class RecallCreateSerializer(serializers.Serializer):
    patient = PracticePrimaryKeyRelatedField(Patient)
    kind = serializers.ChoiceField(
        choices=Recall.Kind.choices, help_text="One recall of each kind per patient."
    )
    due_date = serializers.DateField()
    to_book = serializers.BooleanField(
        default=False, help_text="Reception books it when the patient leaves."
    )


class RecallUpdateSerializer(serializers.Serializer):
    due_date = serializers.DateField(required=False)
    to_book = serializers.BooleanField(required=False)


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


class RecallViewSet(mixins.DestroyModelMixin, _Writable):
    """Recalls (when a patient is due back), soonest first: set one (POST; one of each kind
    per patient), move it or change to_book (PATCH), remove it (DELETE)."""

    model = Recall
    serializer_class = RecallSerializer
    filterset_class = RecallFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def scope_queryset(self, queryset):
        return queryset.order_by("due_date", "id")

    @extend_schema(request=RecallCreateSerializer, responses={201: RecallSerializer})
    def create(self, request):
        recall = recalls.recall_create(
            self.practice, actor=request.user, **self._input(RecallCreateSerializer)
        )
        return Response(RecallSerializer(recall).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RecallUpdateSerializer, responses=RecallSerializer)
    def partial_update(self, request, pk=None):
        recall = self.get_object()
        data = self._input(RecallUpdateSerializer, partial=True)
        recalls.recall_update(self.practice, actor=request.user, recall=recall, **data)
        return Response(RecallSerializer(recall).data)

    def perform_destroy(self, instance):
        recalls.recall_delete(self.practice, actor=self.request.user, recall=instance)
