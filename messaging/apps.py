from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = _("Messaging")

    def ready(self) -> None:
        from practice.hooks import register_demo_extra, register_sms_available

        from . import receivers  # noqa: F401  (connects the appointment signal receivers)
        from .demo import demo_messaging
        from .selectors import sms_gateway

        register_sms_available(lambda practice: sms_gateway(practice) is not None)
        register_demo_extra(demo_messaging)
