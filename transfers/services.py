"""Writes of transfers: a partner or the customer requests one, the receiving partner's Global admin accepts or
declines it within 30 days, the initiator may cancel it, beat expires it; and the direct-bill move creates one
per customer (commerce.md §5, domain.md §2.6).

Every rule is checked in the service, so the pages, the API and the tasks refuse the same things with the same
reasons. The parties are organizations that need not be related, so the steps that read or write another
party's rows (the target's enrolment and agreement, the subscriptions on acceptance) run elevated, after the
acting user's seat and side have been checked."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from access.models import AdminRelationship
from access.roles import DEFAULT_DURATION_DAYS, DEFAULT_ROLES
from access.services import admin_relationship_request
from agreements.selectors import agreement_standing
from customers.models import CustomerRelationship, Subscription
from customers.services.orders import partner_of_record_check
from customers.services.relationships import relate_through
from enrollment.models import PartnerId, Program, ProgramEnrollment
from enrollment.selectors import selling_program
from enrollment.services import enrollment_transition_complete_if_done
from partnerhub.accounts.models import Membership, Organization, Role, User
from partnerhub.core import rls
from partnerhub.core.audit import audit_record
from partnerhub.core.errors import ApplicationError
from partnerhub.core.notifications import notification_create
from partnerhub.core.outbox import outbound_email_queue
from relationships.models import PartnerRelationship

from .models import MAX_ITEMS, Transfer, TransferItem, TransfersError

CREATOR_ROLES = (Role.GLOBAL_ADMIN, Role.ADMIN_AGENT)


def _holds(user: User, organization: Organization | int, *roles: str) -> bool:
    return Membership.seats.filter(organization=organization, user=user, roles__overlap=list(roles)).exists()


# --- naming the target -------------------------------------------------------------------------------------


@rls.elevated("transfer:target-lookup")  # the partner directory is global: answer one narrow question
def transfer_target_resolve(*, text: str) -> Organization:
    """The partner named by a location partner ID or a tenant ID, or TransfersError (naming no one)."""
    value = (text or "").strip()
    organization = None
    if value.isascii() and value.isdigit() and len(value) <= 12:
        partner_id = PartnerId.objects.filter(number=int(value), kind=PartnerId.Kind.LOCATION).first()
        organization = partner_id.organization if partner_id else None
    else:
        try:
            tenant_id = uuid.UUID(value)
        except ValueError:
            tenant_id = None
        if tenant_id is not None:
            organization = Organization.objects.filter(tenant_id=tenant_id).first()
    if organization is None or organization.kind != Organization.Kind.PARTNER:
        raise TransfersError(
            _("No partner has this location partner ID or tenant ID: check it with the receiving partner."),
            field="target",
            code="target_unknown",
        )
    return organization


# --- the rules ---------------------------------------------------------------------------------------------


def _check_target(*, source: Organization, target: Organization, customer: Organization) -> str:
    """The receiving partner may take the customer's subscriptions: its selling program, or TransfersError."""
    if target.pk == source.pk:
        raise TransfersError(
            _("The subscriptions are already sold by this partner: choose another partner."), field="target",
            code="self",
        )  # fmt: skip
    if target.pk == customer.pk or target.kind != Organization.Kind.PARTNER:
        raise TransfersError(_("Subscriptions can only move to a partner."), field="target", code="target_unknown")
    if target.csp_region != customer.csp_region:
        raise TransfersError(
            _("%(target)s isn't in the customer's CSP region: subscriptions move only within one region.")
            % {"target": target.legal_name},
            field="target",
            code="region",
        )
    program = selling_program(target)
    if program is None:
        raise TransfersError(
            _(
                "%(target)s can't receive subscriptions: only active indirect providers and direct-bill partners "
                "sell them."
            )
            % {"target": target.legal_name},
            field="target",
            code="target_not_selling",
        )
    standing = agreement_standing(organization=target)
    if not standing.in_force:
        raise TransfersError(standing.reason(), field="target", code=standing.code)
    return program


