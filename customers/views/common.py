"""Guards shared by the partner-side customer pages."""

from __future__ import annotations

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from partnerhub.accounts.decorators import partner_required

from .. import services

PAGE_SIZE = 25


def seller_required(perm: str):
    """An active provider or direct-bill partner, and a role holding `perm`; resellers are told to ask
    their provider."""

    def decorator(view):
        @partner_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.has_perm(perm, request.membership):
                raise PermissionDenied
            request.selling_program = services.selling_program(request.organization)
            if request.selling_program is None:
                return render(request, "customers/not_seller.html", status=403)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def require_perm(request, perm: str) -> None:
    if not request.user.has_perm(perm, request.membership):
        raise PermissionDenied
