"""GET /api/v1/reports/departure/: the departure report's figures for other tools."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from practice.api.viewsets import PracticeScopedViewSetMixin

from .. import departure
from ..forms import DepartureReportForm

_reason = inline_serializer(
    "DepartureReason", {"reason": serializers.CharField(), "count": serializers.IntegerField()}
)
_action = inline_serializer(
    "DepartureActionFigures",
    {
        "action": serializers.CharField(),
        "label": serializers.CharField(),
        "total": serializers.IntegerField(),
        "success": serializers.IntegerField(),
        "success_pct": serializers.FloatField(),
        "failed": serializers.IntegerField(),
        "failed_pct": serializers.FloatField(),
        "postponed": serializers.IntegerField(),
        "postponed_pct": serializers.FloatField(),
        "postponement_reasons": _reason.__class__(many=True),
        "failure_reasons": _reason.__class__(many=True),
    },
)


class DepartureReportView(PracticeScopedViewSetMixin, APIView):
    """One object of figures (an APIView, not a viewset's `list`, so the schema says object)."""

    @extend_schema(
        summary="Departure workflow report",
        parameters=[
            OpenApiParameter("date_from", OpenApiTypes.DATE, description="First local day"),
            OpenApiParameter("date_to", OpenApiTypes.DATE, description="Last local day"),
            OpenApiParameter("location", OpenApiTypes.INT),
            OpenApiParameter("practitioner", OpenApiTypes.INT),
            OpenApiParameter("run_by", OpenApiTypes.INT, description="User who checked out"),
        ],
        responses=inline_serializer(
            "DepartureReport",
            {
                "date_from": serializers.DateField(),
                "date_to": serializers.DateField(),
                "location": serializers.IntegerField(allow_null=True),
                "practitioner": serializers.IntegerField(allow_null=True),
                "run_by": serializers.IntegerField(allow_null=True),
                "actions": _action.__class__(many=True),
                "failed_workflows": serializers.IntegerField(),
            },
        ),
    )
    def get(self, request):
        membership = self.membership
        if not departure.can_read_report(membership):
            raise PermissionDenied(_("This role may not read reports."))
        own_only = not departure.has_right(membership, departure.Right.VIEW_REPORTS)
        form = DepartureReportForm(
            request.query_params, practice=self.practice, lock_practitioner=own_only
        )
        if not form.is_valid():
            raise ValidationError({field: list(errors) for field, errors in form.errors.items()})
        filters = departure.restrict_to_viewer(form.filters(), membership)
        figures = departure.departure_report(self.practice, filters)
        return Response(
            {
                "date_from": filters.date_from,
                "date_to": filters.date_to,
                "location": filters.location_id,
                "practitioner": filters.practitioner_id,
                "run_by": filters.run_by_id,
                "actions": [f.as_dict() for f in figures],
                "failed_workflows": departure.failed_workflows(self.practice, filters).count(),
            }
        )