def _check_partner_of_record(*, target: Organization, program: str, number: str) -> PartnerId | None:
    """An indirect provider receives subscriptions with their reseller of record (checked as on an order)."""
    number = (number or "").strip()
    if program != Program.INDIRECT_PROVIDER:
        if number:
            raise TransfersError(
                _("A direct-bill partner sells without a reseller of record: leave the partner of record empty."),
                field="partner_of_record",
                code="partner_of_record_not_allowed",
            )
        return None
    if not number:
        raise TransfersError(
            _(
                "The receiving partner is an indirect provider: enter the location partner ID of the reseller of "
                "record."
            ),
            field="partner_of_record",
            code="partner_of_record_required",
        )
    try:
        return partner_of_record_check(partner=target, number=number)
    except ApplicationError as exc:
        if exc.code != "no_partnership":
            raise
        raise TransfersError(
            _(
                "The reseller with partner ID %(number)s has no active partnership with %(target)s: the reseller "
                "must authorize %(target)s as its indirect provider first."
            )
            % {"number": number, "target": target.legal_name},
            field="partner_of_record",
            code="no_partnership",
        ) from None


def _check_subscriptions(
    *, subscriptions: Sequence[Subscription], customer: Organization, source: Organization | None
) -> Organization:
    """Active subscriptions of this customer, all sold by one partner (the source): that partner."""
    if not subscriptions:
        raise TransfersError(_("Choose at least one subscription to transfer."), field="subscriptions",
                             code="no_subscriptions")  # fmt: skip
    sellers = {subscription.partner_id for subscription in subscriptions}
    for subscription in subscriptions:
        if subscription.customer_id != customer.pk:
            raise TransfersError(_("Choose subscriptions of this customer."), field="subscriptions", code="not_found")
        if subscription.status != Subscription.Status.ACTIVE:
            raise TransfersError(
                _("%(subscription)s isn't active: only active subscriptions can be transferred.")
                % {"subscription": subscription.display_name},
                field="subscriptions",
                code="subscription_not_active",
            )
        if (source is not None and subscription.partner_id != source.pk) or len(sellers) > 1:
            raise TransfersError(
                _("%(subscription)s isn't sold by the partner it would move from: one transfer moves the "
                  "subscriptions of one partner.") % {"subscription": subscription.display_name},
                field="subscriptions",
                code="not_sold_by_source",
            )  # fmt: skip
    return source or Organization.objects.get(pk=sellers.pop())


def _already_in_transfer(subscription_name: str = "") -> TransfersError:
    return TransfersError(
        _("%(subscription)s is already in a pending transfer.") % {"subscription": subscription_name}
        if subscription_name
        else _("One of these subscriptions is already in a pending transfer."),
        field="subscriptions",
        code="already_in_transfer",
    )


# --- telling each side -------------------------------------------------------------------------------------

EVENTS = ("created", "accepted", "declined", "cancelled", "expired")


def _titles(event: str, transfer: Transfer) -> str:
    values = {"customer": transfer.customer_name, "source": transfer.source_name, "target": transfer.target_name}
    titles = {
        "created": _("Transfer of %(customer)s's subscriptions from %(source)s to %(target)s requested"),
        "accepted": _("%(target)s accepted the transfer of %(customer)s's subscriptions"),
        "declined": _("%(target)s declined the transfer of %(customer)s's subscriptions"),
        "cancelled": _("The transfer of %(customer)s's subscriptions to %(target)s was cancelled"),
        "expired": _("The transfer of %(customer)s's subscriptions to %(target)s expired unanswered"),
    }
    return titles[event] % values


def _tell(transfer: Transfer, event: str, actor: User | None) -> None:
    """Audit the change on every side concerned, and email and notify each side's Global admins."""
    url = reverse("transfers:transfer-detail", args=[transfer.public_id])
    with rls.elevated("transfer:notify"):  # the parties' people, though the organizations are not related
        parties = Organization.objects.in_bulk([transfer.source_id, transfer.target_id, transfer.customer_id])
        for organization_id in (transfer.source_id, transfer.target_id, transfer.customer_id):
            audit_record(
                code=f"partnerhub.transfer.{event}",
                actor=actor,
                organization=parties[organization_id],
                target=transfer,
                data={"side": transfer.side_of(organization_id)},
            )
        admins = (
            Membership.objects.global_admins()
            .filter(organization__in=[transfer.source_id, transfer.target_id, transfer.customer_id])
            .select_related("user", "organization")
        )
        for membership in admins:
            with translation.override(membership.user.language or None):
                title = _titles(event, transfer)
            outbound_email_queue(
                to=membership.user.email,
                template="transfer_update",
                organization=membership.organization,
                language=membership.user.language or None,
                context={
                    "name": membership.user.first_name,
                    "event": event,
                    "customer": transfer.customer_name,
                    "source": transfer.source_name,
                    "target": transfer.target_name,
                    "expires_at": transfer.expires_at,
                    "incoming": membership.organization_id == transfer.target_id,
                    "url": settings.SITE_URL + url,
                },
            )
            notification_create(user=membership.user, organization=membership.organization, title=title, url=url)


