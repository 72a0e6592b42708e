"""Admin relationships (GDAP): the partner requests roles, the customer's Global admin approves or rejects,
either side terminates at once, the partner assigns who may use each role, and beat sweeps the deadlines.

Every change locks the relationship row, checks its state (an illegal move says why), saves, writes an audit
row on both sides and tells the people concerned, in one transaction; repeating a change that already
happened changes nothing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from customers.models import CustomerRelationship
from partnerhub.accounts.models import Membership, Organization, Role, User
from partnerhub.core import rls
from partnerhub.core.audit import audit_record
from partnerhub.core.invitations import hash_token, new_token
from partnerhub.core.notifications import notification_create
from partnerhub.core.outbox import outbound_email_queue

from ..models import AccessError, AdminRelationship, AdminRoleAssignment
from ..roles import (
    AUTO_EXTEND_DAYS,
    DEFAULT_DURATION_DAYS,
    DEFAULT_ROLES,
    MAX_DURATION_DAYS,
    REQUEST_TTL_DAYS,
    AdminRole,
)

Status = AdminRelationship.Status
PARTNER_MANAGERS = (Role.GLOBAL_ADMIN, Role.ADMIN_AGENT)
DEFAULT_ASSIGNEES = (Role.GLOBAL_ADMIN, Role.ADMIN_AGENT)  # Partner Center's default security groups


# --- who is told -------------------------------------------------------------------------------------------


def partner_url(relationship: AdminRelationship) -> str:
    return reverse("access:partner-relationship-detail", args=[relationship.customer.tenant_id, relationship.public_id])


def customer_url(relationship: AdminRelationship) -> str:
    return reverse("access:customer-relationship-detail", args=[relationship.public_id])


@rls.elevated("admin-relationship:notify")
def _tell(
    organization: Organization,
    roles: Iterable[str],
    *,
    template: str,
    title: str,
    url: str,
    context: dict[str, Any],
) -> None:
    """Email (through the outbox) and notify the people of `organization` holding one of `roles`."""
    members = Membership.objects.filter(organization=organization, roles__overlap=list(roles)).select_related("user")
    for membership in members:
        outbound_email_queue(
            to=membership.user.mailbox,
            template=template,
            organization=organization,
            language=membership.user.language or None,
            context={"name": membership.user.first_name, "url": settings.SITE_URL + url, **context},
        )
        notification_create(user=membership.user, organization=organization, title=title, url=url)


def _context(relationship: AdminRelationship, **extra: Any) -> dict[str, Any]:
    return {
        "partner": relationship.partner.legal_name,
        "customer": relationship.customer.legal_name,
        "relationship": relationship.name,
        "roles": ", ".join(str(label) for label in relationship.role_labels()),
        "days": relationship.duration_days,
        "ends": date_format(relationship.ends_at, "DATE_FORMAT") if relationship.ends_at else "",
        **extra,
    }


def _tell_partner(relationship: AdminRelationship, template: str, title: str, **extra: Any) -> None:
    _tell(
        relationship.partner,
        PARTNER_MANAGERS,
        template=template,
        title=title,
        url=partner_url(relationship),
        context=_context(relationship, **extra),
    )


def _tell_customer(relationship: AdminRelationship, template: str, title: str, **extra: Any) -> None:
    _tell(
        relationship.customer,
        (Role.GLOBAL_ADMIN,),
        template=template,
        title=title,
        url=customer_url(relationship),
        context=_context(relationship, **extra),
    )


def _audit_both(relationship: AdminRelationship, code: str, actor: User | None, **data: Any) -> None:
    """One audit row in each party's log, naming the relationship and the other party."""
    data = {
        "relationship": relationship.name,
        "partner": relationship.partner.legal_name,
        "customer": relationship.customer.legal_name,
        **data,
    }
    for organization in (relationship.partner, relationship.customer):
        audit_record(code=code, actor=actor, organization=organization, target=relationship, data=data)


# --- checks --------------------------------------------------------------------------------------------------


def _is_partner_manager(user: User, partner: Organization) -> bool:
    return Membership.seats.filter(organization=partner, user=user, roles__overlap=list(PARTNER_MANAGERS)).exists()


def _require_partner_manager(user: User, partner: Organization) -> None:
    if not _is_partner_manager(user, partner):
        raise AccessError(_("Only a Global admin or an Admin agent can manage admin relationships."), code="forbidden")


def _is_customer_admin(user: User, customer: Organization) -> bool:
    return Membership.objects.global_admins().filter(organization=customer, user=user).exists()


