from django.urls import path

from . import views

urlpatterns = [
    path(
        "appointments/<int:appointment_id>/messages/",
        views.appointment_messages_panel,
        name="appointment-messages",
    ),
    path("messages/<int:message_id>/retry/", views.message_retry, name="message-retry"),
    path("messaging/twilio/status/", views.twilio_status, name="twilio-status"),
    path("messaging/twilio/inbound/", views.twilio_inbound, name="twilio-inbound"),
    path("a/<str:token>/", views.appointment_link_page, name="appointment-link"),
]
