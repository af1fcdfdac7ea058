from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenancyConfig(AppConfig):
    name = "consortium.tenancy"
    label = "tenancy"
    verbose_name = _("联合体与成员")
