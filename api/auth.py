"""Who calls: an API client, by its OAuth 2.0 client-credentials token; and what it may do: its roles.

The token endpoint (`/api/oauth/token/`) is django-oauth-toolkit's, under a platform context (its tables are
the platform's) and `ClientValidator`, which issues tokens to live clients only, from their allowed addresses.
Each call then runs as the client's service user, seated in its organization with the client's roles: the
row-level security context, the permission rules and the services are the ones a person's request gets.
"""

from __future__ import annotations

import hashlib
import ipaddress
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from oauth2_provider.models import AccessToken
from oauth2_provider.oauth2_validators import OAuth2Validator
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission

from partnerhub.core import rls
from partnerhub.core.context import client_ip

from .models import ApiClient


def address_allowed(client: ApiClient, address: str | None) -> bool:
    """An empty allow-list allows every address; otherwise the caller's must be in one of its networks."""
    if not client.allowed_ips:
        return True
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(network, strict=False) for network in client.allowed_ips)


class ClientValidator(OAuth2Validator):
    """django-oauth-toolkit's checks, then ours: the client is not revoked or expired, and calls from an
    address its allow-list names."""

    def authenticate_client(self, request, *args: Any, **kwargs: Any) -> bool:
        if not super().authenticate_client(request, *args, **kwargs):
            return False
        client = ApiClient.objects.live().filter(application=request.client).first()
        return client is not None and address_allowed(client, client_ip.get())


class ClientCredentialsAuthentication(BaseAuthentication):
    """`Authorization: Bearer <token>` → the client's service user; sets the call's row-level security
    context and `request.api_client`, `request.membership`, `request.organization` for the views."""

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != b"bearer":
            return None
        if len(header) != 2:  # noqa: PLR2004
            raise exceptions.AuthenticationFailed(_("Send the access token as `Authorization: Bearer <token>`."))
        checksum = hashlib.sha256(header[1]).hexdigest()
        with rls.elevated("api-token"):  # the tokens and the clients' applications are the platform's
            client = (
                ApiClient.objects.select_related("seat__user", "seat__organization")
                .filter(
                    application_id__in=AccessToken.objects.filter(
                        token_checksum=checksum, expires__gt=timezone.now()
                    ).values("application_id")
                )
                .first()
            )
        if client is None or not client.is_live:
            raise exceptions.AuthenticationFailed(_("The access token is invalid or has expired: request a new one."))
        if not address_allowed(client, client_ip.get()):
            raise exceptions.PermissionDenied(_("This API client's IP allow-list doesn't include your address."))
        seat = client.seat
        rls.set_context(user_id=seat.user_id, organization_id=seat.organization_id)
        request._request.rls_organization_id = seat.organization_id  # as the pages have it: the logs read it
        request.api_client = client
        request.membership = seat
        request.organization = seat.organization
        return seat.user, client

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class HasPermission(BasePermission):
    """The permission a view names for the method (`permissions = {"GET": "customers.view_customers"}`), held
    by the client's seat: the rules the pages use (`accounts.decorators.check_permission`)."""

    def has_permission(self, request, view) -> bool:
        if getattr(request, "api_client", None) is None:
            raise exceptions.NotAuthenticated(_("Send an access token: `Authorization: Bearer <token>`."))
        permissions = getattr(view, "permissions", {})
        perm = permissions.get(request.method) or (permissions.get("GET") if request.method == "HEAD" else None)
        if perm is None:
            return True
        if not request.user.has_perm(perm, request.membership):
            raise exceptions.PermissionDenied(_("This API client's roles don't allow this."))
        return True
