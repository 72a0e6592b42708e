"""Relationships (Indirect resellers / Indirect providers, "Remove partnership") and partnership invitations
("Request a partnership", "Send from PartnerHub", "Revoke") through the API: the pages' rows, filters,
permissions, refusals and emails."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from agreements import services as agreement_services
from demo.pdf import PARTNER_AGREEMENT, text_pdf
from enrollment.models import PartnerId
from partnerhub.accounts.models import Membership, Role
from partnerhub.core.models import AuditEvent, OutboundEmail
from relationships.models import PartnerRelationship, PartnershipInvitation
from tests import scenarios
from tests.api.calls import api_for
from tests.api.partners_calls import api_with_role, assert_problem, queries_of
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

RELATIONSHIPS = "/api/v1/relationships"
INVITATIONS = "/api/v1/partnership-invitations"
RESELLERS = {"type": "indirect-resellers"}
PROVIDERS = {"type": "indirect-providers"}


def _seat(organization, user) -> Membership:
    return Membership.objects.get(organization=organization, user=user)


def _location(organization) -> int:
    return PartnerId.objects.get(organization=organization, csp_associated=True).number


@pytest.fixture
def elsewhere(outsider):
    """Another tenant's partnership and partnership request."""
    reseller = OrganizationFactory(legal_name="Northwind Traders")
    relationship = PartnerRelationship.objects.create(provider=outsider, reseller=reseller)
    invitation = PartnershipInvitation.objects.create(
        provider=outsider, token_hash="0" * 64, expires_at=timezone.now() + timedelta(days=30)
    )
    return relationship, invitation


def _partner_more(provider, admin_member, make_reseller, names):
    for name in names:
        reseller, user = make_reseller(name)
        scenarios.partner(provider, admin_member.user, reseller, user)


# --- relationships -----------------------------------------------------------------------------------------


def test_a_provider_lists_its_resellers_as_its_page_shows_them(partners, admin_member):
    provider, reseller, _ = partners

    response = api_for(admin_member).get(RELATIONSHIPS, RESELLERS)

    assert response.status_code == 200
    [row] = response.json()["items"]
    assert (row["type"], row["status"], row["admin_access"]) == ("indirect-reseller", "active", True)
    assert row["partner"] == {"tenant_id": str(reseller.tenant_id), "legal_name": "Fabrikam LLC", "country": "US",
                              "csp_region": "united_states"}  # fmt: skip
    assert row["reseller"] == {
        "partner_id": _location(reseller),
        "authorized": True,
        "partner_agreement": {
            "status": "accepted",
            "in_force": True,
            "pending_version": None,
            "pending_deadline": None,
        },
        "customers": 0,
    }
    assert response.json()["next"] is None


def test_a_reseller_lists_its_providers(partners):
    provider, reseller, reseller_user = partners

    response = api_for(_seat(reseller, reseller_user)).get(RELATIONSHIPS, PROVIDERS)

    [row] = response.json()["items"]
    assert (row["type"], row["partner"]["legal_name"], row["reseller"]) == (
        "indirect-provider", "Contoso Distribution Inc.", None)  # fmt: skip


def test_the_resellers_are_searched_by_name_or_partner_id_as_on_the_page(partners, admin_member, make_reseller):
    provider, fabrikam, _ = partners
    _partner_more(provider, admin_member, make_reseller, ["Tailspin Toys"])
    api = api_for(admin_member)

    def names(q):
        return [row["partner"]["legal_name"] for row in api.get(RELATIONSHIPS, {**RESELLERS, "q": q}).json()["items"]]

    assert names("") == ["Fabrikam LLC", "Tailspin Toys"]
    assert names("tail") == ["Tailspin Toys"]
    assert names(str(_location(fabrikam))) == ["Fabrikam LLC"]
    assert names("nobody") == []


