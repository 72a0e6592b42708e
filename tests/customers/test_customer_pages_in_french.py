"""The customer sign-up from a link and the customer pages, rendered in French."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client

from tests.customers.test_invitations import _client, _link
from tests.scenarios import ACCOUNT

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


@pytest.fixture
def agreement_status_in_french(monkeypatch):
    """The French of the agreement status badge (msgctxt "agreement status": "Accepté", masculine like
    "contrat"), in the catalogue whether or not the compiled one carries it yet."""
    from django.utils.translation import trans_real

    catalogue = trans_real.translation("fr")._catalog
    monkeypatch.setitem(catalogue._catalogs[0], "agreement status\x04Accepted", "Accepté")


def _agreement_status(page: str) -> str:
    found = re.search(r'data-testid="customer-agreement-status">(.*?)</p>', page, re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1)))


def test_the_customer_agreement_reads_accepte_in_french_on_both_sides(
    seller, make_customer, agreement_status_in_french
):
    """The French "Contrat … Acceptée" (issue 14): the customer agreement's status uses the "agreement status" context,
    so French agrees with "contrat" on the partner's customer page and on the customer's own page."""
    created = make_customer("lecontrat", company_name="Le Contrat SARL")
    provider_user = seller[1]
    provider_user.language = "fr"
    provider_user.save(update_fields=["language"])
    partner_page = _client(provider_user).get(f"/customers/{created.organization.tenant_id}/")
    partner_side = _agreement_status(partner_page.content.decode())

    _, path = _link(_client(provider_user))
    visitor = Client(HTTP_ACCEPT_LANGUAGE="fr")
    visitor.post(
        path,
        {**ACCOUNT, "domain_prefix": "fourthcoffee", "company_name": "Fourth Coffee Inc.", "language": "fr",
         "culture": "fr-FR", "password": "a-long-enough-passphrase", "authorize": "on", "accept_agreement": "on"},
    )  # fmt: skip
    customer_side = _agreement_status(visitor.get("/customer/partners/").content.decode())

    for status in (partner_side, customer_side):
        assert status.startswith("Accepté "), status
        assert "Acceptée" not in status
