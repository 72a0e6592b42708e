"""What several customer services need: the error type, who may sell and transact, temporary passwords,
and notifying an organization's Global admins."""

from __future__ import annotations

import secrets
import string
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from agreements.selectors import agreement_standing
from enrollment.selectors import selling_program
from partnerhub.accounts.models import Membership, Organization
from partnerhub.core.errors import ApplicationError
from partnerhub.core.notifications import notification_create
from partnerhub.core.outbox import outbound_email_queue


class CustomersError(ApplicationError):
    """A rule of customers, orders or subscriptions was broken."""


def require_seller(organization: Organization) -> str:
    """The service-side form of enrollment.selectors.selling_program: the program, or CustomersError."""
    program = selling_program(organization)
    if program is None:
        raise CustomersError(
            _(
                "Only active indirect providers and direct-bill partners can add customers and place orders. "
                "If you're an indirect reseller, ask your indirect provider."
            ),
            code="not_seller",
        )
    return program


def require_agreement_in_force(organization: Organization) -> None:
    """The seller's own partner agreement must be in force to transact (agreements.selectors is the rule)."""
    standing = agreement_standing(organization=organization)
    if not standing.in_force:
        raise CustomersError(standing.reason(own=True), code=standing.code)


TEMPORARY_PASSWORD_ALPHABET = string.ascii_letters + string.digits


def temporary_password() -> str:
    """16 random characters in groups, e.g. `Xk3p-9QaZ-m2Rt-Lw8e`: easy to note, hard to guess."""
    raw = "".join(secrets.choice(TEMPORARY_PASSWORD_ALPHABET) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def notify_admins(
    organization: Organization,
    *,
    title: str,
    url: str,
    template: str = "",
    context: dict[str, Any] | None = None,
) -> None:
    """Notify (and, with a template, email) the Global admins of an organization."""
    admins = Membership.objects.global_admins().filter(organization=organization).select_related("user")
    for membership in admins:
        if template:
            outbound_email_queue(
                to=membership.user.email,
                template=template,
                organization=organization,
                language=membership.user.language or None,
                context={"name": membership.user.first_name, "url": settings.SITE_URL + url, **(context or {})},
            )
        notification_create(user=membership.user, organization=organization, title=title, url=url)
