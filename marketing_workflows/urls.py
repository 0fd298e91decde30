from django.urls import path

from . import views

urlpatterns = [
    path("marketing/workflows/", views.workflow_list_page, name="workflow-list"),
    path("marketing/workflows/new/", views.workflow_builder, name="workflow-create"),
    path("marketing/workflows/preview/", views.workflow_preview, name="workflow-preview"),
    path("marketing/workflows/sms-segments/", views.sms_segments, name="workflow-sms-segments"),
    path("marketing/workflows/<id:wf_id>/", views.workflow_detail_page, name="workflow-detail"),
    path("marketing/workflows/<id:wf_id>/edit/", views.workflow_builder, name="workflow-edit"),
    path(
        "marketing/workflows/<id:wf_id>/dry-run/",
        views.workflow_dry_run_page,
        name="workflow-dry-run",
    ),
    path(
        "marketing/workflows/<id:wf_id>/activate/",
        views.workflow_activate,
        name="workflow-activate",
    ),
    path("marketing/workflows/<id:wf_id>/pause/", views.workflow_pause, name="workflow-pause"),
    path(
        "marketing/workflows/<id:wf_id>/enrolments/<id:enrolment_id>/remove/",
        views.enrolment_remove,
        name="workflow-enrolment-remove",
    ),
    path(
        "patients/<id:patient_id>/workflows/",
        views.patient_workflows_panel,
        name="patient-workflows",
    ),
]
