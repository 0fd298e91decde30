from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketingWorkflowsConfig(AppConfig):
    name = "marketing_workflows"
    verbose_name = _("Marketing workflows")
