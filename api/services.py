"""Writes of the API app: API clients (create, revoke). Webhook endpoints' writes are in api/webhooks/."""

from __future__ import annotations

import ipaddress
import secrets
import uuid
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from oauth2_provider.models import get_application_model

from partnerhub.accounts.models import Membership, Organization, Role, User
from partnerhub.accounts.rules import require_global_admin
from partnerhub.core import rls
from partnerhub.core.audit import audit_record
from partnerhub.core.errors import ApplicationError

from .models import ApiClient

SERVICE_USER_DOMAIN = "clients.partnerhub.invalid"  # RFC 2606: never delivers, never signs in


class ApiError(ApplicationError):
    """A rule of API clients or webhook endpoints was broken."""


def check_allowed_ips(entries: list[str]) -> list[str]:
    """Each entry an address or a CIDR network, normalised; ApiError naming the first that is neither."""
    networks = []
    for entry in (entry.strip() for entry in entries):
        if not entry:
            continue
        try:
            networks.append(str(ipaddress.ip_network(entry, strict=False)))
        except ValueError:
            raise ApiError(
                _("%(entry)s is neither an IP address nor a network such as 203.0.113.0/24.") % {"entry": entry},
                field="allowed_ips",
                code="invalid_ip",
            ) from None
    return networks


def api_client_create(
    *,
    organization: Organization,
    actor: User,
    name: str,
    roles: list[str],
    allowed_ips: list[str] | None = None,
    expires_at: datetime | None = None,
) -> tuple[ApiClient, str]:
    """A Global admin gives a system of theirs an API client: (the client, its secret, shown this once).

    Its roles are at most the creator's own. The secret is stored hashed (django-oauth-toolkit)."""
    require_global_admin(
        actor, organization, ApiError(_("Only a Global admin can create API clients."), code="forbidden")
    )
    if organization.kind != Organization.Kind.PARTNER:
        raise ApiError(_("API clients are for partner organizations."), code="not_partner")
    name = name.strip()
    if not name:
        raise ApiError(_("Give the client a name."), field="name")
    if not roles or any(role not in Role.values for role in roles):
        raise ApiError(_("Choose at least one role."), field="roles")
    own = set(Membership.seats.get(organization=organization, user=actor).roles)
    beyond = [label for value, label in Role.choices if value in set(roles) - own]
    if beyond:
        raise ApiError(
            _("A client can't hold a role you don't hold yourself: %(roles)s.")
            % {"roles": ", ".join(map(str, beyond))},
            field="roles",
            code="role_beyond_own",
        )
    if expires_at is not None and expires_at <= timezone.now():
        raise ApiError(_("The expiry must be in the future."), field="expires_at")
    networks = check_allowed_ips(allowed_ips or [])
    secret = secrets.token_urlsafe(36)
    with transaction.atomic():
        if ApiClient.objects.filter(organization=organization, name=name, revoked_at=None).exists():
            raise ApiError(_("You already have a client named %(name)s.") % {"name": name}, field="name")
        # The service user and its seat are created as the platform, as a person's account and seat are (a
        # tenant may not insert users), and django-oauth-toolkit's tables are the platform's. The user is
        # inactive, with no usable password and an address that never delivers: no way to a session.
        with rls.elevated("api-clients"):
            user = User.objects.create_user(
                f"api-{uuid.uuid4().hex}@{SERVICE_USER_DOMAIN}",
                password=None,
                first_name=name[:150],
                last_name="(API)",
                is_active=False,
            )
            seat = Membership.objects.create(organization=organization, user=user, roles=sorted(set(roles)),
                                             is_api_client=True)  # fmt: skip
            application = get_application_model().objects.create(
                name=f"{organization.pk}:{name}"[:255],
                user=user,
                client_type="confidential",
                authorization_grant_type="client-credentials",
                client_secret=secret,
                hash_client_secret=True,
            )
        client = ApiClient.objects.create(
            organization=organization,
            name=name,
            roles=seat.roles,
            allowed_ips=networks,
            expires_at=expires_at,
            client_id=application.client_id,
            application=application,
            seat=seat,
            created_by=actor,
        )
        audit_record(code="partnerhub.api_client.created", actor=actor, organization=organization, target=client,
                     data={"roles": client.roles, "allowed_ips": networks})  # fmt: skip
    return client, secret


def api_client_revoke(*, client: ApiClient, actor: User) -> ApiClient:
    """Revoking ends the client's tokens at once: its OAuth application goes, and its tokens with it."""
    require_global_admin(actor, client.organization, ApiError(_("Only a Global admin can revoke API clients."),
                                                              code="forbidden"))  # fmt: skip
    with transaction.atomic():
        client = ApiClient.objects.select_for_update().get(pk=client.pk)
        if client.revoked_at is not None:
            return client
        application_id = client.application_id
        client.revoked_at = timezone.now()
        client.revoked_by = actor
        client.application = None
        client.save(update_fields=["revoked_at", "revoked_by", "application"])
        if application_id is not None:
            with rls.elevated("api-clients"):
                get_application_model().objects.filter(pk=application_id).delete()
        audit_record(code="partnerhub.api_client.revoked", actor=actor, organization=client.organization, target=client)
    return client


def sweep_api_records(*, now: datetime | None = None, batch: int = 5000) -> dict[str, int]:
    """Forget call-log rows older than API_CALL_LOG_DAYS and idempotency records older than
    API_IDEMPOTENCY_HOURS, a batch at a time (run by beat as the platform; safe to run twice or at once)."""
    from datetime import timedelta

    from django.conf import settings

    from .models import ApiCall, IdempotencyRecord

    now = now or timezone.now()
    calls = ApiCall.objects.filter(at__lt=now - timedelta(days=settings.API_CALL_LOG_DAYS))
    keys = IdempotencyRecord.objects.filter(created_at__lt=now - timedelta(hours=settings.API_IDEMPOTENCY_HOURS))
    removed = {}
    for name, queryset in (("calls", calls), ("idempotency_keys", keys)):
        ids = list(queryset.order_by().values_list("pk", flat=True)[:batch])
        removed[name] = queryset.model.objects.filter(pk__in=ids).delete()[0]
    return removed
