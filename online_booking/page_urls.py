"""The client's booking pages, under the practice's public address /p/<slug>/book/."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.book, name="online-booking"),
    path("details/", views.details, name="online-booking-details"),
    path("done/<code:code>/", views.done, name="online-booking-done"),
    path("done/<code:code>/appointment.ics", views.ics, name="online-booking-ics"),
]
