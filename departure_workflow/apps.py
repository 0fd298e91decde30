from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DepartureWorkflowConfig(AppConfig):
    name = "departure_workflow"
    verbose_name = _("Departure workflow")
