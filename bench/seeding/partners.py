"""Bulk providers and resellers: a step of the benchmark world (bench/seeding/world.py)."""

# The SQL below is assembled from the models' own table and column names, integers and the vocabulary's word
# lists; the few values from elsewhere are parameters.
# ruff: noqa: S608

from __future__ import annotations

from allauth.account.models import EmailAddress

from agreements.models import AgreementAcceptance
from bench.seeding.principals import operator_email
from bench.seeding.sql import h, insert_select, pick, quote, reserve_ids, table, text_array
from bench.seeding.vocabulary import (
    ADJECTIVES,
    CITIES,
    COUNTRY,
    FIRST_NAMES,
    LAST_NAMES,
    MARKET,
    NOUNS,
    PHONE,
    RESELLER_KINDS,
    ROLES,
    SERVICES,
    STREETS,
    USER_AGENT,
)
from enrollment.models import PartnerId, Program, ProgramEnrollment, VerificationCase
from partnerhub.accounts.models import Membership, Organization, Role, User
from relationships.models import ProviderListing

# The working table's rows the bulk steps read: every bulk partner and pool provider; those with people.
BULK_ROWS = "bench_partner p WHERE NOT p.principal"
PEOPLE = "bench_partner p WHERE NOT p.principal AND p.role <> 'pool'"


