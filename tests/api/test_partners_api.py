"""The organization (its programs, partner IDs and partner agreement, as Legal info, Identifiers and Agreements
show them) and the partner-ID status lookup (the page's eligibility, reason codes and throttle), through the
API as a partner's system calls it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.utils import timezone

from agreements import services as agreement_services
from demo.pdf import PARTNER_AGREEMENT, text_pdf
from enrollment import services as enrollment_services
from enrollment.models import PartnerId, Program, ProgramEnrollment
from partnerhub.accounts.models import Role
from tests.api.calls import api_for
from tests.api.partners_calls import api_with_role, assert_problem
from tests.scenarios import qualify

pytestmark = pytest.mark.django_db

ORGANIZATION = "/api/v1/organization"


def _status(number) -> str:
    return f"/api/v1/partner-ids/{number}/status"


def _location(organization) -> int:
    return PartnerId.objects.get(organization=organization, csp_associated=True).number


def _new_version(days: int):
    """MPA 2026-12, requiring re-acceptance within `days` days of now."""
    return agreement_services.agreement_version_create(
        type="mpa", version="2026-12", language="en", effective_date=date(2026, 12, 1),
        content=text_pdf("MPA 2026-12", PARTNER_AGREEMENT), requires_reacceptance=True,
        acceptance_deadline=timezone.now() + timedelta(days=days),
    )  # fmt: skip


# --- the organization -------------------------------------------------------------------------------------


def test_the_organization_lists_its_programs_partner_ids_and_agreement(active_provider, admin_member):
    location = _location(active_provider)

    body = api_for(admin_member).get(ORGANIZATION).json()

    assert (body["legal_name"], body["kind"], body["csp_region"]) == ("Contoso Distribution Inc.", "partner",
                                                                      "united_states")  # fmt: skip
    [program] = body["programs"]
    assert (program["program"], program["program_display"]) == ("indirect_provider", "Indirect provider")
    assert (program["status"], program["status_display"], program["is_open"]) == ("active", "Active", True)
    assert program["submitted_at"]
    assert program["authorized_at"]
    assert program["closed_at"] is None
    [partner_id] = body["partner_ids"]
    assert (partner_id["number"], partner_id["kind"], partner_id["csp_associated"]) == (location, "location", True)
    assert partner_id["country"] == "US"
    agreement = body["partner_agreement"]
    assert (agreement["status"], agreement["in_force"], agreement["code"], agreement["reason"]) == (
        "accepted", True, "", "")  # fmt: skip
    assert agreement["accepted"]["version"] == "2026-01"
    assert agreement["accepted"]["signer_name"] == "A B"
    assert agreement["pending"] is None


def test_an_organization_that_has_not_accepted_hears_the_agreements_pages_reason(admin_member, staff, mpa):
    qualify(admin_member.organization, admin_member.user, staff)  # an indirect reseller, ready to sign

    agreement = api_for(admin_member).get(ORGANIZATION).json()["partner_agreement"]

    assert (agreement["status"], agreement["in_force"], agreement["code"]) == ("not_accepted", False, "2203")
    assert agreement["reason"].startswith("Your organization hasn't accepted the partner agreement")
    assert agreement["accepted"] is None


def test_a_new_version_is_pending_then_overdue_with_its_deadline(active_provider, admin_member):
    version = _new_version(days=10)

    pending = api_for(admin_member).get(ORGANIZATION).json()["partner_agreement"]
    with time_machine.travel(timezone.now() + timedelta(days=11)):
        overdue = api_for(admin_member, name="Later").get(ORGANIZATION).json()["partner_agreement"]

    assert (pending["status"], pending["in_force"], pending["pending"]["version"]) == ("pending", True, "2026-12")
    assert pending["pending"]["acceptance_deadline"].startswith(version.acceptance_deadline.strftime("%Y-%m-%dT%H:%M"))
    assert (overdue["status"], overdue["in_force"], overdue["code"]) == ("overdue", False, "mpa_version_overdue")
    assert "hasn't accepted version 2026-12" in overdue["reason"]
    assert overdue["accepted"]["version"] == "2026-01"


def test_every_role_reads_the_organization_as_every_member_reads_those_pages(active_provider, admin_member):
    response = api_with_role(admin_member, Role.HELPDESK_AGENT).get(ORGANIZATION)

    assert response.status_code == 200
    assert response.json()["programs"][0]["program"] == "indirect_provider"


def test_the_organization_shows_nothing_of_another_tenant(active_provider, admin_member, make_reseller):
    reseller, _ = make_reseller("Fabrikam LLC")

    body = api_for(admin_member).get(ORGANIZATION).json()

    assert [p["number"] for p in body["partner_ids"]] == [_location(active_provider)]
    assert _location(reseller) not in [p["number"] for p in body["partner_ids"]]
    assert [p["program"] for p in body["programs"]] == ["indirect_provider"]


def test_the_organization_without_a_token_is_a_401_problem(db):
    from django.test import Client

    assert_problem(Client().get(ORGANIZATION), 401, "not_authenticated")


# --- the partner-ID status lookup ---------------------------------------------------------------------------


def test_a_provider_verifies_a_resellers_partner_id(active_provider, admin_member, make_reseller):
    reseller, _ = make_reseller("Fabrikam LLC")
    number = _location(reseller)
    api = api_for(admin_member)

    by_path = api.get(_status(number))
    by_query = api.get("/api/v1/partner-ids/status", {"number": str(number)})

    assert by_path.status_code == by_query.status_code == 200
    assert by_path.json() == by_query.json()
    body = by_path.json()
    assert (body["ok"], body["code"], body["number"]) == (True, "", number)
    assert (body["organization"], body["country"], body["region"]) == (
        "Fabrikam LLC", "United States of America", "United States")  # fmt: skip
    assert (body["program_status"], body["agreement_accepted"]) == ("Active", True)
    assert body["message"] == f"Partner ID {number} may be used: the agreement is accepted."
    assert body["reasons"] == []


def test_the_lookup_gives_the_pages_reason_codes_naming_no_one(active_provider, admin_member, make_reseller, staff):
    unsigned, _ = make_reseller("Fabrikam LLC", signed=False)
    api = api_for(admin_member)

    not_accepted = api.get(_status(_location(unsigned))).json()
    unknown = api.get(_status("9999999")).json()

    assert (not_accepted["ok"], not_accepted["code"], not_accepted["agreement_code"]) == (False, "2203", "2203")
    assert not_accepted["reasons"] == [{"code": "2203", "message": not_accepted["message"]}]
    assert "Fabrikam" not in str(not_accepted)
    assert (not_accepted["organization"], not_accepted["program_status"]) == ("", "Qualified")
    assert (unknown["code"], unknown["message"]) == ("2200", "Partner ID 9999999 is either invalid or does not exist.")


def test_another_tenants_ids_are_answered_as_the_page_answers_them_naming_no_one(
    active_provider, admin_member, make_reseller
):
    european, european_user = make_reseller("Tailspin GmbH", country="DE", csp_region="europe")
    global_id = enrollment_services.partner_id_issue_global(organization=european)
    api = api_for(admin_member)

    other_region = api.get(_status(_location(european))).json()
    global_answer = api.get(_status(global_id.number)).json()

    assert (other_region["ok"], other_region["code"], other_region["region_code"]) == (False, "2201", "2201")
    assert (global_answer["ok"], global_answer["code"]) == (False, "2202")
    for answer in (other_region, global_answer):
        assert "Tailspin" not in str(answer)
        assert (answer["organization"], answer["country"], answer["region"], answer["program_status"]) == ("",) * 4


@pytest.mark.parametrize("number", ["abc", "²", "1" * 13, "-5", "%00", "1e5"])
def test_a_number_that_is_no_partner_id_is_a_400_on_the_number(active_provider, admin_member, number):
    response = api_for(admin_member).get(_status(number))

    assert_problem(response, 400, "2000", "A partner ID is a number", field="number")


def test_the_query_form_needs_a_number(active_provider, admin_member):
    api = api_for(admin_member)

    assert_problem(api.get("/api/v1/partner-ids/status"), 400, "invalid", field="number")
    assert_problem(api.get("/api/v1/partner-ids/status", {"number": "9" * 21}), 400, "max_length", field="number")
    assert_problem(api.get("/api/v1/partner-ids/status", {"number": "x\x00"}), 400, "null_characters_not_allowed",
                   field="number")  # fmt: skip


def test_only_an_active_provider_or_direct_bill_partner_looks_up(admin_member, staff, mpa, make_reseller):
    """A reseller's token (and a provider's before it is active) gets the page's refusal."""
    reseller, _ = make_reseller("Fabrikam LLC")
    qualify(admin_member.organization, admin_member.user, staff, program="indirect_provider")  # not signed: Qualified

    response = api_for(admin_member).get(_status(_location(reseller)))

    assert_problem(response, 403, "not_selling", "Only an organization with an active indirect provider or direct-bill "
                   "enrolment can verify a reseller's partner ID.")  # fmt: skip


