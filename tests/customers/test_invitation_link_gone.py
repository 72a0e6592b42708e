"""A customer-invitation link that worked once answers as a partnership link does: 410 Gone with a page
that says why; a token that never existed is a 404."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from tests.customers.test_invitations import _client, _link
from tests.scenarios import ACCOUNT

pytestmark = pytest.mark.django_db

EXPLAINED = "It was already used, revoked, or it expired. Ask the partner who sent it for a new link."


def _signup(path: str, prefix: str):
    return Client().post(
        path,
        {**ACCOUNT, "domain_prefix": prefix, "company_name": f"{prefix.title()} Inc.",
         "password": "a-long-enough-passphrase", "authorize": "on", "accept_agreement": "on"},
    )  # fmt: skip


def test_a_used_customer_link_is_gone_with_an_explanation(seller):
    _, path = _link(_client(seller[1]))
    assert _signup(path, "fourthcoffee").status_code == 302

    visitor, second_signup = Client().get(path), _signup(path, "fifthcoffee")

    assert visitor.status_code == 410
    assert EXPLAINED in visitor.content.decode()
    assert second_signup.status_code == 410


def test_expired_and_revoked_customer_links_are_gone_and_unknown_ones_not_found(seller):
    provider_client = _client(seller[1])
    _, expired = _link(provider_client)
    revoked, revoked_path = _link(provider_client)
    provider_client.post(f"/customers/invitations/{revoked.pk}/revoke/")

    with time_machine.travel(timezone.now() + timedelta(days=31)):
        expired_page = Client().get(expired)
    revoked_page = Client().get(revoked_path)
    unknown = Client().get("/customer-invitation/not-a-token/")

    assert (expired_page.status_code, revoked_page.status_code, unknown.status_code) == (410, 410, 404)
    assert EXPLAINED in expired_page.content.decode()
    assert EXPLAINED in revoked_page.content.decode()