def _require_customer_admin(user: User, customer: Organization) -> None:
    if not _is_customer_admin(user, customer):
        raise AccessError(
            _("Only a Global admin of %(customer)s can do this.") % {"customer": customer.legal_name},
            code="not_global_admin",
        )


def _side(user: User, relationship: AdminRelationship, organization: Organization) -> str:
    """Which party `user` acts for (the organization they act as), with that party's required role."""
    if organization.pk == relationship.partner_id:
        _require_partner_manager(user, relationship.partner)
        return "partner"
    if organization.pk == relationship.customer_id:
        _require_customer_admin(user, relationship.customer)
        return "customer"
    raise AccessError(_("This admin relationship isn't yours."), code="not_found")


def _locked(relationship: AdminRelationship) -> AdminRelationship:
    return (
        AdminRelationship.objects.select_for_update(of=("self",))
        .select_related("partner", "customer")
        .get(pk=relationship.pk)
    )


def _gone(relationship: AdminRelationship) -> AccessError:
    """Why a final relationship can't change."""
    messages = {
        Status.EXPIRED: _("The admin relationship %(name)s has expired: it can't change any more."),
        Status.TERMINATED: _("The admin relationship %(name)s was terminated: it can't change any more."),
        Status.REJECTED: _("The admin relationship %(name)s was rejected: it can't change any more."),
    }
    return AccessError(messages[Status(relationship.status)] % {"name": relationship.name}, code="illegal_transition")


def clean_request(
    *, name: str, roles: Iterable[str], duration_days: Any, auto_extend: bool
) -> tuple[str, list[str], int]:
    """The request's fields as stored, or the first thing wrong with them (field and message)."""
    name = (name or "").strip()
    if not name:
        raise AccessError(_("Give the relationship a name."), code="invalid", field="name")
    if len(name) > 50:
        raise AccessError(_("The name can have at most 50 characters."), code="invalid", field="name")
    wanted = set(roles or ())
    unknown = wanted - set(AdminRole.values)
    if unknown or not wanted:
        raise AccessError(_("Choose at least one role from the list."), code="invalid", field="roles")
    try:
        days = int(duration_days)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= MAX_DURATION_DAYS:
        raise AccessError(
            _("The duration is a number of days from 1 to %(max)s.") % {"max": MAX_DURATION_DAYS},
            code="invalid",
            field="duration_days",
        )
    if auto_extend and AdminRole.GLOBAL_ADMINISTRATOR in wanted:
        raise AccessError(
            _("A relationship with the Global administrator role can't be auto-extended."),
            code="auto_extend_global_admin",
            field="auto_extend",
        )
    return name, [role for role in AdminRole.values if role in wanted], days


# --- the state machine -----------------------------------------------------------------------------------------


def admin_relationship_request(
    *,
    partner: Organization,
    customer: Organization,
    actor: User,
    name: str,
    roles: Iterable[str],
    duration_days: int,
    auto_extend: bool = False,
) -> AdminRelationship:
    """A partner's Global admin or Admin agent asks a customer it serves for roles; the customer's Global
    admins get an approval link by email (the link's token is stored hashed). Pending for 90 days."""
    _require_partner_manager(actor, partner)
    name, roles, days = clean_request(name=name, roles=roles, duration_days=duration_days, auto_extend=auto_extend)
    if not CustomerRelationship.objects.filter(
        partner=partner, customer=customer, status=CustomerRelationship.Status.ACTIVE
    ).exists():
        raise AccessError(_("This customer isn't one of yours."), code="not_found")
    now = timezone.now()
    token, token_hash = new_token()
    try:
        with transaction.atomic():
            relationship = AdminRelationship.objects.create(
                partner=partner,
                customer=customer,
                name=name,
                roles=roles,
                duration_days=days,
                auto_extend=auto_extend,
                created_by=actor,
                created_at=now,
                request_expires_at=now + timedelta(days=REQUEST_TTL_DAYS),
                token_hash=token_hash,
            )
    except IntegrityError:
        raise AccessError(
            _("You already have an admin relationship named %(name)s; choose another name.") % {"name": name},
            code="name_taken",
            field="name",
        ) from None
    with transaction.atomic():
        _audit_both(relationship, "partnerhub.admin_relationship.created", actor, roles=roles, days=days)
        link = reverse("access:approval-link", args=[token])
        _tell(
            relationship.customer,
            (Role.GLOBAL_ADMIN,),
            template="admin_relationship_requested",
            title=_("%(partner)s asks for admin roles") % {"partner": partner.legal_name},
            url=link,
            context=_context(relationship, expires=date_format(relationship.request_expires_at, "DATE_FORMAT")),
        )
    relationship.approval_token = token  # type: ignore[attr-defined]  # only in this response (tests, the API)
    return relationship


