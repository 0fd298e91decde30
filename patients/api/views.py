from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.response import Response
from rest_framework.viewsets import GenericViewSet

from practice.api.viewsets import PracticeScopedViewSetMixin

from .. import services
from ..models import Client, Patient
from .filters import ClientFilter, PatientFilter
from .serializers import (
    ClientInputSerializer,
    ClientOutputSerializer,
    PatientInputSerializer,
    PatientOutputSerializer,
    PatientUpdateSerializer,
)


class _ListRetrieveCreateUpdate(
    PracticeScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    GenericViewSet,
):
    http_method_names = ["get", "post", "patch", "head", "options"]


class ClientViewSet(_ListRetrieveCreateUpdate):
    """Clients: the contact person (the patient themself in a dental practice)."""

    model = Client
    serializer_class = ClientOutputSerializer
    filterset_class = ClientFilter

    def scope_queryset(self, queryset):
        return queryset.order_by("last_name", "first_name", "id")

    @extend_schema(request=ClientInputSerializer, responses={201: ClientOutputSerializer})
    def create(self, request):
        data = ClientInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        client = services.client_create(self.practice, actor=request.user, **data.validated_data)
        return Response(ClientOutputSerializer(client).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ClientInputSerializer, responses=ClientOutputSerializer)
    def partial_update(self, request, pk=None):
        client = self.get_object()
        data = ClientInputSerializer(client, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.client_update(
            self.practice, actor=request.user, client=client, **data.validated_data
        )
        return Response(ClientOutputSerializer(client).data)


class PatientViewSet(_ListRetrieveCreateUpdate):
    """Patients: the one treated (a person, or an animal owned by a client)."""

    model = Patient
    serializer_class = PatientOutputSerializer
    filterset_class = PatientFilter

    def scope_queryset(self, queryset):
        return queryset.select_related("client").order_by("name", "id")

    @extend_schema(request=PatientInputSerializer, responses={201: PatientOutputSerializer})
    def create(self, request):
        data = PatientInputSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        patient = services.patient_create(
            self.practice, actor=request.user, client=fields.pop("client"), **fields
        )
        return Response(PatientOutputSerializer(patient).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PatientUpdateSerializer, responses=PatientOutputSerializer)
    def partial_update(self, request, pk=None):
        patient = self.get_object()
        data = PatientUpdateSerializer(patient, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.patient_update(
            self.practice, actor=request.user, patient=patient, **data.validated_data
        )
        return Response(PatientOutputSerializer(patient).data)
