"""The demo provider's API client (DEMO_API_CLIENT_NAME), for the README's curl session.

A client's secret is shown once and stored hashed, so a second seed can't print the first one's: each seed
revokes the demo client it finds live and creates it again, through the same services as Account settings →
API, and returns the new secret for the command to print. Everything else of the demo stays as it was."""

from __future__ import annotations

from api.models import ApiClient
from api.services import api_client_create, api_client_revoke
from partnerhub.accounts.models import Membership, Role

from .world import DEMO_API_CLIENT_NAME, DEMO_API_CLIENT_OWNER


def seed_api_client() -> tuple[ApiClient, str]:
    """(the demo provider's live API client, its secret), created now by its Global admin."""
    seat = Membership.objects.select_related("organization", "user").get(
        user__email=DEMO_API_CLIENT_OWNER, roles__contains=[Role.GLOBAL_ADMIN]
    )
    for previous in ApiClient.objects.live().filter(organization=seat.organization, name=DEMO_API_CLIENT_NAME):
        api_client_revoke(client=previous, actor=seat.user)
    return api_client_create(
        organization=seat.organization, actor=seat.user, name=DEMO_API_CLIENT_NAME, roles=[Role.GLOBAL_ADMIN]
    )
