from django.urls import path

from . import views

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
]
