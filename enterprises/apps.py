from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnterprisesConfig(AppConfig):
    name = "enterprises"
    verbose_name = _("企业与合作")

    def ready(self) -> None:
        # Funding records (kernel app consortium.funding) may point at these models through a generic relation.
        from django.apps import apps

        from consortium.funding.registry import register_fundable

        for name in ("RnDProject", "OrderClass"):
            register_fundable(apps.get_model("enterprises", name))

        # Register the Excel importers with the kernel's import framework (the kernel never imports us).
        from . import importers  # noqa: F401
