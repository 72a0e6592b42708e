"""View guards: signed in, acting for an organization, holding a permission there."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect


def organization_required(view):
    """Signed in and a member of an organization; otherwise to sign-in or "Create your company account"."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.organization is None:
            return redirect("accounts:organization-create")
        return view(request, *args, **kwargs)

    return wrapper


def partner_required(view):
    """Acting for a partner organization. A customer organization's users are sent to their own home:
    enrolment, agreements and partnerships are partner business."""

    @organization_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.organization.kind != request.organization.Kind.PARTNER:
            return redirect("core:dashboard")
        return view(request, *args, **kwargs)

    return wrapper


def permission_required(perm: str, *, partners_only: bool = False):
    """403 unless the acting membership holds `perm` (a rules permission over Membership)."""

    def decorator(view):
        @(partner_required if partners_only else organization_required)
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.has_perm(perm, request.membership):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