# --- creating ----------------------------------------------------------------------------------------------


def transfer_create(
    *,
    organization: Organization,
    actor: User,
    customer: Organization,
    target: Organization,
    subscriptions: Sequence[Subscription],
    partner_of_record: str = "",
    transition: ProgramEnrollment | None = None,
) -> Transfer:
    """Request a transfer: by the partner selling the subscriptions (Global admin or Admin agent), or by the
    customer's Global admin. The receiving partner is told; it answers within 30 days."""
    by_customer = organization.pk == customer.pk
    if by_customer:
        if not _holds(actor, organization, Role.GLOBAL_ADMIN):
            raise TransfersError(_("Only the customer's Global admin can request a transfer."), code="forbidden")
    elif not _holds(actor, organization, *CREATOR_ROLES):
        raise TransfersError(_("Only a Global admin or an Admin agent can request a transfer."), code="forbidden")
    if len(subscriptions) > MAX_ITEMS:
        raise TransfersError(
            _("A transfer holds at most %(max)s subscriptions: split it in several.") % {"max": MAX_ITEMS},
            field="subscriptions",
            code="too_many",
        )
    with transaction.atomic():
        # One request at a time per customer: two requests for the same subscriptions can't both pass.
        Organization.objects.select_for_update().filter(pk=customer.pk).first()
        locked = list(
            Subscription.objects.select_for_update().select_related("offer")
            .filter(pk__in=[subscription.pk for subscription in subscriptions]).order_by("pk")
        )  # fmt: skip
        if len(locked) != len({subscription.pk for subscription in subscriptions}):
            raise TransfersError(_("Choose subscriptions of this customer."), field="subscriptions", code="not_found")
        source = _check_subscriptions(
            subscriptions=locked, customer=customer, source=None if by_customer else organization
        )
        open_items = TransferItem.objects.filter(subscription__in=locked, is_open=True).values_list(
            "subscription_id", flat=True
        )
        with rls.elevated("transfer:open-items"):  # another party's open request counts too
            taken = set(open_items)
        if taken:
            raise _already_in_transfer(next(s.display_name for s in locked if s.pk in taken))
        with rls.elevated("transfer:rules"):  # the target's enrolment, agreement and partner ID registry
            program = _check_target(source=source, target=target, customer=customer)
            por = _check_partner_of_record(target=target, program=program, number=partner_of_record)
            source_name, source_tenant_id = source.legal_name, source.tenant_id
        now = timezone.now()
        transfer = Transfer.objects.create(
            customer=customer,
            source=source,
            target=target,
            customer_name=customer.legal_name,
            source_name=source_name,
            target_name=target.legal_name,
            customer_tenant_id=customer.tenant_id,
            source_tenant_id=source_tenant_id,
            target_tenant_id=target.tenant_id,
            initiated_by=Transfer.InitiatedBy.CUSTOMER if by_customer else Transfer.InitiatedBy.SOURCE,
            created_by=actor,
            partner_of_record=por,
            created_at=now,
            transition=transition,
        )
        try:
            with transaction.atomic():
                TransferItem.objects.bulk_create(
                    [
                        TransferItem(
                            transfer=transfer,
                            subscription=subscription,
                            subscription_public_id=subscription.public_id,
                            offer_name=subscription.display_name,
                            quantity=subscription.quantity,
                            term_end=subscription.term_end,
                        )
                        for subscription in locked
                    ]
                )
        except IntegrityError:  # the partial unique index: another request took one of them meanwhile
            raise _already_in_transfer() from None
        _tell(transfer, "created", actor)
    return transfer


# --- deciding ----------------------------------------------------------------------------------------------


def _lock(transfer: Transfer) -> Transfer:
    return Transfer.objects.select_for_update().get(pk=transfer.pk)


def _require_pending(transfer: Transfer) -> None:
    if transfer.status != Transfer.Status.PENDING:
        raise TransfersError(
            _("This transfer is already %(status)s.") % {"status": transfer.get_status_display().lower()},
            code="illegal_transition",
        )


def _close(transfer: Transfer, status: str, actor: User | None) -> None:
    transfer.move_to(status)
    transfer.decided_at = timezone.now()
    transfer.decided_by = actor
    transfer.save(update_fields=["status", "decided_at", "decided_by"])
    transfer.items.update(is_open=False)


