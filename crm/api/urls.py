from django.urls import path

from .views import CallEventView, ChatEventView, WebRequestView

urlpatterns = [
    path("calls/events/", CallEventView.as_view(), name="crm-api-call-event"),
    path("chats/events/", ChatEventView.as_view(), name="crm-api-chat-event"),
    path("web-requests/", WebRequestView.as_view(), name="crm-api-web-request"),
]
