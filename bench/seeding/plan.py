"""How many rows of each kind a scale ("1", "10", "whale") and a factor make (performance.md §3.2)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

SCALES = ("1", "10", "whale")

# The 1× world (performance.md §3.2); "10" multiplies every count by ten.
PARTNERS = 1_000
PROVIDER_SHARE = 0.4  # of the partners; the rest are indirect resellers
CUSTOMERS = 100_000
WHALE_CUSTOMERS = 10_000  # the one huge provider
MEDIAN_CUSTOMERS = 60  # of the other providers (a log-normal spread: a few big, most small)
NORMAL_PROVIDER_CUSTOMERS = 200  # the bench provider is the one closest to this
SUBSCRIPTIONS_PER_CUSTOMER = 2  # 200,000 at 1×
USERS = 5_000
INVITATIONS = 20_000  # partnership and customer invitations
PENDING_INVITATIONS = 1_000
PARTNERSHIP_INVITATION_SHARE = 0.15  # of the invitations that are not partnerships' accepted links
ACCEPT_POOL_MIN = 2_000  # pending links from distinct providers, for the accept POST
SUBSCRIPTION_LIST_SIZE = 40  # the subscription-list customer's active subscriptions (page 1 and a next page)
# "--scale whale": the 1× world with the whale grown to a million customers and ten times its subscriptions.
WHALE_SCALE_CUSTOMERS = 1_000_000
WHALE_SCALE_SUBSCRIPTION_FACTOR = 10


@dataclass
class Plan:
    """How many rows of each kind a scale and factor make. Provider slot 0 is the whale."""

    scale: str
    factor: float
    provider_customers: list[int]
    provider_subscriptions: list[int]
    normal_slot: int
    resellers: int  # including the bench reseller
    users: int  # including the three principals
    invitations: int  # partnership (accepted ones included) and customer invitations
    pending_invitations: int
    accept_pool: int

    @property
    def providers(self) -> int:
        return len(self.provider_customers)

    @property
    def customers(self) -> int:
        return sum(self.provider_customers)

    @property
    def subscriptions(self) -> int:
        return sum(self.provider_subscriptions) + SUBSCRIPTION_LIST_SIZE


def spread(total: int, n: int, median: float) -> list[int]:
    """`n` positive counts adding up to `total`, largest first, log-normally spread around `median`:
    deterministic quantiles, not samples, so every run (and every scale) has the same shape."""
    if n <= 0:
        return []
    total = max(total, n)
    mean = total / n
    sigma = math.sqrt(2 * math.log(mean / median)) if mean > median else 0.0
    normal = NormalDist()
    raw = [median * math.exp(sigma * normal.inv_cdf((i + 0.5) / n)) for i in range(n)]
    scale = total / sum(raw)
    raw = [value * scale for value in raw]
    counts = [max(1, int(value)) for value in raw]
    by_remainder = sorted(range(n), key=lambda i: raw[i] - int(raw[i]), reverse=True)
    i = 0
    while sum(counts) < total:
        counts[by_remainder[i % n]] += 1
        i += 1
    while sum(counts) > total:
        counts[counts.index(max(counts))] -= 1
    return sorted(counts, reverse=True)


def plan_for(scale: str, factor: float = 1.0) -> Plan:
    """The counts of a scale ("1", "10", "whale"), every one multiplied by `factor` (tests use ~0.002),
    with the minimums that keep the world usable: three providers, two resellers, the whale the largest."""
    times = 10 if scale == "10" else 1

    def count(base: float, minimum: int) -> int:
        return max(minimum, round(base * times * factor))

    providers = count(PARTNERS * PROVIDER_SHARE, 3)
    resellers = count(PARTNERS * (1 - PROVIDER_SHARE), 2)
    whale = count(WHALE_CUSTOMERS, 1)
    others = spread(max(count(CUSTOMERS, 1) - whale, 2 * (providers - 1)), providers - 1, MEDIAN_CUSTOMERS)
    if whale <= others[0]:  # only at a small factor: the whale must stay the largest
        whale = others[0] * 2
    whale_subscriptions = whale * SUBSCRIPTIONS_PER_CUSTOMER
    if scale == "whale":
        whale_subscriptions *= WHALE_SCALE_SUBSCRIPTION_FACTOR
        whale = max(round(WHALE_SCALE_CUSTOMERS * factor), whale * 10)
    target = NORMAL_PROVIDER_CUSTOMERS * min(1.0, factor)
    normal = 1 + min(range(len(others)), key=lambda i: (abs(others[i] - target), i))
    return Plan(
        scale=scale,
        factor=factor,
        provider_customers=[whale, *others],
        provider_subscriptions=[whale_subscriptions, *(n * SUBSCRIPTIONS_PER_CUSTOMER for n in others)],
        normal_slot=normal,
        resellers=resellers,
        users=count(USERS, 3),
        invitations=count(INVITATIONS, 4),
        pending_invitations=count(PENDING_INVITATIONS, 2),
        accept_pool=max(2, round(max(ACCEPT_POOL_MIN, 2 * PARTNERS * times) * factor)),
    )
