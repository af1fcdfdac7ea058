"""Enumerations of the schools app (plan §三(一), 三(四), 三(六))."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SchoolLevel(models.TextChoices):
    SECONDARY_VOCATIONAL = "secondary_vocational", _("中职")
    HIGHER_VOCATIONAL = "higher_vocational", _("高职")
    TECHNICAL_SCHOOL = "technical_school", _("技工学校")
    TRAINING_INSTITUTION = "training_institution", _("培训机构")


class CatalogueLevel(models.TextChoices):
    """Level of the 2021 programme catalogue; the two-digit major-category code differs per level."""

    SECONDARY = "secondary", _("中职")
    ASSOCIATE = "associate", _("高职专科")
    BACHELOR = "bachelor", _("职业本科")


class OfferingStatus(models.TextChoices):
    NEW = "new", _("新设")
    EXPANDING = "expanding", _("扩大")
    STABLE = "stable", _("稳定")
    SHRINKING = "shrinking", _("缩减")
    UPGRADED = "upgraded", _("升级改造")
    CLOSING = "closing", _("停招撤销")


class PriorityClass(models.TextChoices):
    """The plan's priority classes of programmes (aligned with the 4567 industrial system)."""

    DEVELOP_FIRST = "develop_first", _("优先发展")
    NEW_EMERGING = "new_emerging", _("新兴")
    SHORTAGE = "shortage", _("紧缺")
    TRADITIONAL_UPGRADE = "traditional_upgrade", _("传统升级")
    NONE = "none", _("未分类")


class Gender(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")
    UNKNOWN = "", _("未填写")


class Employment(models.TextChoices):
    FULL_TIME = "full_time", _("专任")
    PART_TIME = "part_time", _("兼职")


class DualLevel(models.TextChoices):
    JUNIOR = "junior", _("初级")
    INTERMEDIATE = "intermediate", _("中级")
    SENIOR = "senior", _("高级")


class ProfessorKind(models.TextChoices):
    INDUSTRY_PROFESSOR = "industry_professor", _("产业教授")
    TECH_EXTENSION_PROFESSOR = "tech_extension_professor", _("科技推广教授")


class StudioKind(models.TextChoices):
    MASTER_STUDIO = "master_studio", _("大师工作室")
    FAMOUS_TEACHER_STUDIO = "famous_teacher_studio", _("名师工作室")


class TrainingBaseKind(models.TextChoices):
    TEACHER_TRAINING = "teacher_training", _("双师型教师培训基地")
    ENTERPRISE_PRACTICE = "enterprise_practice", _("教师企业实践基地")


class EngagementStatus(models.TextChoices):
    REQUESTED = "requested", _("待审批")
    APPROVED = "approved", _("已同意")
    DECLINED = "declined", _("已拒绝")
    WITHDRAWN = "withdrawn", _("已撤回")


class StudentStatus(models.TextChoices):
    STUDYING = "studying", _("在读")
    INTERNSHIP = "internship", _("实习")
    GRADUATED = "graduated", _("已毕业")
    EMPLOYED = "employed", _("已就业")
    FURTHER_STUDY = "further_study", _("升学")


class CertificateKind(models.TextChoices):
    SKILL_LEVEL = "skill_level", _("职业技能等级证书")
    ONE_PLUS_X = "one_plus_x", _("1+X证书")
    OTHER = "other", _("其他证书")
