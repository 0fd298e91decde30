"""The client's booking pages, under the practice's public address /p/<slug>/book/."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.book, name="online-booking"),
    path("details/", views.details, name="online-booking-details"),
    path("done/<str:code>/", views.done, name="online-booking-done"),
    path("done/<str:code>/appointment.ics", views.ics, name="online-booking-ics"),
]
