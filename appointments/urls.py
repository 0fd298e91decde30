from django.urls import path

from . import finder_views, plan_views, recall_views, views, waitlist_views

urlpatterns = [
    path("calendar/", views.calendar, name="calendar"),
    path("appointments/new/", views.appointment_create, name="appointment-create"),
    path("appointments/free-times/", finder_views.free_times, name="appointment-free-times"),
    path("appointments/<id:appointment_id>/", views.appointment_detail, name="appointment-detail"),
    path("appointments/<id:appointment_id>/move/", views.appointment_move, name="appointment-move"),
    path(
        "appointments/<id:appointment_id>/cancel/",
        views.appointment_cancel,
        name="appointment-cancel",
    ),
    path(
        "appointments/<id:appointment_id>/status/",
        views.appointment_status,
        name="appointment-status",
    ),
    path(
        "appointments/<id:appointment_id>/notified/",
        views.appointment_notified,
        name="appointment-notified",
    ),
    path("patients/<id:patient_id>/recalls/new/", recall_views.recall_add, name="recall-add"),
    path("recalls/<id:recall_id>/", recall_views.recall_edit, name="recall-edit"),
    path("recalls/<id:recall_id>/remove/", recall_views.recall_remove, name="recall-remove"),
    path("patients/<id:patient_id>/plans/new/", plan_views.plan_add, name="plan-add"),
    path("plans/<id:plan_id>/", plan_views.plan_edit, name="plan-edit"),
    path("plans/<id:plan_id>/status/", plan_views.plan_status, name="plan-status"),
    path("plans/<id:plan_id>/treatments/new/", plan_views.treatment_add, name="plan-treatment-add"),
    path(
        "planned-treatments/<id:treatment_id>/",
        plan_views.treatment_edit,
        name="planned-treatment-edit",
    ),
    path(
        "planned-treatments/<id:treatment_id>/cancel/",
        plan_views.treatment_cancel,
        name="planned-treatment-cancel",
    ),
    path("w/<code:code>/", waitlist_views.waitlist_offer_page, name="waitlist-offer"),
]
