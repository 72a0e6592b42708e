"""What a chaos run changes from the production settings (shortened sweeps and timeouts, also in the report), the
names of its databases, and the error that stops a scenario or the run.
"""

from __future__ import annotations

import os

SEEDED_DB = "chaos_seeded"  # migrated and seeded once, never served
RUN_DB = "partnerhub_chaos"  # a fresh copy per run: the single-use invitation links are all unused again
SEED_FACTOR = "0.06"  # seed_bench's accept pool: 120 pending partnership links for the reseller (--seed-factor)
ACCEPTED = "/partners/providers/"  # where an accepted partnership invitation takes the reseller
# What the run changes from the production defaults (also in the report).
RUN_SETTINGS = {
    "CHAOS_VISIBILITY_TIMEOUT": "30",  # broker visibility_timeout (production: 3600)
    "CHAOS_SWEEP_SECONDS": "15",  # outbox and verification sweeps (production: 60 and 300)
    "OUTBOX_STALE_AFTER_SECONDS": "30",  # a queued row the sweep re-queues (production: 120)
    "OUTBOX_BATCH_CLAIM_SECONDS": "60",  # a batch's lease on its rows (production: 180)
    "WEBHOOK_ALLOW_PRIVATE_ADDRESSES": "true",  # F9's receiver is on loopback, plain http (production: false)
    # F9: the ten attempts' delays, shortened (production: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h)
    "WEBHOOK_RETRY_DELAYS": "5,15,30,60,120,180,240,300,360",
    "WEBHOOK_TIMEOUT_SECONDS": "5",  # per attempt; the lease of a delivery is 2× + 30 s (production: 15)
    "WEBHOOK_TEST_EVENTS_PER_MINUTE": "100000",  # F9 sends its events as test events (production: 3)
}
# Each can be set in the environment instead (the smoke run in `make test` shortens the sweeps); the report says.
RUN_SETTINGS = {key: os.environ.get(key, value) for key, value in RUN_SETTINGS.items()}


class Failure(RuntimeError):
    pass
