"""Partnership links and customer invitations in every state: a step of the benchmark world (bench/seeding/world.py)."""

# The SQL below is assembled from the models' own table and column names, integers and the vocabulary's word
# lists; the few values from elsewhere are parameters.
# ruff: noqa: S608

from __future__ import annotations

from django.conf import settings

from bench.seeding.plan import PARTNERSHIP_INVITATION_SHARE
from bench.seeding.sql import h, insert_select, token_hash, u
from customers.models import (
    CustomerInvitation,
)
from relationships.models import PartnershipInvitation


class InvitationsStep:
    """WorldSeeder's pending, accepted and expired invitations, and the accept pool."""

    def seed_invitations(self, cursor) -> None:
        """Partnership links and customer invitations in every state (pending ones with deterministic
        tokens: bench-landing-<n>), and the accept pool: one pending link per pool provider."""
        plan = self.plan
        ttl = settings.PARTNERSHIP_INVITATION_TTL_DAYS
        pending_partnership = max(1, plan.pending_invitations // 2)
        pending_customer = max(1, plan.pending_invitations - pending_partnership)
        others = max(plan.invitations - self.accepted_partnerships, 2)
        partnership = max(pending_partnership, round(others * PARTNERSHIP_INVITATION_SHARE))
        customer = max(pending_customer, others - partnership)
        state = (
            f"CASE WHEN i < {pending_partnership} THEN 'pending' WHEN {u('i', 51)} < 0.6 THEN 'expired' "
            "ELSE 'revoked' END"
        )
        slot = f"CASE WHEN i = 0 THEN {plan.normal_slot} ELSE mod({h('i', 54)}, {plan.providers}) END"
        cursor.execute(
            f"""
            CREATE TEMP TABLE bench_partnership_invitation AS
            SELECT i, {state} AS state, a.provider_id, p.admin_user_id,
                   CASE WHEN {state} = 'pending' THEN now() - interval '1 day' * (mod(i, 20))
                        WHEN {state} = 'expired'
                        THEN now() - interval '1 day' * ({ttl} + 10 + mod({h("i", 52)}, 400)::int)
                        ELSE now() - interval '1 day' * (1 + mod({h("i", 52)}, 400)::int) END AS created_at,
                   {u("i", 53)} < 0.5 AS sent
            FROM generate_series(0, {partnership - 1}) AS i
            JOIN bench_alloc a ON a.slot = {slot}
            JOIN bench_partner p ON p.org_id = a.provider_id
            """
        )
        insert_select(
            cursor,
            PartnershipInvitation,
            {
                "provider": "x.provider_id",
                "token_hash": token_hash(
                    f"CASE WHEN x.state = 'pending' THEN {self.token('landing', 'x.i + 1')} "
                    f"ELSE {self.token('partnership', 'x.i')} END"
                ),
                "created_by": "x.admin_user_id",
                "recipient_email": "CASE WHEN x.sent THEN 'partners.desk' || x.i || '@reseller' || x.i || '.example' "
                "ELSE '' END",
                "message": "CASE WHEN x.sent THEN 'We would like to be your indirect provider.' ELSE '' END",
                "created_at": "x.created_at",
                "sent_at": "CASE WHEN x.sent THEN x.created_at END",
                "expires_at": f"x.created_at + interval '1 day' * ({ttl})",
                "opened_at": "CASE WHEN x.sent AND x.state <> 'pending' THEN x.created_at + interval '1 day' END",
                "revoked_at": "CASE WHEN x.state = 'revoked' THEN x.created_at + interval '2 days' END",
            },
            "bench_partnership_invitation x ORDER BY x.i",
        )
        cursor.execute("DROP TABLE bench_partnership_invitation")

        customer_ttl = settings.CUSTOMER_INVITATION_TTL_DAYS
        state = (
            f"CASE WHEN i < {pending_customer} THEN 'pending' WHEN {u('i', 61)} < 0.6 THEN 'accepted' "
            f"WHEN {u('i', 61)} < 0.85 THEN 'expired' ELSE 'revoked' END"
        )
        three_party = f"(c.reseller_id IS NOT NULL AND {u('i', 62)} < 0.3)"
        cursor.execute(
            f"""
            CREATE TEMP TABLE bench_customer_invitation AS
            SELECT i, {state} AS state, c.org_id, c.provider_id,
                   CASE WHEN {three_party} THEN c.reseller_id END AS reseller_id,
                   CASE WHEN {three_party} THEN c.reseller_id ELSE c.provider_id END AS sent_by,
                   CASE WHEN {three_party} THEN r.admin_user_id ELSE c.provider_admin_id END AS created_by,
                   lower(c.first) || '.' || lower(c.last) || '@' || c.prefix || '.example' AS email,
                   CASE WHEN {state} = 'pending' THEN now() - interval '1 day' * (mod(i, 20))
                        WHEN {state} = 'accepted' THEN c.created_at - interval '3 days'
                        WHEN {state} = 'expired' THEN now() - interval '1 day' * ({customer_ttl} + 10
                             + mod({h("i", 63)}, 400)::int)
                        ELSE now() - interval '1 day' * (1 + mod({h("i", 63)}, 400)::int) END AS created_at
            FROM generate_series(0, {customer - 1}) AS i
            JOIN bench_customer c ON c.n = 1 + mod({h("i", 64)}, {plan.customers})
            LEFT JOIN bench_partner r ON r.org_id = c.reseller_id
            """
        )
        insert_select(
            cursor,
            CustomerInvitation,
            {
                "partner": "x.provider_id",
                "reseller": "x.reseller_id",
                "sent_by": "x.sent_by",
                "delegated_admin": "true",
                "token_hash": token_hash(
                    f"CASE WHEN x.state = 'pending' THEN {self.token('customer-landing', 'x.i + 1')} "
                    f"ELSE {self.token('customer-invitation', 'x.i')} END"
                ),
                "created_by": "x.created_by",
                "recipient_email": "x.email",
                "created_at": "x.created_at",
                "expires_at": f"x.created_at + interval '1 day' * ({customer_ttl})",
                "accepted_at": "CASE WHEN x.state = 'accepted' THEN x.created_at + interval '2 days' END",
                "customer": "CASE WHEN x.state = 'accepted' THEN x.org_id END",
                "revoked_at": "CASE WHEN x.state = 'revoked' THEN x.created_at + interval '2 days' END",
            },
            "bench_customer_invitation x ORDER BY x.i",
        )
        cursor.execute("DROP TABLE bench_customer_invitation")

        insert_select(
            cursor,
            PartnershipInvitation,
            {
                "provider": "p.org_id",
                "token_hash": token_hash(self.token("accept", f"p.idx - {self.bulk} + 1")),
                "created_at": "now() - interval '1 day'",
                "expires_at": f"now() + interval '1 day' * ({ttl - 1})",
            },
            "bench_partner p WHERE p.role = 'pool' ORDER BY p.idx",
        )
