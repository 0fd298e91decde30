from django.urls import path

from . import views

urlpatterns = [
    path("reports/departure/", views.departure_report, name="report-departure"),
    path("reports/departure.csv", views.departure_report_csv, name="report-departure-csv"),
    path("reports/departure.pdf", views.departure_report_pdf, name="report-departure-pdf"),
]
