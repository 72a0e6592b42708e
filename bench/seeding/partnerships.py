"""Partnerships between bulk resellers and providers: a step of the benchmark world (bench/seeding/world.py)."""

# The SQL below is assembled from the models' own table and column names, integers and the vocabulary's word
# lists; the few values from elsewhere are parameters.
# ruff: noqa: S608

from __future__ import annotations

import math
import random

from django.conf import settings
from django.db import connection

from bench.seeding.sql import h, insert_select, reserve_ids, token_hash
from relationships.models import PartnerRelationship, PartnershipInvitation


class PartnershipsStep:
    """WorldSeeder's partnerships, each from an accepted partnership link."""

    def provider_slots(self) -> list[int]:
        """The provider organization of each slot: the whale in 0, the bench provider in its slot, bulk
        providers in the rest (largest first)."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT org_id FROM bench_partner WHERE role = 'provider' AND NOT principal ORDER BY idx")
            bulk = [row[0] for row in cursor.fetchall()]
        slots = []
        for slot in range(self.plan.providers):
            if slot == 0:
                slots.append(self.principals["whale"].organization.pk)
            elif slot == self.plan.normal_slot:
                slots.append(self.principals["provider"].organization.pk)
            else:
                slots.append(bulk.pop(0))
        return slots

    def seed_partnerships(self, cursor) -> None:
        """Each bulk reseller partners with one to three providers, bigger providers being likelier; every
        partnership comes from an accepted partnership link, as `partnership_accept` writes it."""
        plan, rng = self.plan, random.Random(20240615)  # noqa: S311 - a fixed, reproducible shape
        self.slots = slots = self.provider_slots()
        cursor.execute("SELECT org_id FROM bench_partner WHERE role = 'reseller' AND NOT principal ORDER BY idx")
        resellers = [row[0] for row in cursor.fetchall()]
        weights = [math.sqrt(n) + 1 for n in plan.provider_customers]
        pairs = {(plan.normal_slot, self.principals["reseller"].organization.pk)}
        for index, reseller in enumerate(resellers):
            chosen = set()
            if index == 0:
                chosen.add(0)  # the whale has resellers
            if index == min(1, len(resellers) - 1):
                chosen.add(plan.normal_slot)  # so has the bench provider, besides the bench reseller
            wanted = min(plan.providers, 1 + rng.randrange(3))
            while len(chosen) < wanted:
                chosen.add(rng.choices(range(plan.providers), weights)[0])
            pairs |= {(slot, reseller) for slot in chosen}
        ordered = sorted(pairs)
        self.resellers_per_slot = [0] * plan.providers
        rank = []
        for slot, _reseller in ordered:
            rank.append(self.resellers_per_slot[slot])
            self.resellers_per_slot[slot] += 1
        principal_pair = (plan.normal_slot, self.principals["reseller"].organization.pk)
        bulk_pairs = [pair != principal_pair for pair in ordered]
        self.accepted_partnerships = sum(bulk_pairs)
        invitation_base = reserve_ids(cursor, PartnershipInvitation, self.accepted_partnerships)
        invitation_ids, next_id = [], invitation_base
        for is_bulk in bulk_pairs:
            invitation_ids.append(next_id if is_bulk else None)
            next_id += is_bulk
        cursor.execute("DROP TABLE IF EXISTS bench_pair")
        cursor.execute(
            "CREATE TEMP TABLE bench_pair AS SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::int[], %s::bigint[]) "
            "AS t(provider_id, reseller_id, k, invitation_id)",
            [[slots[slot] for slot, _ in ordered], [r for _, r in ordered], rank, invitation_ids],
        )
        cursor.execute("CREATE INDEX ON bench_pair (provider_id, k)")
        cursor.execute("ANALYZE bench_pair")
        source = (
            "bench_pair x JOIN bench_partner p ON p.org_id = x.provider_id "
            "JOIN bench_partner r ON r.org_id = x.reseller_id WHERE x.invitation_id IS NOT NULL"
        )
        created = (
            f"greatest(p.created_at, r.created_at) + interval '1 day' * (30 + mod({h('x.invitation_id', 16)}, 300))"
        )
        insert_select(
            cursor,
            PartnershipInvitation,
            {
                "id": "x.invitation_id",
                "provider": "x.provider_id",
                "token_hash": token_hash(self.token("partnership-accepted", "x.invitation_id")),
                "created_by": "p.admin_user_id",
                "recipient_email": "r.email",
                "created_at": created,
                "sent_at": created,
                "expires_at": f"{created} + interval '1 day' * ({settings.PARTNERSHIP_INVITATION_TTL_DAYS})",
                "opened_at": f"{created} + interval '3 hours'",
                "accepted_at": f"{created} + interval '1 day'",
                "accepted_by": "r.admin_user_id",
                "reseller": "x.reseller_id",
            },
            source,
        )
        insert_select(
            cursor,
            PartnerRelationship,
            {
                "provider": "x.provider_id",
                "reseller": "x.reseller_id",
                "status": "'active'",
                "admin_access": "true",
                "invitation": "x.invitation_id",
                "created_at": f"{created} + interval '1 day'",
                "created_by": "r.admin_user_id",
            },
            source,
        )