def relationship_from_link(token: str) -> AdminRelationship | None:
    """The relationship an emailed approval link names (any status), or None."""
    if not token or len(token) > 128:
        return None
    token_hash = hash_token(token)
    return AdminRelationship.objects.select_related("partner", "customer").filter(token_hash=token_hash).first()


def admin_relationship_approve(*, relationship: AdminRelationship, actor: User) -> AdminRelationship:
    """The customer's Global admin approves: active from now for its duration. Approving twice is a no-op."""
    _require_customer_admin(actor, relationship.customer)
    with transaction.atomic():
        relationship = _locked(relationship)
        now = timezone.now()
        if relationship.status in AdminRelationship.ACTING and relationship.approved_at:
            return relationship
        if relationship.status != Status.APPROVAL_PENDING:
            raise _gone(relationship)
        if relationship.request_expires_at <= now:
            raise AccessError(_("This request expired unanswered; the partner can send a new one."), code="expired")
        relationship.move_to(Status.ACTIVE)
        relationship.approved_by, relationship.approved_at = actor, now
        relationship.ends_at = now + timedelta(days=relationship.duration_days)
        relationship.token_hash = None
        relationship.save(update_fields=["status", "approved_by", "approved_at", "ends_at", "token_hash"])
        _audit_both(
            relationship, "partnerhub.admin_relationship.approved", actor, ends_at=relationship.ends_at.isoformat()
        )
        _tell_partner(
            relationship,
            "admin_relationship_approved",
            _("%(customer)s approved an admin relationship") % {"customer": relationship.customer.legal_name},
        )
    return relationship


def admin_relationship_reject(*, relationship: AdminRelationship, actor: User) -> AdminRelationship:
    """The customer's Global admin rejects a pending request: nothing is granted."""
    _require_customer_admin(actor, relationship.customer)
    with transaction.atomic():
        relationship = _locked(relationship)
        if relationship.status == Status.REJECTED:
            return relationship
        if relationship.status != Status.APPROVAL_PENDING:
            raise AccessError(_("Only a request waiting for approval can be rejected."), code="illegal_transition")
        relationship.move_to(Status.REJECTED)
        relationship.ended_at, relationship.terminated_by, relationship.terminated_side = (
            timezone.now(),
            actor,
            "customer",
        )
        relationship.token_hash = None
        relationship.save(update_fields=["status", "ended_at", "terminated_by", "terminated_side", "token_hash"])
        _audit_both(relationship, "partnerhub.admin_relationship.rejected", actor)
        _tell_partner(
            relationship,
            "admin_relationship_rejected",
            _("%(customer)s rejected an admin relationship") % {"customer": relationship.customer.legal_name},
        )
    return relationship


def _terminate_locked(relationship: AdminRelationship, actor: User | None, side: str) -> bool:
    if relationship.status == Status.TERMINATED:
        return False
    if relationship.status not in AdminRelationship.LIVE:
        raise _gone(relationship)
    relationship.move_to(Status.TERMINATED)
    relationship.ended_at, relationship.terminated_by, relationship.terminated_side = timezone.now(), actor, side
    relationship.token_hash = None
    relationship.save(update_fields=["status", "ended_at", "terminated_by", "terminated_side", "token_hash"])
    _audit_both(relationship, "partnerhub.admin_relationship.terminated", actor, side=side)
    by = relationship.partner.legal_name if side == "partner" else relationship.customer.legal_name
    title = _("The admin relationship %(name)s was terminated") % {"name": relationship.name}
    _tell_partner(relationship, "admin_relationship_terminated", title, by=by)
    _tell_customer(relationship, "admin_relationship_terminated", title, by=by)
    return True


def admin_relationship_terminate(
    *, relationship: AdminRelationship, actor: User, organization: Organization
) -> AdminRelationship:
    """Either side ends the relationship at once (a pending request too); terminating twice is a no-op."""
    side = _side(actor, relationship, organization)
    with transaction.atomic():
        relationship = _locked(relationship)
        _terminate_locked(relationship, actor, side)
    return relationship


def admin_relationships_terminate_all(*, partner: Organization, customer: Organization, actor: User) -> int:
    """The customer's "Remove roles": every live admin relationship of that partner ends at once."""
    _require_customer_admin(actor, customer)
    ended = 0
    with transaction.atomic():
        rows = (
            AdminRelationship.objects.select_for_update(of=("self",))
            .select_related("partner", "customer")
            .filter(partner=partner, customer=customer, status__in=AdminRelationship.LIVE)
            .order_by("pk")
        )
        for relationship in rows:
            ended += _terminate_locked(relationship, actor, "customer")
    return ended


