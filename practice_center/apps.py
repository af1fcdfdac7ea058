from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PracticeCenterConfig(AppConfig):
    name = "practice_center"
    verbose_name = _("实践中心")