def test_the_lookup_spends_the_pages_throttle(active_provider, admin_member, make_reseller, settings):
    settings.THROTTLE_RATES = {"partner_id_lookup": "2/h"}
    reseller, _ = make_reseller("Fabrikam LLC")
    api = api_for(admin_member)

    answers = [api.get(_status(_location(reseller))) for _ in range(3)]

    assert [answer.status_code for answer in answers[:2]] == [200, 200]
    body = assert_problem(answers[2], 429, "throttled")
    assert body["detail"].startswith("You've reached the limit for partner ID lookups. Nothing was changed or sent.")
    assert "Try again in" in body["detail"]
    assert 0 < int(answers[2]["Retry-After"]) <= 3600


def test_the_lookup_and_the_page_share_one_count(active_provider, admin_member, make_reseller, settings, client):
    settings.THROTTLE_RATES = {"partner_id_lookup": "1/h"}
    reseller, _ = make_reseller("Fabrikam LLC")
    client.force_login(admin_member.user)
    assert client.get("/programs/csp/agreement-status/", {"number": _location(reseller)}).status_code == 200

    assert_problem(api_for(admin_member).get(_status(_location(reseller))), 429, "throttled")


def test_a_direct_bill_partner_looks_up_too(active_provider, admin_member, make_reseller):
    ProgramEnrollment.objects.filter(organization=active_provider).update(program=Program.DIRECT_BILL)
    reseller, _ = make_reseller("Fabrikam LLC")

    response = api_for(admin_member).get(_status(_location(reseller)))

    assert (response.status_code, response.json()["ok"]) == (200, True)


