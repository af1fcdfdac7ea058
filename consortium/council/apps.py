from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CouncilConfig(AppConfig):
    name = "consortium.council"
    label = "council"
    verbose_name = _("理事会")
