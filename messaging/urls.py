from django.urls import path

from . import settings_views, views

urlpatterns = [
    path(
        "appointments/<id:appointment_id>/messages/",
        views.appointment_messages_panel,
        name="appointment-messages",
    ),
    path("messages/<id:message_id>/retry/", views.message_retry, name="message-retry"),
    path(
        "messages/<id:message_id>/other-channel/",
        views.message_other_channel,
        name="message-other-channel",
    ),
    path(
        "appointments/new/channel-check/",
        views.booking_channel_check,
        name="booking-channel-check",
    ),
    path("messaging/twilio/status/", views.twilio_status, name="twilio-status"),
    path("messaging/twilio/inbound/", views.twilio_inbound, name="twilio-inbound"),
    path("a/<code:code>/", views.appointment_link_page, name="appointment-link"),
    path("u/<str:token>/", views.unsubscribe_page, name="unsubscribe"),
    path("settings/messaging/", settings_views.messaging_settings_page, name="messaging-settings"),
    path("settings/messaging/templates/new/", settings_views.template_edit, name="template-create"),
    path(
        "settings/messaging/templates/<id:template_id>/",
        settings_views.template_edit,
        name="template-edit",
    ),
    path(
        "settings/messaging/templates/<id:template_id>/delete/",
        settings_views.template_delete,
        name="template-delete",
    ),
    path(
        "settings/messaging/templates/preview/",
        settings_views.template_preview,
        name="template-preview",
    ),
]
