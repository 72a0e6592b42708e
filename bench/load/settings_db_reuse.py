"""A what-if for `make bench-webhooks` (`--settings bench.load.settings_db_reuse`): bench.settings (production's) with
CELERY_DB_REUSE_MAX set. Without it Celery's Django fix-up closes every database connection before and after each
task, so each webhook delivery (and each email) opens a new PostgreSQL connection; with it a pool process keeps
its connection for 1,000 tasks. Not a deployment setting: bench/README.md, "make bench-webhooks"."""

from bench.settings import *  # noqa: F403

CELERY_DB_REUSE_MAX = 1000