def admin_relationship_auto_extend_set(
    *, relationship: AdminRelationship, actor: User, organization: Organization, auto_extend: bool
) -> AdminRelationship:
    """Either side turns the 180-day auto-extend on or off; never with the Global administrator role."""
    _side(actor, relationship, organization)
    with transaction.atomic():
        relationship = _locked(relationship)
        if relationship.status not in AdminRelationship.LIVE:
            raise _gone(relationship)
        if auto_extend and relationship.holds_global_administrator:
            raise AccessError(
                _("A relationship with the Global administrator role can't be auto-extended."),
                code="auto_extend_global_admin",
                field="auto_extend",
            )
        if relationship.auto_extend == auto_extend:
            return relationship
        relationship.auto_extend = auto_extend
        relationship.save(update_fields=["auto_extend"])
        _audit_both(relationship, "partnerhub.admin_relationship.auto_extend_set", actor, auto_extend=auto_extend)
    return relationship


def admin_relationship_assignments_set(
    *,
    relationship: AdminRelationship,
    actor: User,
    by_role: Mapping[str, Iterable[str]],
    by_member: Mapping[str, Iterable[int | str]],
) -> AdminRelationship:
    """The partner's Global admin or Admin agent says who may use each of the relationship's roles: the
    holders of partner roles (`by_role`: admin role → partner roles) and named users (`by_member`: admin
    role → membership ids). Replaces the previous assignments."""
    _require_partner_manager(actor, relationship.partner)
    with transaction.atomic():
        relationship = _locked(relationship)
        if relationship.status not in AdminRelationship.LIVE:
            raise _gone(relationship)
        rows = []
        members = set(Membership.objects.filter(organization=relationship.partner_id).values_list("pk", flat=True))
        for role in set(by_role) | set(by_member):
            if role not in relationship.roles:
                raise AccessError(
                    _("This relationship doesn't hold the role %(role)s.") % {"role": role},
                    code="role_not_held",
                    field="assignments",
                )
        for role, partner_roles in by_role.items():
            for partner_role in sorted(set(partner_roles)):
                if partner_role not in Role.values:
                    raise AccessError(_("Unknown partner role."), code="invalid", field="assignments")
                rows.append(AdminRoleAssignment(relationship=relationship, role=role, partner_role=partner_role))
        for role, ids in by_member.items():
            for pk in sorted({int(pk) for pk in ids}):
                if pk not in members:
                    raise AccessError(
                        _("This user isn't one of your organization's users."), code="invalid", field="assignments"
                    )
                rows.append(AdminRoleAssignment(relationship=relationship, role=role, membership_id=pk))
        AdminRoleAssignment.objects.filter(relationship=relationship).delete()
        AdminRoleAssignment.objects.bulk_create(rows)
        audit_record(
            code="partnerhub.admin_relationship.assignments_set",
            actor=actor,
            organization=relationship.partner,
            target=relationship,
            data={"assignments": sorted(f"{row.role}:{row.partner_role or row.membership_id}" for row in rows)},
        )
    return relationship


def default_relationship_name(customer: Organization) -> str:
    return f"Default_{customer.tenant_id.hex}"


def admin_relationship_default_create(
    *, partner: Organization, customer: Organization, approved_by: User | None
) -> AdminRelationship | None:
    """The default relationship an invitation with delegated admin, or a customer the partner creates, grants:
    the four default roles for two years, no auto-extend, active at once (approved as part of accepting),
    assigned to the partner's Global admins and Admin agents. None when one is already live (idempotent)."""
    name = default_relationship_name(customer)
    if AdminRelationship.objects.live().filter(partner=partner, customer=customer, name=name).exists():
        return None
    now = timezone.now()
    relationship = AdminRelationship.objects.create(
        partner=partner,
        customer=customer,
        name=name,
        roles=list(DEFAULT_ROLES),
        duration_days=DEFAULT_DURATION_DAYS,
        status=Status.ACTIVE,
        created_by=approved_by,
        created_at=now,
        request_expires_at=now,
        approved_by=approved_by,
        approved_at=now,
        ends_at=now + timedelta(days=DEFAULT_DURATION_DAYS),
    )
    AdminRoleAssignment.objects.bulk_create(
        AdminRoleAssignment(relationship=relationship, role=role, partner_role=partner_role)
        for role in DEFAULT_ROLES
        for partner_role in DEFAULT_ASSIGNEES
    )
    _audit_both(
        relationship,
        "partnerhub.admin_relationship.created",
        approved_by,
        roles=list(DEFAULT_ROLES),
        days=DEFAULT_DURATION_DAYS,
        default=True,
    )
    _audit_both(
        relationship,
        "partnerhub.admin_relationship.approved",
        approved_by,
        ends_at=relationship.ends_at.isoformat() if relationship.ends_at else "",
    )
    return relationship