def test_every_partner_route_is_in_the_openapi_document(active_provider, admin_member):
    response = api_for(admin_member).get("/api/v1/schema/", {"format": "json"})

    assert response.status_code == 200
    paths = response.json()["paths"]
    expected = {
        "/api/v1/organization": {"get"},
        "/api/v1/partner-ids/{number}/status": {"get"},
        "/api/v1/partner-ids/status": {"get"},
        "/api/v1/relationships": {"get"},
        "/api/v1/relationships/{id}": {"get", "delete"},
        "/api/v1/relationships/{id}/remove-admin-access": {"post"},
        "/api/v1/partnership-invitations": {"get", "post"},
        "/api/v1/partnership-invitations/{id}": {"get"},
        "/api/v1/partnership-invitations/{id}/revoke": {"post"},
        "/api/v1/activity": {"get"},
        "/api/v1/notifications": {"get"},
    }
    for path, methods in expected.items():
        assert methods <= set(paths[path]), path
        for method in methods:
            operation = paths[path][method]
            assert operation["operationId"].startswith(("partners_", "organization_")), operation["operationId"]


ROUTES = [
    "/api/v1/organization",
    "/api/v1/partner-ids/6100123/status",
    "/api/v1/partner-ids/status?number=6100123",
    "/api/v1/relationships?type=indirect-resellers",
    "/api/v1/relationships/1",
    "/api/v1/relationships/1/remove-admin-access",
    "/api/v1/partnership-invitations",
    "/api/v1/partnership-invitations/1",
    "/api/v1/partnership-invitations/1/revoke",
    "/api/v1/activity",
    "/api/v1/notifications",
]


def test_no_method_on_a_partner_route_is_a_server_error(active_provider, admin_member):
    api = api_for(admin_member)
    headers = {"Authorization": f"Bearer {api.token}"}

    for path in ROUTES:
        for method in ("get", "head", "options", "put", "patch", "delete", "post"):
            call = getattr(api.http, method)
            if method in {"put", "patch", "post"}:
                response = call(path, data="{}", content_type="application/json", headers=headers)
            else:
                response = call(path, headers=headers)
            assert response.status_code < 500, (method, path, response.content)
            if response.status_code >= 400 and method != "head":
                assert response["Content-Type"] == "application/problem+json", (method, path)
