"""View guards: signed in, acting for an organization, holding a permission there."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render


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


@dataclass(frozen=True)
class Eligibility:
    """What the acting organization must be, beyond a role, for a view: `check(organization)` answers (the
    apps' eligibility selectors, e.g. enrollment.selectors.is_selling); a falsy answer renders `template` with
    403, a truthy one is kept as `request.<attribute>` when an attribute is named."""

    check: Callable[[Any], Any]
    template: str
    attribute: str = ""


def check_permission(request, perm: str) -> None:
    """PermissionDenied (403) unless the acting membership holds `perm`: the one check behind
    `permission_required`, called directly only where a view must first answer 404 for what isn't its own."""
    if not request.user.has_perm(perm, request.membership):
        raise PermissionDenied


def permission_required(
    perm: str | None = None,
    *,
    partners_only: bool = False,
    methods: tuple[str, ...] | None = None,
    eligibility: Eligibility | None = None,
    forbidden: Callable[[Any], HttpResponse] | None = None,
):
    """The one permission idiom of views: signed in for an organization (a partner, with `partners_only`),
    then 403 unless the acting membership holds `perm` (a rules permission over Membership), then the
    organization's `eligibility`.

    `methods` limits the permission to those methods (a page anyone may read, an action only some may take);
    `forbidden(request)` replaces the plain 403 with a page of its own (also 403)."""

    def decorator(view):
        @(partner_required if partners_only else organization_required)
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            checked = perm is not None and (methods is None or request.method in methods)
            if checked and forbidden is not None and not request.user.has_perm(perm, request.membership):
                return forbidden(request)
            if checked:
                check_permission(request, perm)
            if eligibility is not None:
                answer = eligibility.check(request.organization)
                if not answer:
                    return render(request, eligibility.template, status=403)
                if eligibility.attribute:
                    setattr(request, eligibility.attribute, answer)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