def test_the_list_pages_by_cursor_in_name_order(partners, admin_member, make_reseller):
    provider, *_ = partners
    _partner_more(provider, admin_member, make_reseller, ["Alpine Ski House", "Tailspin Toys", "Wide World Importers"])
    api = api_for(admin_member)

    first = api.get(RELATIONSHIPS, {**RESELLERS, "limit": 3}).json()
    second = Client().get(first["next"], headers={"Authorization": f"Bearer {api.token}"}).json()

    assert [row["partner"]["legal_name"] for row in first["items"]] == [
        "Alpine Ski House", "Fabrikam LLC", "Tailspin Toys"]  # fmt: skip
    assert [row["partner"]["legal_name"] for row in second["items"]] == ["Wide World Importers"]
    assert second["next"] is None
    assert second["previous"]


def test_the_lists_run_the_same_queries_for_one_partner_or_five(partners, admin_member, make_reseller):
    provider, reseller, reseller_user = partners
    api = api_for(admin_member)
    reseller_api = api_for(_seat(reseller, reseller_user))
    api.get(RELATIONSHIPS, RESELLERS)  # warm: the organization's request budget is cached
    reseller_api.get(RELATIONSHIPS, PROVIDERS)

    resellers_one = queries_of(api, RELATIONSHIPS, RESELLERS)
    providers_one = queries_of(reseller_api, RELATIONSHIPS, PROVIDERS)
    _partner_more(provider, admin_member, make_reseller, ["A1", "A2", "A3", "A4"])
    for n in range(4):
        PartnerRelationship.objects.create(provider=OrganizationFactory(legal_name=f"Provider {n}"), reseller=reseller)
    resellers_five = queries_of(api, RELATIONSHIPS, RESELLERS)
    providers_five = queries_of(reseller_api, RELATIONSHIPS, PROVIDERS)

    assert len(api.get(RELATIONSHIPS, RESELLERS).json()["items"]) == 5
    assert len(reseller_api.get(RELATIONSHIPS, PROVIDERS).json()["items"]) == 5
    # every call: 9 (savepoints, the token's client, the row-level security context, the call log row); then
    # resellers: provider?, the agreement in force, the page (standing annotated), customer counts (one GROUP BY)
    assert resellers_one == resellers_five == 13
    assert providers_one == providers_five == 10  # the page


def test_a_resellers_agreement_column_says_pending_then_overdue(partners, admin_member):
    agreement_services.agreement_version_create(
        type="mpa", version="2026-12", language="en", effective_date=date(2026, 12, 1),
        content=text_pdf("MPA 2026-12", PARTNER_AGREEMENT), requires_reacceptance=True,
        acceptance_deadline=timezone.now() + timedelta(days=10),
    )  # fmt: skip

    pending = api_for(admin_member).get(RELATIONSHIPS, RESELLERS).json()["items"][0]["reseller"]
    with time_machine.travel(timezone.now() + timedelta(days=11)):
        overdue = api_for(admin_member, name="Later").get(RELATIONSHIPS, RESELLERS).json()["items"][0]["reseller"]

    assert pending["partner_agreement"]["status"] == "accepted"
    assert (pending["partner_agreement"]["in_force"], pending["partner_agreement"]["pending_version"]) == (
        True, "2026-12")  # fmt: skip
    assert pending["partner_agreement"]["pending_deadline"]
    assert (overdue["partner_agreement"]["status"], overdue["partner_agreement"]["in_force"]) == ("overdue", False)


def test_the_type_is_required_and_checked(partners, admin_member):
    api = api_for(admin_member)

    assert_problem(api.get(RELATIONSHIPS), 400, "invalid", field="type")
    assert_problem(api.get(RELATIONSHIPS, {"type": "IsIndirectResellerOf"}), 400, "invalid_choice", field="type")
    assert_problem(api.get(RELATIONSHIPS, {**RESELLERS, "q": "x" * 101}), 400, "max_length", field="q")
    assert_problem(api.get(RELATIONSHIPS, {**RESELLERS, "q": "\x00"}), 400, "null_characters_not_allowed", field="q")
    assert_problem(api.get(RELATIONSHIPS, {**RESELLERS, "cursor": "bogus"}), 400, "malformed_request")
    assert_problem(api.get(RELATIONSHIPS, {**RESELLERS, "limit": "0"}), 400, "malformed_request")


def test_only_an_indirect_provider_lists_resellers(partners):
    """The reseller's token gets the Indirect resellers page's refusal."""
    provider, reseller, reseller_user = partners

    response = api_for(_seat(reseller, reseller_user)).get(RELATIONSHIPS, RESELLERS)

    assert_problem(response, 403, "not_provider", "Your organization isn't enrolled as an indirect provider.")


