from django.urls import path

from . import contact_views, views

urlpatterns = [
    path("reports/departure/", views.departure_report, name="report-departure"),
    path(
        "reports/departure-summary.csv",
        views.departure_summary_csv,
        name="report-departure-summary-csv",
    ),
    path(
        "reports/departure-failed.csv",
        views.departure_failed_csv,
        name="report-departure-failed-csv",
    ),
    path("reports/departure.pdf", views.departure_report_pdf, name="report-departure-pdf"),
    path("reports/contacts/", contact_views.contact_history, name="report-contacts"),
    path(
        "reports/contacts/table/",
        contact_views.contact_history_table,
        name="report-contacts-table",
    ),
    path(
        "reports/contacts/group/", contact_views.contact_history_group, name="report-contacts-group"
    ),
    path(
        "reports/contacts/contact/<id:contact_id>/",
        contact_views.contact_history_contact,
        name="report-contacts-contact",
    ),
    path(
        "reports/contacts/communication/<id:communication_id>/channel/",
        contact_views.communication_channel,
        name="report-contacts-channel",
    ),
    path("reports/contacts.csv", contact_views.contact_history_csv, name="report-contacts-csv"),
    path(
        "patients/<id:patient_id>/contacts/",
        contact_views.patient_contact_history,
        name="patient-contacts",
    ),
]