class PartnersStep:
    """WorldSeeder's partners: organizations, people, partner IDs, enrolments, agreements, listings."""

    def seed_partners(self, cursor) -> None:
        """Bulk providers and resellers, each with a Global admin, more members, an authorized and active
        enrolment, partner IDs and the partner agreement; then the accept pool's lightweight providers."""
        user_base = self._partner_working_table(cursor)
        self._partner_organizations(cursor)
        self._partner_people(cursor, user_base)
        self._partner_ids(cursor)
        self._partner_enrolments(cursor)
        self._partner_agreements_and_listings(cursor)

    def _partner_working_table(self, cursor) -> int:
        """`bench_partner`: one row per bulk partner and pool provider (ids reserved up front, names, addresses,
        its Global admin), plus the principals; returns the first reserved user id."""
        bulk, pool = self.bulk, self.plan.accept_pool
        org_base = reserve_ids(cursor, Organization, bulk + pool)
        user_base = reserve_ids(cursor, User, self.bulk_users)
        pid_base = reserve_ids(cursor, PartnerId, 2 * bulk + pool)
        city = f"mod({h('g', 5)}, {len(CITIES)})"
        adjective, noun = pick(ADJECTIVES, h("g", 1)), pick(NOUNS, h("g", 2))
        words = f"{adjective} || ' ' || {noun}"
        cursor.execute("DROP TABLE IF EXISTS bench_partner")
        cursor.execute(
            f"""
            CREATE TEMP TABLE bench_partner AS
            SELECT s.*, lower(s.first) || '.' || lower(s.last) || '.' || s.admin_user_id || '@' || s.domain AS email
            FROM (
                SELECT g AS idx, {org_base} + g AS org_id, false AS principal,
                       CASE WHEN g < {self.bulk_providers} THEN 'provider' WHEN g < {bulk} THEN 'reseller'
                            ELSE 'pool' END AS role,
                       CASE WHEN g < {bulk} THEN {user_base} + g END AS admin_user_id,
                       CASE WHEN g < {bulk} THEN {pid_base} + 2 * g + 1 END AS location_pid_id,
                       CASE WHEN g < {bulk} THEN {pid_base} + 2 * g ELSE {pid_base} + {bulk} + g END AS global_pid_id,
                       CASE WHEN g < {self.bulk_providers}
                            THEN {words} || ' Distribution Inc.'
                            WHEN g < {bulk} THEN {words} || ' ' || {pick(RESELLER_KINDS, h("g", 3))} || ' LLC'
                            ELSE {words} || ' Cloud Supply Inc.'
                       END AS name,
                       lower({adjective} || {noun}) || ({org_base} + g) || '.example' AS domain,
                       {pick(FIRST_NAMES, h("g", 6))} AS first, {pick(LAST_NAMES, h("g", 7))} AS last,
                       (1 + mod({h("g", 8)}, 900)) || ' ' || {pick(STREETS, h("g", 9))} || ' Street' AS address,
                       ({text_array(c for c, _, _ in CITIES)})[1 + {city}] AS city,
                       ({text_array(s for _, s, _ in CITIES)})[1 + {city}] AS state,
                       ({text_array(p for _, _, p in CITIES)})[1 + {city}] || lpad(mod({h("g", 10)}, 100)::text, 2, '0')
                           AS postal_code,
                       now() - interval '1 day' * (400 + mod({h("g", 11)}, 1500)::int) AS created_at
                FROM generate_series(0, {bulk + pool - 1}) AS g
            ) AS s
            """
        )
        for principal in self.principals.values():
            organization, user = principal.organization, principal.user
            cursor.execute(
                "INSERT INTO bench_partner (idx, org_id, principal, role, admin_user_id, location_pid_id, name, "
                "domain, first, last, email, created_at) VALUES (-1, %s, true, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [organization.pk, "reseller" if principal.key == "reseller" else "provider", user.pk,
                 principal.location.pk, organization.legal_name, organization.primary_domain, user.first_name,
                 user.last_name, user.email, organization.created_at],
            )  # fmt: skip
        cursor.execute("ANALYZE bench_partner")
        return user_base

    def _partner_organizations(self, cursor) -> None:
        insert_select(
            cursor,
            Organization,
            {
                "id": "p.org_id",
                "tenant_id": "md5('bench-partner-' || p.org_id)::uuid",
                "kind": "'partner'",
                "legal_name": "p.name",
                "country": f"'{COUNTRY}'",
                "address_line1": "p.address",
                "city": "p.city",
                "state": "p.state",
                "postal_code": "p.postal_code",
                "primary_domain": "p.domain",
                "csp_region": f"'{MARKET.region.value}'",
                "currency": f"'{MARKET.currency}'",
                "created_at": "p.created_at",
            },
            BULK_ROWS,
        )

    def _partner_people(self, cursor, user_base: int) -> None:
        """Users: each bulk partner's Global admin, then colleagues spread over the partners; their verified
        addresses and memberships."""
        bulk = self.bulk
        insert_select(
            cursor,
            User,
            {
                "id": "p.admin_user_id",
                "password": quote(self.password_hash),
                "email": "p.email",
                "first_name": "p.first",
                "last_name": "p.last",
                "date_joined": "p.created_at",
            },
            PEOPLE,
        )
        colleagues = self.bulk_users - bulk
        colleague = (
            f"generate_series(0, {colleagues - 1}) AS j JOIN bench_partner p ON NOT p.principal "
            f"AND p.idx = mod(j, {bulk})"
        )
        colleague_first, colleague_last = pick(FIRST_NAMES, h("j", 12)), pick(LAST_NAMES, h("j", 13))
        insert_select(
            cursor,
            User,
            {
                "id": f"{user_base} + {bulk} + j",
                "password": quote(self.password_hash),
                "email": f"lower({colleague_first}) || '.' || lower({colleague_last}) || '.' "
                f"|| ({user_base} + {bulk} + j) || '@' || p.domain",
                "first_name": colleague_first,
                "last_name": colleague_last,
                "date_joined": "p.created_at + interval '1 day' * (1 + mod(j, 300))",
            },
            colleague,
        )
        insert_select(
            cursor,
            EmailAddress,
            {"user": "x.id", "email": "x.email", "verified": "true", "primary": "true"},
            f"{table(User)} x WHERE x.id BETWEEN {user_base} AND {user_base + self.bulk_users - 1}",
        )
        insert_select(
            cursor,
            Membership,
            {
                "organization": "p.org_id",
                "user": "p.admin_user_id",
                "roles": f"ARRAY['{Role.GLOBAL_ADMIN.value}']",
                "created_at": "p.created_at",
            },
            PEOPLE,
        )
        insert_select(
            cursor,
            Membership,
            {
                "organization": "p.org_id",
                "user": f"{user_base} + {bulk} + j",
                "roles": f"ARRAY[{pick(ROLES, 'j')}]",
                "created_at": "p.created_at + interval '1 day' * (1 + mod(j, 300))",
            },
            colleague,
        )

    def _partner_ids(self, cursor) -> None:
        """Partner IDs: a global one for everyone; an associated location for providers and resellers."""
        address = {
            "country": f"'{COUNTRY}'",
            "address_line1": "p.address",
            "city": "p.city",
            "state": "p.state",
            "postal_code": "p.postal_code",
        }
        sequence = "nextval('enrollment_partner_id_number_seq')"
        insert_select(
            cursor,
            PartnerId,
            {"id": "p.global_pid_id", "organization": "p.org_id", "kind": "'global'", "number": sequence,
             "business_name": "p.name", "created_at": "p.created_at", **address},
            BULK_ROWS + " ORDER BY p.idx",
        )  # fmt: skip
        insert_select(
            cursor,
            PartnerId,
            {"id": "p.location_pid_id", "organization": "p.org_id", "kind": "'location'", "number": sequence,
             "business_name": "p.name", "contact_name": "p.first || ' ' || p.last", "contact_email": "p.email",
             "csp_associated": "true", "associated_at": "p.created_at + interval '20 days'",
             "created_at": "p.created_at + interval '19 days'", **address},
            PEOPLE + " ORDER BY p.idx",
        )  # fmt: skip

    def _partner_enrolments(self, cursor) -> None:
        """An authorized, active enrolment (the pool's providers too: only an active provider invites), with the
        verification case an operator decided."""
        insert_select(
            cursor,
            ProgramEnrollment,
            {
                "organization": "p.org_id",
                "program": f"CASE WHEN p.role = 'reseller' THEN '{Program.INDIRECT_RESELLER.value}' "
                f"ELSE '{Program.INDIRECT_PROVIDER.value}' END",
                "status": f"'{ProgramEnrollment.Status.ACTIVE.value}'",
                "enrolled_by": "p.admin_user_id",
                "legal_name": "p.name",
                "address_line1": "p.address",
                "city": "p.city",
                "state": "p.state",
                "postal_code": "p.postal_code",
                "contact_first_name": "p.first",
                "contact_last_name": "p.last",
                "contact_email": "coalesce(p.email, 'legal.desk@' || p.domain)",
                "contact_phone": f"'{PHONE}'",
                "support_email": "'help@' || p.domain",
                "support_phone": f"'{PHONE}'",
                "support_website": "'https://' || p.domain || '/support'",
                "submitted_at": "p.created_at + interval '1 day'",
                "authorized_at": "p.created_at + interval '8 days'",
            },
            BULK_ROWS,
        )
        operator = User.objects.get(email=operator_email(self.run)).pk
        passed = "'passed'"
        insert_select(
            cursor,
            VerificationCase,
            {
                "enrollment": "e.id",
                "organization": "e.organization_id",
                "status": f"'{VerificationCase.Status.AUTHORIZED.value}'",
                "step": "'decision'",
                "email_status": passed,
                "employment_status": passed,
                "business_status": passed,
                "decision_status": passed,
                "email_passed_at": "e.submitted_at + interval '1 hour'",
                "employment_passed_at": "e.submitted_at + interval '2 days'",
                "business_passed_at": "e.submitted_at + interval '4 days'",
                "contact_email": "e.contact_email",
                "reviewer": str(operator),
                "submitted_at": "e.submitted_at",
                "email_verified_at": "e.submitted_at + interval '1 hour'",
                "sla_due_at": "e.submitted_at + interval '8 days'",
                "decided_at": "e.authorized_at",
            },
            f"{table(ProgramEnrollment)} e JOIN bench_partner p ON p.org_id = e.organization_id "
            "AND NOT p.principal AND p.role <> 'pool'",
        )

    def _partner_agreements_and_listings(self, cursor) -> None:
        """The partner agreement accepted by every bulk partner; a published directory listing per provider."""
        insert_select(
            cursor,
            AgreementAcceptance,
            {
                "organization": "p.org_id",
                "version": str(self.mpa.pk),
                "csp_region": f"'{MARKET.region.value}'",
                "user": "p.admin_user_id",
                "first_name": "coalesce(p.first, 'Legal')",
                "last_name": "coalesce(p.last, 'Desk')",
                "email": "coalesce(p.email, 'legal.desk@' || p.domain)",
                "accepted_at": "p.created_at + interval '21 days'",
                "user_agent": quote(USER_AGENT),
                "document_sha256": quote(self.mpa.sha256),
            },
            BULK_ROWS,
        )
        insert_select(
            cursor,
            ProviderListing,
            {
                "organization": "p.org_id",
                "status": f"'{ProviderListing.Status.PUBLISHED.value}'",
                "display_name": "p.name",
                "website": "'https://' || p.domain",
                "contact_email": "'help@' || p.domain",
                "description": "p.name || ' distributes cloud subscriptions to resellers across the United States.'",
                "countries": f"ARRAY['{COUNTRY}']",
                "csp_regions": f"ARRAY['{MARKET.region.value}']",
                "services": f"ARRAY[{pick(SERVICES, h('p.idx', 14))}, {pick(SERVICES, h('p.idx', 15))}]",
                "created_at": "p.created_at + interval '8 days'",
                "published_at": "p.created_at + interval '9 days'",
            },
            "bench_partner p WHERE NOT p.principal AND p.role = 'provider'",
        )