def test_another_tenants_partnerships_never_show(partners, admin_member, elsewhere):
    relationship, _ = elsewhere
    api = api_for(admin_member)

    listed = api.get(RELATIONSHIPS, {**RESELLERS, "q": "Northwind"}).json()["items"]
    as_reseller = api.get(RELATIONSHIPS, PROVIDERS).json()["items"]

    assert (listed, as_reseller) == ([], [])
    assert_problem(api.get(f"{RELATIONSHIPS}/{relationship.pk}"), 404, "not_found")
    assert_problem(api.delete(f"{RELATIONSHIPS}/{relationship.pk}"), 404, "not_found")
    assert_problem(api.get(f"{RELATIONSHIPS}/999999999"), 404, "not_found")
    assert PartnerRelationship.objects.get(pk=relationship.pk).status == "active"


def test_both_sides_read_one_partnership(partners, admin_member):
    provider, reseller, reseller_user = partners
    relationship = PartnerRelationship.objects.get(provider=provider, reseller=reseller)

    as_provider = api_for(admin_member).get(f"{RELATIONSHIPS}/{relationship.pk}").json()
    as_reseller = api_for(_seat(reseller, reseller_user)).get(f"{RELATIONSHIPS}/{relationship.pk}").json()

    assert (as_provider["type"], as_provider["partner"]["legal_name"]) == ("indirect-reseller", "Fabrikam LLC")
    assert as_provider["reseller"]["partner_id"] == _location(reseller)
    assert (as_reseller["type"], as_reseller["partner"]["legal_name"]) == ("indirect-provider",
                                                                           "Contoso Distribution Inc.")  # fmt: skip


def test_a_global_admin_removes_a_partnership_and_both_sides_are_told(partners, admin_member):
    provider, reseller, _ = partners
    relationship = PartnerRelationship.objects.get(provider=provider, reseller=reseller)
    api = api_for(admin_member)

    response = api.delete(f"{RELATIONSHIPS}/{relationship.pk}")

    assert response.status_code == 204
    relationship.refresh_from_db()
    assert relationship.status == "removed"
    assert relationship.removed_by == api.client.seat.user
    assert AuditEvent.objects.filter(code="partnerhub.partnership.removed", actor=api.client.seat.user).count() == 2
    assert OutboundEmail.objects.filter(template="partnership_removed").count() == 2  # each side's Global admin
    assert api.get(RELATIONSHIPS, RESELLERS).json()["items"] == []
    assert_problem(api.delete(f"{RELATIONSHIPS}/{relationship.pk}"), 404, "not_found")


def test_removing_needs_the_global_admin_role(partners, admin_member):
    provider, reseller, _ = partners
    relationship = PartnerRelationship.objects.get(provider=provider, reseller=reseller)

    response = api_with_role(admin_member, Role.ADMIN_AGENT).delete(f"{RELATIONSHIPS}/{relationship.pk}")

    assert_problem(response, 403, "forbidden", "This API client's roles don't allow this.")
    assert PartnerRelationship.objects.get(pk=relationship.pk).status == "active"


def test_the_reseller_removes_its_providers_admin_access_and_keeps_the_partnership(partners):
    provider, reseller, reseller_user = partners
    relationship = PartnerRelationship.objects.get(provider=provider, reseller=reseller)
    api = api_for(_seat(reseller, reseller_user))

    response = api.post(f"{RELATIONSHIPS}/{relationship.pk}/remove-admin-access")
    again = api.post(f"{RELATIONSHIPS}/{relationship.pk}/remove-admin-access")

    assert (response.status_code, response.json()["admin_access"], response.json()["status"]) == (200, False, "active")
    assert again.status_code == 200
    assert AuditEvent.objects.filter(code="partnerhub.partnership.admin_access_removed").count() == 2  # both sides
    assert api.get(RELATIONSHIPS, PROVIDERS).json()["items"][0]["admin_access"] is False


