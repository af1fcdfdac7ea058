from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchoolsConfig(AppConfig):
    name = "schools"
    verbose_name = _("职业学校")

    def ready(self) -> None:
        # Register the Excel importers with the kernel's import framework (the kernel never imports us).
        from . import importers  # noqa: F401
