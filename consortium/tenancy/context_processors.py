from django.conf import settings

from .scoping import is_platform_admin, unit_roles


def portal(request):
    user = getattr(request, "user", None)
    context = {"PORTAL_NAME": settings.PORTAL_NAME}
    if user is not None and user.is_authenticated:
        roles = unit_roles(user) if user.consortium_id else {}
        context.update(
            {
                "is_platform_admin": is_platform_admin(user),
                "is_secretariat": user.role == "secretariat",
                "is_official": user.role == "official",
                "is_unit_admin": "unit_admin" in roles.values(),
                "my_unit_ids": list(roles),
            }
        )
    return context