def _require_target_admin(transfer: Transfer, actor: User) -> None:
    if not _holds(actor, transfer.target_id, Role.GLOBAL_ADMIN):
        raise TransfersError(
            _("Only a Global admin of %(target)s can accept or decline this transfer.")
            % {"target": transfer.target_name},
            code="forbidden",
        )


def transfer_accept(*, transfer: Transfer, actor: User) -> Transfer:
    """The receiving partner's Global admin accepts: in one transaction the subscriptions move with their terms
    (seller, reseller of record, support contact), the customer relationship and an admin-relationship request
    are created, and each side is told. The row lock makes accept and decline race to one winner."""
    _require_target_admin(transfer, actor)
    with transaction.atomic():
        transfer = _lock(transfer)
        _require_pending(transfer)
        if transfer.expires_at <= timezone.now():
            raise TransfersError(_("This transfer expired: ask for a new one."), code="expired")
        # Checked and written as the platform: the target may not yet see the customer or its subscriptions.
        with rls.elevated("transfer:accept"):
            customer = Organization.objects.get(pk=transfer.customer_id)
            source = Organization.objects.get(pk=transfer.source_id)
            target = Organization.objects.get(pk=transfer.target_id)
            program = _check_target(source=source, target=target, customer=customer)
            por = transfer.partner_of_record
            if por is not None:
                por = _check_partner_of_record(target=target, program=program, number=str(por.number))
            items = list(transfer.items.select_related("subscription__offer"))
            subscriptions = list(
                Subscription.objects.select_for_update().select_related("offer")
                .filter(pk__in=[item.subscription_id for item in items]).order_by("pk")
            )  # fmt: skip
            _check_subscriptions(subscriptions=subscriptions, customer=customer, source=source)
            now = timezone.now()
            reseller = por.organization if por is not None else None
            for subscription in subscriptions:
                subscription.partner = target
                subscription.partner_of_record = por
                subscription.reseller = reseller
                subscription.support_contact = target
                subscription.updated_at = now
                subscription.save(update_fields=["partner", "partner_of_record", "reseller", "support_contact",
                                                 "updated_at"])  # fmt: skip
                audit_record(
                    code="partnerhub.subscription.transferred",
                    actor=actor,
                    organization=target,
                    target=subscription,
                    data={"from": source.legal_name, "transfer": str(transfer.public_id)},
                )
            relate_through(partner=target, customer=customer, reseller=reseller)
            if transfer.transition_id is not None:
                # The direct-bill partner is now the customer's reseller: it no longer orders as direct bill.
                CustomerRelationship.objects.filter(
                    partner=source, customer=customer, status=CustomerRelationship.Status.ACTIVE
                ).update(kind=CustomerRelationship.Kind.INDIRECT_RESELLER, reseller=None)  # relate_through named it
            _close(transfer, Transfer.Status.ACCEPTED, actor)
            _request_admin_access(transfer, actor)
            _tell(transfer, "accepted", actor)
            if transfer.transition is not None:
                enrollment_transition_complete_if_done(enrollment=transfer.transition, actor=actor)
    return transfer


def transfer_decline(*, transfer: Transfer, actor: User) -> Transfer:
    """The receiving partner's Global admin declines: nothing moves; each side is told."""
    _require_target_admin(transfer, actor)
    with transaction.atomic():
        transfer = _lock(transfer)
        _require_pending(transfer)
        _close(transfer, Transfer.Status.DECLINED, actor)
        _tell(transfer, "declined", actor)
    return transfer


def transfer_cancel(*, transfer: Transfer, actor: User) -> Transfer:
    """The side that requested the transfer withdraws it while it is pending."""
    if transfer.initiated_by == Transfer.InitiatedBy.CUSTOMER:
        allowed = _holds(actor, transfer.customer_id, Role.GLOBAL_ADMIN)
    else:
        allowed = _holds(actor, transfer.source_id, *CREATOR_ROLES)
    if not allowed:
        raise TransfersError(_("Only the side that requested this transfer can cancel it."), code="forbidden")
    with transaction.atomic():
        transfer = _lock(transfer)
        _require_pending(transfer)
        _close(transfer, Transfer.Status.CANCELLED, actor)
        _tell(transfer, "cancelled", actor)
    return transfer


