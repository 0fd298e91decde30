from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.viewsets import GenericViewSet

from practice.api.errors import ConflictSerializer, ErrorSerializer
from practice.api.viewsets import PracticeScopedReadOnlyViewSet, PracticeScopedViewSetMixin

from .. import services
from ..models import Appointment, ConsultationType
from .filters import AppointmentFilter, ConsultationTypeFilter
from .serializers import (
    AppointmentCancelSerializer,
    AppointmentCreateSerializer,
    AppointmentMoveSerializer,
    AppointmentOutputSerializer,
    AppointmentStatusSerializer,
    ConsultationTypeSerializer,
    PaymentCreateSerializer,
    PaymentOutputSerializer,
)

CONFLICT = OpenApiResponse(ConflictSerializer, description="The time is taken; names the clash.")


class ConsultationTypeViewSet(PracticeScopedReadOnlyViewSet):
    model = ConsultationType
    serializer_class = ConsultationTypeSerializer
    filterset_class = ConsultationTypeFilter


class AppointmentViewSet(
    PracticeScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet
):
    """Appointments: book (POST), move (PATCH), cancel and change status (actions)."""

    model = Appointment
    serializer_class = AppointmentOutputSerializer
    filterset_class = AppointmentFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def scope_queryset(self, queryset):
        return queryset.select_related(
            "patient", "practitioner__user", "location", "consultation_type"
        ).order_by("starts_at", "id")

    def _input(self, serializer_class, **kwargs):
        serializer = serializer_class(
            data=self.request.data, context=self.get_serializer_context(), **kwargs
        )
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def _output(self, appointment, code=status.HTTP_200_OK):
        return Response(AppointmentOutputSerializer(appointment).data, status=code)

    @extend_schema(
        request=AppointmentCreateSerializer,
        responses={201: AppointmentOutputSerializer, 409: CONFLICT},
    )
    def create(self, request):
        data = self._input(AppointmentCreateSerializer)
        appointment = services.appointment_book(self.practice, actor=request.user, **data)
        return self._output(appointment, status.HTTP_201_CREATED)

    @extend_schema(
        request=AppointmentMoveSerializer,
        responses={200: AppointmentOutputSerializer, 409: CONFLICT},
    )
    def partial_update(self, request, pk=None):
        appointment = self.get_object()
        data = self._input(AppointmentMoveSerializer)
        services.appointment_move(
            self.practice, actor=request.user, appointment=appointment, **data
        )
        return self._output(appointment)

    @extend_schema(request=AppointmentCancelSerializer, responses=AppointmentOutputSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        appointment = self.get_object()
        data = self._input(AppointmentCancelSerializer)
        services.appointment_cancel(
            self.practice, actor=request.user, appointment=appointment, **data
        )
        return self._output(appointment)

    @extend_schema(
        request=AppointmentStatusSerializer,
        responses={200: AppointmentOutputSerializer, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request, pk=None):
        appointment = self.get_object()
        data = self._input(AppointmentStatusSerializer)
        services.appointment_set_status(
            self.practice, actor=request.user, appointment=appointment, **data
        )
        return self._output(appointment)

    @extend_schema(
        request=PaymentCreateSerializer,
        responses={
            201: PaymentOutputSerializer,
            403: OpenApiResponse(
                ErrorSerializer, description="The user's role may not take payments."
            ),
        },
    )
    @action(detail=True, methods=["post"])
    def payments(self, request, pk=None):
        """Record a payment for the visit (the take-payments right is checked by the service)."""
        appointment = self.get_object()
        data = self._input(PaymentCreateSerializer)
        payment = services.payment_take(
            self.practice, actor=request.user, appointment=appointment, **data
        )
        return Response(PaymentOutputSerializer(payment).data, status=status.HTTP_201_CREATED)
