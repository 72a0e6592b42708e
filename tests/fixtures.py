"""The shared scenario fixtures, a pytest plugin listed in tests/conftest.py: every app's tests see the same
ones, and no conftest imports another. Each wraps a step of tests/scenarios.py.

- staff, mpa, mca, offers: the platform's reviewer, agreements and catalogue
- enroll, in_review, action_needed, authorized, qualified: an enrolment in a known state
- active_provider, make_reseller, invitation_link: Contoso as an active indirect provider and its resellers
- partners: Contoso in partnership with an active reseller (Fabrikam)
- seller, make_customer, customer: Contoso in partnership with Fabrikam, selling to Woodgrove
- signing_client: a Global admin who signed in through the sign-in page just now
- table_snapshot: a hash of every project table (to prove that a rejected request wrote nothing)
"""

from __future__ import annotations

import itertools

import pytest

from enrollment import services as enrollment_services
from enrollment.models import Program, ProgramEnrollment, VerificationCase
from relationships import services as relationship_services
from tests import scenarios

# --- the platform --------------------------------------------------------------------------------


@pytest.fixture
def staff(db):
    return scenarios.staff_user()


@pytest.fixture
def mpa(db):
    return scenarios.partner_agreement()


@pytest.fixture
def mca(db):
    return scenarios.customer_agreement()


@pytest.fixture
def offers(db):
    """Business Standard, Endpoint Security, a one-per-customer plan, and an EU-only offer."""
    return scenarios.catalogue()


# --- enrolment -------------------------------------------------------------------------------------


@pytest.fixture
def enroll(admin_member):
    """enroll(program=..., **overrides) -> ProgramEnrollment with its case waiting for email verification."""

    def make(program=Program.INDIRECT_RESELLER, organization=None, **overrides):
        return enrollment_services.enrollment_submit(
            organization=organization or admin_member.organization,
            actor=admin_member.user,
            program=program,
            data={**scenarios.ENROLLMENT_DATA, **overrides},
        )

    return make


@pytest.fixture
def in_review(enroll):
    """An indirect-reseller enrolment whose contact verified the email: employment step in review."""
    enrollment = enroll()
    case = enrollment.cases.get()
    enrollment_services.contact_email_verify(case_pk=case.pk)
    case.refresh_from_db()
    return case


@pytest.fixture
def action_needed(in_review, staff):
    return enrollment_services.case_reject_step(
        case=in_review, reviewer=staff, reason_code="EMP-02", reason_text="Send a WHOIS record for contoso.example."
    )


@pytest.fixture
def authorized(in_review, staff):
    case = in_review
    for _ in range(3):  # employment, business, decision
        case = enrollment_services.case_approve_step(case=case, reviewer=staff)
    assert case.status == VerificationCase.Status.AUTHORIZED
    assert case.enrollment.status == ProgramEnrollment.Status.QUALIFIED
    return case


@pytest.fixture
def qualified(admin_member, staff, mpa):
    """Contoso enrolled as an indirect reseller, authorized, a location partner ID associated: ready to sign."""
    return scenarios.qualify(admin_member.organization, admin_member.user, staff)


@pytest.fixture
def signing_client(client, admin_member):
    """A Global admin who signed in through the sign-in page just now (so no re-authentication)."""
    client.post("/accounts/login/", {"login": admin_member.user.email, "password": scenarios.PASSWORD})
    return client


# --- providers and resellers ---------------------------------------------------------------------


@pytest.fixture
def active_provider(admin_member, staff, mpa):
    """Contoso: an active indirect provider; its Global admin is admin_member (megan@contoso.example)."""
    return scenarios.active_provider(admin_member, staff, mpa)


@pytest.fixture
def make_reseller(staff, mpa):
    """make_reseller(name, region=..., qualified=True, signed=True) -> (organization, global admin user)."""
    counter = itertools.count()

    def make(name="Fabrikam LLC", **options):
        return scenarios.make_reseller(staff, mpa, name, n=next(counter), **options)

    return make


@pytest.fixture
def invitation_link(active_provider, admin_member):
    """A fresh partnership link of the provider: (invitation, path)."""

    def make():
        invitation, token = relationship_services.partnership_invitation_create(
            provider=active_provider, actor=admin_member.user
        )
        return invitation, f"/partnership/{token}/"

    return make


@pytest.fixture
def partners(active_provider, admin_member, make_reseller):
    """(provider, Active reseller Fabrikam, its Global admin), partnered."""
    reseller, reseller_user = make_reseller("Fabrikam LLC")
    scenarios.partner(active_provider, admin_member.user, reseller, reseller_user)
    return active_provider, reseller, reseller_user


# --- customers ---------------------------------------------------------------------------------------


@pytest.fixture
def seller(active_provider, admin_member, make_reseller, mca, offers):
    """(provider, its Global admin, reseller, reseller's Global admin): partners, ready to sell."""
    reseller, reseller_user = make_reseller("Fabrikam Solutions LLC")
    scenarios.partner(active_provider, admin_member.user, reseller, reseller_user)
    return active_provider, admin_member.user, reseller, reseller_user


@pytest.fixture
def make_customer(seller):
    """make_customer(prefix, reseller=True, attest=True, lines=[(offer, qty)]) -> CreatedCustomer."""
    provider, user, reseller, _ = seller
    counter = itertools.count()

    def make(prefix=None, *, with_reseller=True, attest=True, lines=(), partner=None, actor=None, **account):
        n = next(counter)
        return scenarios.new_customer(
            partner or provider,
            actor or user,
            reseller if with_reseller else None,
            prefix=prefix or f"customer{n}",
            company_name=account.pop("company_name", f"Customer {n} Inc."),
            attest=attest,
            lines=lines,
            **account,
        )

    return make


@pytest.fixture
def customer(make_customer, offers):
    """Woodgrove: a customer of Contoso associated with Fabrikam, agreement confirmed, two subscriptions."""
    return make_customer("woodgrovefoods", company_name="Woodgrove Foods Inc.",
                         lines=[(offers["standard"], 10), (offers["security"], 5)])  # fmt: skip


# --- the security battery ------------------------------------------------------------------------


@pytest.fixture
def table_snapshot(db):
    """table_snapshot() -> {table: (rows, hash)} of every project table, in one query."""
    from django.apps import apps
    from django.contrib.sessions.models import Session
    from django.db import connection

    # One statement: a hash of every row of every project table (sessions excepted: a request may save one).
    tables = sorted(
        {model._meta.db_table for model in apps.get_models(include_auto_created=True) if model is not Session}
    )
    quote = connection.ops.quote_name
    sql = " UNION ALL ".join(
        f"SELECT '{table}', count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
        f"FROM {quote(table)} t"
        for table in tables
    )

    def take() -> dict[str, tuple[int, str]]:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return {table: (count, digest) for table, count, digest in cursor.fetchall()}

    return take
