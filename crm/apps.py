from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("CRM")

    def ready(self) -> None:
        from practice.hooks import register_demo_extra

        from . import receivers  # noqa: F401  (the contact history follows its inputs)
        from .demo import demo_ad_channels, demo_contact_results, demo_tasks
        from .fake_telephony import demo_contact_history

        register_demo_extra(demo_tasks)
        register_demo_extra(demo_ad_channels)  # before the history, whose channels it finds
        register_demo_extra(demo_contact_history)
        register_demo_extra(demo_contact_results)