def test_admin_access_is_removed_by_the_resellers_global_admin_only_from_its_side(partners, admin_member, elsewhere):
    provider, reseller, reseller_user = partners
    relationship = PartnerRelationship.objects.get(provider=provider, reseller=reseller)
    path = f"{RELATIONSHIPS}/{relationship.pk}/remove-admin-access"

    agent = api_with_role(_seat(reseller, reseller_user), Role.ADMIN_AGENT)
    assert_problem(agent.post(path), 403, "forbidden")
    assert_problem(api_for(admin_member).post(path), 404, "not_found")  # the provider's side: no such page
    assert_problem(agent.post(f"{RELATIONSHIPS}/{elsewhere[0].pk}/remove-admin-access"), 404, "not_found")
    assert PartnerRelationship.objects.get(pk=relationship.pk).admin_access is True


# --- partnership invitations -----------------------------------------------------------------------------


def test_request_a_partnership_gives_a_working_link_once(active_provider, admin_member):
    api = api_for(admin_member)

    response = api.post(INVITATIONS, {})

    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["recipient_email"], body["sent_at"]) == ("sent", "", None)
    assert body["url"].startswith("http")
    assert "/partnership/" in body["url"]
    landing = Client().get(urlsplit(body["url"]).path)
    assert landing.status_code == 200
    assert "url" not in api.get(f"{INVITATIONS}/{body['id']}").json()
    assert AuditEvent.objects.filter(code="partnerhub.partnership_invitation.created").exists()


def test_with_an_email_the_link_is_sent_through_the_outbox(active_provider, admin_member):
    response = api_for(admin_member).post(INVITATIONS, {"email": "Alex@Fabrikam.example", "message": "Join us."})

    assert response.status_code == 201
    body = response.json()
    assert (body["recipient_email"], body["message"]) == ("alex@fabrikam.example", "Join us.")
    assert body["sent_at"]
    email = OutboundEmail.objects.get(template="partnership_invitation")
    assert email.to == "alex@fabrikam.example"
    assert AuditEvent.objects.filter(code="partnerhub.partnership_invitation.sent").exists()


def test_the_clients_own_steps_show_in_the_activity_log_with_the_client_as_actor(active_provider, admin_member):
    api = api_for(admin_member)
    created = api.post(INVITATIONS, {}).json()
    api.post(f"{INVITATIONS}/{created['id']}/revoke")

    rows = api.get("/api/v1/activity").json()["items"]

    target = ("relationships.partnershipinvitation", str(created["id"]))
    mine = [(row["code"], row["actor"]) for row in rows if (row["object_type"], row["object_id"]) == target]
    service_user = api.client.seat.user.email
    assert mine == [("partnerhub.partnership_invitation.revoked", service_user),
                    ("partnerhub.partnership_invitation.created", service_user)]  # fmt: skip


def test_a_bad_request_body_is_a_400_on_its_field(active_provider, admin_member):
    api = api_for(admin_member)

    assert_problem(api.post(INVITATIONS, {"email": "not-an-email"}), 400, "invalid", field="email")
    assert_problem(api.post(INVITATIONS, {"message": "x" * 4001}), 400, "max_length", field="message")
    assert_problem(api.post(INVITATIONS, [1, 2]), 400, "invalid")
    assert PartnershipInvitation.objects.count() == 0


def test_only_an_active_provider_requests_partnerships(admin_member, staff, mpa):
    scenarios.qualify(admin_member.organization, admin_member.user, staff, program="indirect_provider")

    response = api_for(admin_member).post(INVITATIONS, {})

    assert_problem(response, 400, "not_active_provider", "Only an active indirect provider can request partnerships")


def test_requesting_needs_an_agents_role(active_provider, admin_member):
    assert api_with_role(admin_member, Role.SALES_AGENT, name="Sales").post(INVITATIONS, {}).status_code == 201

    response = api_with_role(admin_member, Role.HELPDESK_AGENT, name="Help").post(INVITATIONS, {})

    assert_problem(response, 403, "forbidden")
    assert PartnershipInvitation.objects.count() == 1


