from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OnlineBookingConfig(AppConfig):
    name = "online_booking"
    verbose_name = _("Online booking")
