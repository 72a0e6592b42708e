"""The layout's main menu is rendered once per process for each (kind, billing right, language): what each
user sees must still be their own organization's menu, name and language, at once after a change."""

import pytest
from django.template import TemplateSyntaxError
from django.test import Client

from partnerhub.accounts.models import Organization, Role
from partnerhub.portal.templatetags import portal_tags
from tests.factories import OrganizationFactory


@pytest.fixture(autouse=True)
def _empty_menu_memory():
    """Each test starts as a fresh process would, and leaves nothing for the next."""
    portal_tags._menus.clear()
    yield
    portal_tags._menus.clear()


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _menu(page: str) -> str:
    """The main menu: from its list to the list of the organization's name, the bell and the user's menu."""
    after_start = page.split('<ul class="navbar-nav me-auto">', 1)[1]
    return after_start.split('<ul class="navbar-nav align-items-lg-center', 1)[0]


def test_a_customer_never_gets_the_partner_menu_rendered_before_it(admin_client, make_member):
    partner_page = admin_client.get("/").content.decode()  # the partner's menu is now in memory
    customer = OrganizationFactory(kind=Organization.Kind.CUSTOMER, legal_name="Northwind Traders")
    customer_user = make_member(customer, Role.GLOBAL_ADMIN, email="nina@northwind.example").user

    customer_page = _signed_in(customer_user).get("/customer/partners/").content.decode()

    assert "Transfers" in _menu(partner_page)
    menu = _menu(customer_page)
    assert "Partner relationships" in menu
    assert "Transfers" not in menu
    assert "Indirect resellers" not in menu
    assert 'data-testid="acting-organization">Northwind Traders<' in customer_page
    assert "Contoso Distribution Inc." not in customer_page


def test_another_organizations_page_shows_its_own_name_and_never_the_first_ones(admin_client, outsider_member):
    assert "Contoso Distribution Inc." in admin_client.get("/").content.decode()

    page = _signed_in(outsider_member.user).get("/").content.decode()

    assert 'data-testid="acting-organization">Outsider Corp<' in page
    assert "Contoso" not in page
    assert "megan@contoso.example" not in page


def test_a_member_without_billing_rights_gets_no_billing_link_after_an_admin_had_one(
    admin_client, make_member, provider
):
    assert "/billing/" in _menu(admin_client.get("/").content.decode())
    agent = make_member(provider, Role.SALES_AGENT, email="sam@contoso.example").user

    menu = _menu(_signed_in(agent).get("/").content.decode())

    assert "/billing/" not in menu
    assert "Customers" in menu


def test_renaming_the_organization_shows_the_new_name_at_once(admin_client, provider):
    assert "Contoso Distribution Inc." in admin_client.get("/").content.decode()
    provider.legal_name = "Contoso Global Distribution Inc."
    provider.save(update_fields=["legal_name"])

    page = admin_client.get("/").content.decode()

    assert 'data-testid="acting-organization">Contoso Global Distribution Inc.<' in page


def test_switching_language_translates_the_menu_at_once(admin_client):
    assert "Indirect resellers" in _menu(admin_client.get("/").content.decode())

    admin_client.post("/language/", {"language": "fr", "next": "/"})
    french_page = admin_client.get("/").content.decode()
    admin_client.post("/language/", {"language": "en", "next": "/"})
    english_page = admin_client.get("/").content.decode()

    french, english = _menu(french_page), _menu(english_page)
    assert "Revendeurs indirects" in french
    assert "Indirect resellers" not in french
    assert "Indirect resellers" in english
    # the language-only fragments of the user's menu and the language switcher follow too
    assert '<option value="fr" selected>' in french_page
    assert '<option value="en" selected>' in english_page
    assert "Change password" in english_page
    assert "Change password" not in french_page


def test_only_language_only_fragments_can_be_rendered_once_for_everyone():
    with pytest.raises(TemplateSyntaxError):
        portal_tags.layout_fragment("includes/main_menu.html")
