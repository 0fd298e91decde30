from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketingWorkflowsConfig(AppConfig):
    name = "marketing_workflows"
    verbose_name = _("Marketing workflows")

    def ready(self) -> None:
        from practice.hooks import register_demo_extra, register_scheduler_tick

        from . import receivers  # noqa: F401  (enrol patients after changes that concern them)
        from .demo import demo_marketing
        from .tasks import scheduler_tick

        register_scheduler_tick(scheduler_tick)
        register_demo_extra(demo_marketing)
