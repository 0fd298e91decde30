from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DepartureWorkflowConfig(AppConfig):
    name = "departure_workflow"
    verbose_name = _("Departure workflow")

    def ready(self) -> None:
        from practice.hooks import register_demo_extra

        from . import receivers  # noqa: F401  (builds the list when an appointment completes)
        from .demo import demo_departures

        register_demo_extra(demo_departures)
