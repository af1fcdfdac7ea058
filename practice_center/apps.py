from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PracticeCenterConfig(AppConfig):
    name = "practice_center"
    verbose_name = _("实践中心")

    def ready(self) -> None:
        # Funding records (kernel app consortium.funding) may point at a centre through a generic relation.
        from django.apps import apps

        from consortium.funding.registry import register_fundable

        register_fundable(apps.get_model("practice_center", "PracticeCentre"))
