from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundingConfig(AppConfig):
    """Policy and funding (plan §三(九)): funding records and the policy library (kernel)."""

    name = "consortium.funding"
    label = "funding"
    verbose_name = _("政策与经费")
