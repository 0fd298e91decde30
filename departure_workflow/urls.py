from django.urls import path

from . import settings_views, views

urlpatterns = [
    path("checkout/", views.checkout_list, name="checkout-list"),
    path("checkout/follow-up/", views.follow_up, name="checkout-follow-up"),
    path(
        "checkout/appointment/<id:appointment_id>/",
        views.checkout_for_appointment,
        name="checkout-for-appointment",
    ),
    path("checkout/<id:workflow_id>/", views.checkout, name="checkout"),
    path("checkout/<id:workflow_id>/complete/", views.complete, name="checkout-complete"),
    path(
        "checkout/<id:workflow_id>/actions/<id:action_id>/book/",
        views.action_book,
        name="checkout-book",
    ),
    path(
        "checkout/<id:workflow_id>/actions/<id:action_id>/booked/",
        views.action_booked,
        name="checkout-booked",
    ),
    path(
        "checkout/<id:workflow_id>/actions/<id:action_id>/<slug:step>/",
        views.action_step,
        name="checkout-step",
    ),
    path(
        "checkout/<id:workflow_id>/links/<id:link_id>/",
        views.option_link,
        name="checkout-link",
    ),
    path(
        "appointments/<id:appointment_id>/departure/",
        views.appointment_departure,
        name="appointment-departure",
    ),
    path(
        "appointments/<id:appointment_id>/departure-options/",
        views.option_add,
        name="departure-option-add",
    ),
    path(
        "settings/failure-reasons/",
        settings_views.failure_reason_list,
        name="failure-reasons",
    ),
    path(
        "settings/failure-reasons/add/",
        settings_views.failure_reason_add,
        name="failure-reason-add",
    ),
    path(
        "settings/failure-reasons/<id:reason_id>/rename/",
        settings_views.failure_reason_rename,
        name="failure-reason-rename",
    ),
    path(
        "settings/failure-reasons/<id:reason_id>/up/",
        settings_views.failure_reason_up,
        name="failure-reason-up",
    ),
    path(
        "settings/failure-reasons/<id:reason_id>/down/",
        settings_views.failure_reason_down,
        name="failure-reason-down",
    ),
    path(
        "settings/failure-reasons/<id:reason_id>/deactivate/",
        settings_views.failure_reason_deactivate,
        name="failure-reason-deactivate",
    ),
    path(
        "settings/failure-reasons/<id:reason_id>/activate/",
        settings_views.failure_reason_activate,
        name="failure-reason-activate",
    ),
    path(
        "settings/failure-reasons/<id:reason_id>/delete/",
        settings_views.failure_reason_delete,
        name="failure-reason-delete",
    ),
]
