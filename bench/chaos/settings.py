"""Settings of the fault-injection run (`make chaos`): bench.settings (production's, plus the benchmark's seeder),
with only what the run must shorten.

- The Redis broker's `visibility_timeout` is CHAOS_VISIBILITY_TIMEOUT seconds (30) instead of an hour, as
  reliability.md §5.1 prescribes for the suite: an unacknowledged message of a killed worker comes back
  within the run, not an hour later.
- The beat sweeps run every CHAOS_SWEEP_SECONDS (15) instead of 60 s (outbox) and 300 s (verification
  deadlines), so that a recovery or a beat outage is seen within the run's wall time; the business sweeps of
  subscriptions, admin relationships and transfers don't run (their reminders would swamp the ledgers).

Everything else (acks_late, reject_on_worker_lost, prefetch 1, the publish retry policy, CONN_HEALTH_CHECKS,
the outbox's own settings from the environment) is exactly partnerhub.settings.production, through bench.settings.
"""

from bench.settings import *  # noqa: F403
from bench.settings import CELERY_BEAT_SCHEDULE, CELERY_BROKER_TRANSPORT_OPTIONS, env

CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "visibility_timeout": env.int("CHAOS_VISIBILITY_TIMEOUT", default=30),
}
_SWEEP = float(env.int("CHAOS_SWEEP_SECONDS", default=15))
# The business sweeps of subscriptions, admin relationships and transfers are left out: run every few seconds
# over the seeded world they would email renewal and expiry reminders by the thousand, and the run's ledgers
# count the emails and webhooks of its scenarios only. Their own tests run them twice and concurrently.
_NOT_UNDER_TEST = {
    "sweep-subscription-renewals", "sweep-admin-relationships", "expire-transfers",
    "billing-cycles", "billing-run", "billing-overdue",  # billing: its own tests and `make bench-billing`
}  # fmt: skip
CELERY_BEAT_SCHEDULE = {
    name: {**entry, "schedule": _SWEEP} for name, entry in CELERY_BEAT_SCHEDULE.items() if name not in _NOT_UNDER_TEST
}

# F3 creates 200 invitations from one organization within a minute or two; the production limit
# (partnerhub/core/throttle.py "invitation_create", 30 an hour) would refuse most of them by design. The run
# measures the outbox under faults, not the throttle (tests/core/test_throttle.py does), so it is raised here.
THROTTLE_RATES = {**THROTTLE_RATES, "invitation_create": "100000/h"}  # noqa: F405 - from bench.settings' star import
