"""The customer sign-up from a link and the customer pages, rendered in French."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client

from tests.customers.conftest import ACCOUNT
from tests.customers.test_invitations import _client, _link

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("browser", "language", "culture"),
    [("fr", "pl", "pl-PL"), ("en", "fr", "fr-FR")],
    ids=["french-browser-polish-customer", "english-browser-french-customer"],
)
def test_the_flash_after_the_customer_signup_is_french_on_a_french_page(seller, browser, language, culture):
    """The page after sign-up speaks the new user's language (or the browser's): so does its message."""
    _, path = _link(_client(seller[1]))
    visitor = Client(HTTP_ACCEPT_LANGUAGE=browser)

    visitor.post(
        path,
        {**ACCOUNT, "domain_prefix": "fourthcoffee", "company_name": "Fourth Coffee Inc.", "language": language,
         "culture": culture, "password": "a-long-enough-passphrase", "authorize": "on", "accept_agreement": "on"},
    )  # fmt: skip
    page = visitor.get("/customer/partners/").content.decode()

    assert 'lang="fr"' in page
    assert "Votre compte client est prêt" in page
    assert "Your customer account is ready" not in page


def _culture(page: str) -> str:
    return html.unescape(re.search(r'data-testid="customer-culture">([^<]*)<', page).group(1))


def test_the_customer_page_names_culture_and_language_in_the_readers_language(seller, make_customer):
    created = make_customer("polskafirma", company_name="Polska Firma Inc.", culture="en-US", language="pl")
    provider_user = seller[1]
    url = f"/customers/{created.organization.tenant_id}/"
    client = _client(provider_user)

    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    provider_user.language = "fr"
    provider_user.save(update_fields=["language"])
    french = client.get(url).content.decode()

    assert _culture(english) == "English (United States of America) · Polish"
    assert _culture(french) == "Anglais (États-Unis d'Amérique) · Polonais"
