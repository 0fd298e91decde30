from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OnlineBookingConfig(AppConfig):
    name = "online_booking"
    verbose_name = _("Online booking")

    def ready(self) -> None:
        from practice.hooks import register_demo_extra

        from .demo import demo_online_booking

        register_demo_extra(demo_online_booking)
