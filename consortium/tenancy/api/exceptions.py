"""Services raise Django's ValidationError / PermissionDenied; the API answers 400 / 403 with field messages."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, IntegrityError):
        # Last line of defence; services and serializers check uniqueness first.
        exc = exceptions.ValidationError({"non_field_errors": [_("数据与已有记录冲突（重复或引用无效）。")]})
    return drf_exception_handler(exc, context)
