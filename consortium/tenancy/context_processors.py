from django.conf import settings
from django.utils.functional import SimpleLazyObject

from .choices import UnitKind
from .scoping import is_platform_admin, unit_roles


def portal(request):
    user = getattr(request, "user", None)
    context = {"PORTAL_NAME": settings.PORTAL_NAME}
    if user is not None and user.is_authenticated:
        roles = unit_roles(user) if user.consortium_id else {}

        def school_member() -> bool:
            from .models import MemberUnit

            return bool(roles) and MemberUnit.objects.visible_to(user).filter(
                pk__in=list(roles), kind=UnitKind.SCHOOL
            ).exists()

        context.update(
            {
                "is_platform_admin": is_platform_admin(user),
                "is_secretariat": user.role == "secretariat",
                "is_official": user.role == "official",
                "is_unit_admin": "unit_admin" in roles.values(),
                "my_unit_ids": list(roles),
                # lazy: only pages whose menu asks pay the query (school-only pages such as the alignment analysis)
                "is_school_member": SimpleLazyObject(school_member),
            }
        )
    return context
