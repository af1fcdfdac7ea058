from django.db import models
from django.utils.translation import gettext_lazy as _


class FundingSource(models.TextChoices):
    FISCAL_BUDGET = "fiscal_budget", _("财政预算")
    SPECIAL_BONDS = "special_bonds", _("专项债券")
    IN_BUDGET_INVESTMENT = "in_budget_investment", _("预算内投资")
    SERVICE_PURCHASE = "service_purchase", _("政府购买服务")
    ENTERPRISE = "enterprise", _("企业投入")
    OTHER = "other", _("其他")


class PolicyStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
