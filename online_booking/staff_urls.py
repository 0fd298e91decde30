from django.urls import path

from . import staff_views

urlpatterns = [
    path("online-bookings/", staff_views.bookings_to_review, name="online-review"),
    path(
        "online-bookings/<id:booking_id>/reviewed/",
        staff_views.booking_review,
        name="online-booking-reviewed",
    ),
    path(
        "appointments/<id:appointment_id>/online/",
        staff_views.appointment_online_panel,
        name="appointment-online",
    ),
]
