from django.urls import include, path
from rest_framework.routers import DefaultRouter

from appointments.api.records import (
    PaymentViewSet,
    PlannedTreatmentViewSet,
    RecallViewSet,
    TreatmentPlanViewSet,
)
from appointments.api.views import AppointmentViewSet, ConsultationTypeViewSet
from messaging.api.views import MessageViewSet
from patients.api.views import ClientViewSet, PatientViewSet
from practice.api.views import PractitionerViewSet
from reports.api.views import DepartureReportView


# JSON only: no `.json` suffix routes (their `format` argument reached views that take none).
class JsonRouter(DefaultRouter):
    include_format_suffixes = False


router = JsonRouter()
router.register("clients", ClientViewSet, basename="client")
router.register("patients", PatientViewSet, basename="patient")
router.register("appointments", AppointmentViewSet, basename="appointment")
router.register("consultation-types", ConsultationTypeViewSet, basename="consultation-type")
router.register("practitioners", PractitionerViewSet, basename="practitioner")
router.register("messages", MessageViewSet, basename="message")
router.register("payments", PaymentViewSet, basename="payment")
router.register("treatment-plans", TreatmentPlanViewSet, basename="treatment-plan")
router.register("planned-treatments", PlannedTreatmentViewSet, basename="planned-treatment")
router.register("recalls", RecallViewSet, basename="recall")

urlpatterns = [
    *router.urls,
    path("crm/", include("crm.api.urls")),
    path("reports/departure/", DepartureReportView.as_view(), name="report-departure-api"),
]