def test_requests_spend_the_pages_throttles(active_provider, admin_member, settings):
    settings.THROTTLE_RATES = {"invitation_create": "1/h", "partner_email_send": "1/h"}
    api = api_for(admin_member)
    assert api.post(INVITATIONS, {"email": "a@fabrikam.example"}).status_code == 201

    refused = api.post(INVITATIONS, {})

    body = assert_problem(refused, 429, "throttled", "You've reached the limit for invitations.")
    assert "Try again in" in body["detail"]
    assert refused["Retry-After"]
    assert PartnershipInvitation.objects.count() == 1


def test_the_provider_lists_its_requests_newest_first(partners, admin_member):
    api = api_for(admin_member)
    created = api.post(INVITATIONS, {"email": "b@tailspin.example"}).json()

    items = api.get(INVITATIONS).json()["items"]

    assert [item["id"] for item in items][0] == created["id"]
    accepted = items[1]
    assert (accepted["status"], accepted["reseller"]["legal_name"]) == ("accepted", "Fabrikam LLC")
    assert accepted["created_by"] == {"name": admin_member.user.get_full_name(), "email": "megan@contoso.example"}


def test_the_requests_list_runs_the_same_queries_for_one_or_five(active_provider, admin_member):
    api = api_for(admin_member)
    api.post(INVITATIONS, {})
    one = queries_of(api, INVITATIONS)
    for _ in range(4):
        api.post(INVITATIONS, {"email": "c@tailspin.example"})

    assert queries_of(api, INVITATIONS) == one == 11  # 9 for every call; provider?, the page


def test_a_reseller_has_no_requests_to_list(partners):
    provider, reseller, reseller_user = partners

    assert_problem(api_for(_seat(reseller, reseller_user)).get(INVITATIONS), 403, "not_provider")


def test_revoking_stops_the_link_and_twice_changes_nothing(active_provider, admin_member):
    api = api_for(admin_member)
    created = api.post(INVITATIONS, {}).json()

    first = api.post(f"{INVITATIONS}/{created['id']}/revoke")
    again = api.post(f"{INVITATIONS}/{created['id']}/revoke")

    assert (first.status_code, first.json()["status"]) == (200, "revoked")
    assert (again.status_code, again.json()["revoked_at"]) == (200, first.json()["revoked_at"])
    assert Client().get(urlsplit(created["url"]).path).status_code == 410
    assert AuditEvent.objects.filter(code="partnerhub.partnership_invitation.revoked").count() == 1


def test_an_accepted_request_is_not_revoked(partners, admin_member):
    accepted = PartnershipInvitation.objects.get(provider=partners[0])

    response = api_for(admin_member).post(f"{INVITATIONS}/{accepted.pk}/revoke")

    assert_problem(response, 400, "invalid", "This invitation was already accepted; remove the partnership instead.")


def test_revoking_needs_an_agents_role(active_provider, admin_member):
    invitation = PartnershipInvitation.objects.get(pk=api_for(admin_member).post(INVITATIONS, {}).json()["id"])

    response = api_with_role(admin_member, Role.HELPDESK_AGENT).post(f"{INVITATIONS}/{invitation.pk}/revoke")

    assert_problem(response, 403, "forbidden")
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_another_tenants_requests_are_not_found(active_provider, admin_member, elsewhere):
    _, invitation = elsewhere
    api = api_for(admin_member)
    helpdesk = api_with_role(admin_member, Role.HELPDESK_AGENT)

    assert_problem(api.get(f"{INVITATIONS}/{invitation.pk}"), 404, "not_found")
    assert_problem(api.post(f"{INVITATIONS}/{invitation.pk}/revoke"), 404, "not_found")
    assert_problem(helpdesk.post(f"{INVITATIONS}/{invitation.pk}/revoke"), 404, "not_found")
    assert api.get(INVITATIONS).json()["items"] == []
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


@pytest.mark.parametrize("pk", ["0", "99999999999999999999", "9223372036854775808"])
def test_ids_out_of_range_are_not_found(partners, admin_member, pk):
    api = api_for(admin_member)

    assert_problem(api.get(f"{RELATIONSHIPS}/{pk}"), 404, "not_found")
    assert_problem(api.delete(f"{RELATIONSHIPS}/{pk}"), 404, "not_found")
    assert_problem(api.get(f"{INVITATIONS}/{pk}"), 404, "not_found")
    assert_problem(api.post(f"{INVITATIONS}/{pk}/revoke"), 404, "not_found")
