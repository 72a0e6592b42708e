"""A partner's user acting in a customer's account through an admin relationship: resetting a password
(User administrator, or Helpdesk administrator for users who aren't admins), creating a user (User
administrator), assigning licences (License administrator). Each action first passes `admin_role_check` under
a lock of the relationship row (a termination in flight waits, then the action is refused), and is audited on
both sides naming the partner user and the relationship."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from customers.models import Subscription
from customers.services.common import temporary_password
from partnerhub.accounts.models import CUSTOMER_USER, Membership, Organization, User
from partnerhub.core import rls
from partnerhub.core.audit import audit_record
from partnerhub.core.outbox import outbound_email_queue

from ..models import AccessError, AdminRelationship, LicenseAssignment
from ..roles import AdminRole
from ..selectors import admin_role_check


@dataclass
class PasswordReset:
    user: User
    temporary_password: str  # exists only in this object: the database holds its hash


def _acting(membership: Membership, customer: Organization, role: str) -> AdminRelationship:
    """Check, lock the relationship, check again: a termination committed meanwhile refuses the action."""
    relationship = admin_role_check(membership, customer, role)
    AdminRelationship.objects.select_for_update(of=("self",)).filter(pk=relationship.pk).first()
    return admin_role_check(membership, customer, role)


def _audit(relationship: AdminRelationship, membership: Membership, code: str, target: User, **data: Any) -> None:
    data = {
        "relationship_id": relationship.pk,
        "relationship": relationship.name,
        "partner": membership.organization.legal_name,
        "partner_user": membership.user.email,
        **data,
    }
    for organization in (membership.organization, relationship.customer):
        audit_record(code=code, actor=membership.user, organization=organization, target=target, data=data)


def reset_role_for(member: Membership) -> str:
    """The role a reset of this user's password needs: User administrator for an admin, else Helpdesk."""
    if member.is_global_admin:
        return AdminRole.USER_ADMINISTRATOR
    return AdminRole.HELPDESK_ADMINISTRATOR


@rls.elevated("customer-users:admin-relationship")
def customer_user_password_reset(*, membership: Membership, customer: Organization, user: User) -> PasswordReset:
    """A new temporary password for a customer user: shown once to the partner, stored hashed, to be changed
    at the next sign-in. The user's open sessions end (their session hash changes with the password)."""
    with transaction.atomic():
        member = Membership.objects.filter(organization=customer, user=user).first()
        if member is None:
            message = _("This user isn't a user of %(customer)s.") % {"customer": customer.legal_name}
            raise AccessError(message, code="not_found")
        relationship = _acting(membership, customer, reset_role_for(member))
        user = User.objects.select_for_update().get(pk=user.pk)
        password = temporary_password()
        user.set_password(password)
        user.must_change_password = True
        user.save(update_fields=["password", "must_change_password"])
        _audit(relationship, membership, "partnerhub.customer_user.password_reset", user, user=user.email)
        if user.mailbox != user.email:  # a confirmed address of the person: tell them (admin@… is no mailbox)
            outbound_email_queue(
                to=user.mailbox,
                template="customer_password_reset_by_partner",
                organization=customer,
                language=user.language or None,
                context={
                    "name": user.first_name,
                    "sign_in_name": user.email,
                    "partner": membership.organization.legal_name,
                    "sign_in_url": settings.SITE_URL + reverse("account_login"),
                },
            )
    return PasswordReset(user=user, temporary_password=password)


@dataclass
class NewUser:
    user: User
    temporary_password: str


@rls.elevated("customer-users:admin-relationship")
def customer_user_create(
    *, membership: Membership, customer: Organization, local_part: str, first_name: str, last_name: str
) -> NewUser:
    """A new user (not an admin) of the customer, `<name>@<the customer's domain>`, with a temporary password
    shown once. A customer's seat holds `global_admin` for its admins and `user` for everyone else."""
    local_part = (local_part or "").strip().lower()
    if not local_part or not local_part.replace(".", "").replace("-", "").replace("_", "").isalnum():
        raise AccessError(
            _("Enter a user name made of letters, digits, dots, hyphens or underscores."),
            code="invalid",
            field="local_part",
        )
    if not (first_name or "").strip():
        raise AccessError(_("Enter the user's first name."), code="invalid", field="first_name")
    with transaction.atomic():
        relationship = _acting(membership, customer, AdminRole.USER_ADMINISTRATOR)
        domain = customer.customer_profile.domain
        email = f"{local_part}@{domain}"
        if User.objects.filter(email__iexact=email).exists():
            raise AccessError(
                _("There is already a user %(email)s.") % {"email": email}, code="taken", field="local_part"
            )
        password = temporary_password()
        user = User.objects.create_user(
            email=email,
            password=password,
            first_name=first_name.strip(),
            last_name=(last_name or "").strip(),
            must_change_password=True,
        )
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        Membership.objects.create(organization=customer, user=user, roles=[CUSTOMER_USER])
        _audit(relationship, membership, "partnerhub.customer_user.created", user, user=email)
    return NewUser(user=user, temporary_password=password)


@rls.elevated("customer-licences:admin-relationship")
def license_assign(
    *, membership: Membership, customer: Organization, subscription_id: int, user: User
) -> LicenseAssignment:
    """Assign one licence of an active subscription to a customer user, within the subscription's quantity."""
    with transaction.atomic():
        relationship = _acting(membership, customer, AdminRole.LICENSE_ADMINISTRATOR)
        subscription = Subscription.objects.select_for_update().filter(pk=subscription_id, customer=customer).first()
        if subscription is None or not Membership.objects.filter(organization=customer, user=user).exists():
            raise AccessError(_("No such subscription or user in this account."), code="not_found")
        if subscription.status != Subscription.Status.ACTIVE:
            raise AccessError(_("Only an active subscription's licences can be assigned."), code="inactive")
        existing = LicenseAssignment.objects.filter(subscription=subscription, user=user).first()
        if existing is not None:
            return existing
        if LicenseAssignment.objects.filter(subscription=subscription).count() >= subscription.quantity:
            raise AccessError(
                _("All %(quantity)s licences of %(subscription)s are assigned: unassign one or add licences.")
                % {"quantity": subscription.quantity, "subscription": subscription.display_name},
                code="no_licence_left",
            )
        assignment = LicenseAssignment.objects.create(
            customer=customer,
            partner=membership.organization,
            subscription=subscription,
            user=user,
            assigned_by=membership.user,
        )
        _audit(
            relationship,
            membership,
            "partnerhub.license.assigned",
            user,
            user=user.email,
            subscription=str(subscription.public_id),
        )
    return assignment


@rls.elevated("customer-licences:admin-relationship")
def license_unassign(*, membership: Membership, customer: Organization, subscription_id: int, user: User) -> None:
    """Take a licence back from a user (nothing happens when they had none)."""
    with transaction.atomic():
        relationship = _acting(membership, customer, AdminRole.LICENSE_ADMINISTRATOR)
        deleted, _rows = LicenseAssignment.objects.filter(
            customer=customer, subscription_id=subscription_id, user=user
        ).delete()
        if deleted:
            _audit(
                relationship,
                membership,
                "partnerhub.license.unassigned",
                user,
                user=user.email,
                subscription=subscription_id,
            )
