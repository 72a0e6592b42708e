"""Settings of every harness process (`make bench`, `make bench-mail`, `make chaos`): production's, plus the
benchmark's seeder and its yardsticks.

- `bench.seeding` (`manage.py seed_bench` and the ceiling views) is installed here and nowhere else: no
  deployment has the seeder or the `/__bench/` routes.
- `bench.urls` is the portal's URL map with `/__bench/ceiling/` and `/__bench/hello/` in front, the yardsticks
  `make bench` compares every page with.

Everything else is exactly partnerhub.settings.production; the harnesses set its environment themselves.
"""

from partnerhub.settings.production import *  # noqa: F403
from partnerhub.settings.production import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench.seeding"]  # above every app: the seeder may use all of them
ROOT_URLCONF = "bench.urls"
