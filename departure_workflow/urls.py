from django.urls import path

from . import views

urlpatterns = [
    path("checkout/", views.checkout_list, name="checkout-list"),
    path("checkout/follow-up/", views.follow_up, name="checkout-follow-up"),
    path(
        "checkout/appointment/<int:appointment_id>/",
        views.checkout_for_appointment,
        name="checkout-for-appointment",
    ),
    path("checkout/<int:workflow_id>/", views.checkout, name="checkout"),
    path("checkout/<int:workflow_id>/complete/", views.complete, name="checkout-complete"),
    path(
        "checkout/<int:workflow_id>/actions/<int:action_id>/book/",
        views.action_book,
        name="checkout-book",
    ),
    path(
        "checkout/<int:workflow_id>/actions/<int:action_id>/booked/",
        views.action_booked,
        name="checkout-booked",
    ),
    path(
        "checkout/<int:workflow_id>/actions/<int:action_id>/<slug:step>/",
        views.action_step,
        name="checkout-step",
    ),
    path(
        "checkout/<int:workflow_id>/links/<int:link_id>/",
        views.option_link,
        name="checkout-link",
    ),
    path(
        "appointments/<int:appointment_id>/departure/",
        views.appointment_departure,
        name="appointment-departure",
    ),
    path(
        "appointments/<int:appointment_id>/departure-options/",
        views.option_add,
        name="departure-option-add",
    ),
]
