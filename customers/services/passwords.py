"""A partner's Admin agent resets a customer user's password, as in Partner Center (Customers → Users)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from partnerhub.accounts.models import Membership, Organization, Role, User
from partnerhub.core import rls
from partnerhub.core.audit import audit_record
from partnerhub.core.outbox import outbound_email_queue

from ..models import CustomerRelationship
from .common import CustomersError, temporary_password

RESET_ROLES = (Role.GLOBAL_ADMIN, Role.ADMIN_AGENT)


@dataclass
class PasswordReset:
    user: User
    temporary_password: str  # exists only in this object: the database holds its hash


def check_admin_access(*, relationship: CustomerRelationship, membership: Membership) -> None:
    """The partner acts on the customer's side only through its active admin relationship, by a user
    holding Admin agent (or Global admin)."""
    if not membership.has_role(*RESET_ROLES):
        raise CustomersError(_("Only an Admin agent or a Global admin can reset a customer user's password."),
                             code="forbidden")  # fmt: skip
    if relationship.status != CustomerRelationship.Status.ACTIVE:
        raise CustomersError(_("You no longer have a relationship with this customer."), code="no_relationship")
    if not relationship.delegated_admin:
        raise CustomersError(
            _(
                "%(customer)s hasn't given you admin roles (or removed them): only its own Global admin can reset "
                "its users' passwords."
            )
            % {"customer": relationship.customer_name},
            code="no_admin_roles",
        )


@rls.elevated("customer-users:admin-relationship")
def customer_users(*, relationship: CustomerRelationship) -> list[Membership]:
    """The customer's users, read across the admin relationship the caller has checked."""
    return list(
        Membership.objects.filter(organization=relationship.customer_id).select_related("user").order_by("user__email")
    )


@rls.elevated("customer-users:admin-relationship")
def customer_user_get(*, relationship: CustomerRelationship, pk: int | str) -> Membership | None:
    """One user of the customer, by id, or None (a user of any other organization is not found)."""
    if not (str(pk).isascii() and str(pk).isdigit()):
        return None
    return (
        Membership.objects.filter(organization=relationship.customer_id, user_id=int(pk)).select_related("user").first()
    )


@rls.elevated("customer-users:admin-relationship")
def customer_user_password_reset(
    *, relationship: CustomerRelationship, membership: Membership, user: User
) -> PasswordReset:
    """A new temporary password for a customer user: shown once to the partner, stored hashed, to be changed
    at the next sign-in. The user's open sessions end (their session hash changes with the password). Audited
    on the partner's side and on the customer's, where the customer sees who did it."""
    partner: Organization = membership.organization
    with transaction.atomic():
        relationship = (
            CustomerRelationship.objects.select_for_update()
            .select_related("customer")
            .get(pk=relationship.pk, partner=partner)
        )
        check_admin_access(relationship=relationship, membership=membership)
        user = User.objects.select_for_update().get(pk=user.pk)
        if not Membership.objects.filter(organization=relationship.customer, user=user).exists():
            message = _("This user isn't a user of %(customer)s.") % {"customer": relationship.customer_name}
            raise CustomersError(message, code="not_found")
        password = temporary_password()
        user.set_password(password)
        user.must_change_password = True
        user.save(update_fields=["password", "must_change_password"])
        for organization in (partner, relationship.customer):
            audit_record(code="partnerhub.customer_user.password_reset", actor=membership.user,
                         organization=organization, target=user,
                         data={"partner": partner.legal_name, "user": user.email})  # fmt: skip
        if user.mailbox != user.email:  # a confirmed address of the person: tell them (admin@… is no mailbox)
            outbound_email_queue(
                to=user.mailbox,
                template="customer_password_reset_by_partner",
                organization=relationship.customer,
                language=user.language or None,
                context={
                    "name": user.first_name,
                    "sign_in_name": user.email,
                    "partner": partner.legal_name,
                    "sign_in_url": settings.SITE_URL + reverse("account_login"),
                },
            )
    return PasswordReset(user=user, temporary_password=password)