# --- the sweep -----------------------------------------------------------------------------------------------


def _claimed(pk: int, condition: Q, **changes: Any) -> AdminRelationship | None:
    """Claim one row with a conditional UPDATE: of two sweeps, only one changes it; the row, or None."""
    with transaction.atomic():
        if not AdminRelationship.objects.filter(condition, pk=pk).update(**changes):
            return None
        return AdminRelationship.objects.select_related("partner", "customer").get(pk=pk)


def sweep_admin_relationships(now: datetime | None = None) -> dict[str, int]:
    """Requests unanswered for 90 days expire; relationships at their end auto-extend by 180 days or expire;
    both sides hear 30 and 7 days before the end (status `expiring`). Safe to run twice and concurrently:
    each step claims its row with a conditional UPDATE and acts only when it won."""
    now = now or timezone.now()
    done = {"requests_expired": 0, "expired": 0, "extended": 0, "reminded": 0}
    pending = Q(status=Status.APPROVAL_PENDING, request_expires_at__lte=now)
    for pk in AdminRelationship.objects.filter(pending).values_list("pk", flat=True):
        with transaction.atomic():
            row = _claimed(pk, pending, status=Status.EXPIRED, ended_at=now, token_hash=None)
            if row is None:
                continue
            _audit_both(row, "partnerhub.admin_relationship.expired", None, request=True)
            _tell_partner(
                row,
                "admin_relationship_expired",
                _("The admin relationship request %(name)s expired unanswered") % {"name": row.name},
            )
            done["requests_expired"] += 1
    ending = Q(status__in=AdminRelationship.ACTING, ends_at__lte=now)
    for pk, ends_at, auto_extend, roles in AdminRelationship.objects.filter(ending).values_list(
        "pk", "ends_at", "auto_extend", "roles"
    ):
        with transaction.atomic():
            if ends_at is None:
                continue
            if auto_extend and AdminRole.GLOBAL_ADMINISTRATOR not in roles:
                # The new end counts from the old one: a sweep running late doesn't shorten the extension.
                new_end = ends_at + timedelta(days=AUTO_EXTEND_DAYS)
                row = _claimed(
                    pk,
                    ending & Q(ends_at=ends_at),
                    status=Status.ACTIVE,
                    ends_at=new_end,
                    reminded_30_at=None,
                    reminded_7_at=None,
                    extended_count=F("extended_count") + 1,
                )
                if row is None:
                    continue
                _audit_both(row, "partnerhub.admin_relationship.extended", None, ends_at=new_end.isoformat())
                title = _("The admin relationship %(name)s was extended") % {"name": row.name}
                _tell_partner(row, "admin_relationship_extended", title)
                _tell_customer(row, "admin_relationship_extended", title)
                done["extended"] += 1
            else:
                row = _claimed(pk, ending, status=Status.EXPIRED, ended_at=now)
                if row is None:
                    continue
                _audit_both(row, "partnerhub.admin_relationship.expired", None)
                title = _("The admin relationship %(name)s has expired") % {"name": row.name}
                _tell_partner(row, "admin_relationship_expired", title)
                _tell_customer(row, "admin_relationship_expired", title)
                done["expired"] += 1
    for days, column in ((7, "reminded_7_at"), (30, "reminded_30_at")):
        due = Q(
            status__in=AdminRelationship.ACTING,
            ends_at__gt=now,
            ends_at__lte=now + timedelta(days=days),
            auto_extend=False,
            **{column: None},
        )
        for pk in AdminRelationship.objects.filter(due).values_list("pk", flat=True):
            with transaction.atomic():
                # The 7-day reminder also stands for the 30-day one (a short relationship gets one email).
                changes: dict[str, Any] = {column: now}
                if days == 7:
                    changes["reminded_30_at"] = Coalesce("reminded_30_at", Value(now))
                row = _claimed(pk, due, status=Status.EXPIRING, **changes)
                if row is None:
                    continue
                _audit_both(row, "partnerhub.admin_relationship.reminder_sent", None, days=days)
                title = _("The admin relationship %(name)s ends soon") % {"name": row.name}
                _tell_partner(row, "admin_relationship_expiring", title)
                _tell_customer(row, "admin_relationship_expiring", title)
                done["reminded"] += 1
    return done