def transfers_expire_due(*, now: datetime | None = None) -> list[int]:
    """Expire pending transfers past their 30 days. Each is claimed with a conditional UPDATE, so two sweeps
    (or a sweep and an accept) act on it once; a second run finds nothing to do."""
    now = now or timezone.now()
    expired = []
    due = list(
        Transfer.objects.filter(status=Transfer.Status.PENDING, expires_at__lte=now)
        .order_by("expires_at", "pk")
        .values_list("pk", flat=True)[:500]
    )
    for pk in due:
        with transaction.atomic():
            claimed = Transfer.objects.filter(pk=pk, status=Transfer.Status.PENDING, expires_at__lte=now).update(
                status=Transfer.Status.EXPIRED, decided_at=now
            )
            if not claimed:
                continue
            transfer = Transfer.objects.get(pk=pk)
            transfer.items.update(is_open=False)
            _tell(transfer, "expired", None)
            expired.append(pk)
    return expired


# --- the admin-relationship request (issue 18 §1, the "access" app) ------------------------------------------


def _request_admin_access(transfer: Transfer, actor: User) -> None:
    """Ask the customer for admin access for the receiving partner, as a new seller gets it: a pending admin
    relationship with the default roles for 730 days, which the customer's Global admins approve from the emailed
    link (access.services, audited on both sides). None is asked for when the partner already holds a live one."""
    if AdminRelationship.objects.filter(
        partner=transfer.target, customer=transfer.customer, status__in=AdminRelationship.LIVE
    ).exists():
        return
    admin_relationship_request(
        partner=transfer.target,
        customer=transfer.customer,
        actor=actor,
        name=f"Transfer {transfer.public_id}"[:50],
        roles=list(DEFAULT_ROLES),
        duration_days=DEFAULT_DURATION_DAYS,
    )


# --- direct bill → indirect reseller -------------------------------------------------------------------------


def transition_enrollment(organization: Organization) -> ProgramEnrollment | None:
    """The organization's approved, still open direct-bill move, if any."""
    return (
        ProgramEnrollment.objects.filter(organization=organization, program=Program.DIRECT_BILL, closed_at=None)
        .exclude(transition_approved_at=None)
        .first()
    )


def transition_start(*, organization: Organization, actor: User, provider: Organization) -> list[Transfer]:
    """The direct-bill partner moves its customers to one of its indirect providers: a transfer per customer
    (25 subscriptions each at most) of every active subscription it sells and not already in a transfer, with
    its own location partner ID as reseller of record. The move completes when the provider has accepted."""
    if not _holds(actor, organization, Role.GLOBAL_ADMIN):
        raise TransfersError(_("Only a Global admin can move the customers to a provider."), code="forbidden")
    enrollment = transition_enrollment(organization)
    if enrollment is None:
        raise TransfersError(_("There is no approved move to indirect reseller on this account."), code="no_transition")
    if not PartnerRelationship.objects.filter(
        provider=provider, reseller=organization, status=PartnerRelationship.Status.ACTIVE
    ).exists():
        raise TransfersError(
            _("Choose one of your indirect providers: accept its partnership invitation first."),
            field="provider",
            code="no_partnership",
        )
    own = PartnerId.objects.filter(organization=organization, kind=PartnerId.Kind.LOCATION, csp_associated=True).first()
    if own is None:
        raise TransfersError(
            _("Associate your location partner ID first: it is the reseller of record of the moved subscriptions."),
            code="no_partner_id",
        )
    subscriptions = list(
        Subscription.objects.filter(partner=organization, status=Subscription.Status.ACTIVE)
        .exclude(pk__in=TransferItem.objects.filter(is_open=True).values("subscription_id"))
        .select_related("customer")
        .order_by("customer_id", "pk")
    )
    transfers = []
    with transaction.atomic():
        by_customer: dict[int, list[Subscription]] = {}
        for subscription in subscriptions:
            by_customer.setdefault(subscription.customer_id, []).append(subscription)
        for group in by_customer.values():
            for start in range(0, len(group), MAX_ITEMS):
                transfers.append(
                    transfer_create(
                        organization=organization,
                        actor=actor,
                        customer=group[0].customer,
                        target=provider,
                        subscriptions=group[start : start + MAX_ITEMS],
                        partner_of_record=str(own.number),
                        transition=enrollment,
                    )
                )
        audit_record(
            code="partnerhub.enrollment.transition_started",
            actor=actor,
            organization=organization,
            target=enrollment,
            data={"provider": provider.legal_name, "transfers": len(transfers)},
        )
        enrollment_transition_complete_if_done(enrollment=enrollment, actor=actor)
    return transfers
