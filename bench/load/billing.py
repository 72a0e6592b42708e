"""`make bench-billing`: the billing run measured as production runs it → bench/load/report-billing.{json,md}.

    .venv/bin/python partnerhub/embedded.py exec -- python bench/load/billing.py [--factor 0.05] [--sizes 1000 4000]

In a database of its own (`partnerhub_billing_bench`, made afresh in the server DATABASE_OWNER_URL names), the
tables' owner migrates and seeds a benchmark world (`seed_bench --scale 1 --factor F`); then `manage.py
bench_billing` rates purchases and runs the billing run as the app's role (DATABASE_URL's user: no table owned,
no BYPASSRLS), under `bench.settings` (production's settings), and writes the report with its targets
(bench/seeding/management/commands/bench_billing.py). `make bench-billing` runs it under the embedded servers.

With BENCH_DATABASE_URL (an owner's URL: the smoke test's copy of the test database) it migrates and seeds that
database instead, and the app role connects to it (bench/load/pg_cluster.as_role), as `make bench-mail` does.
The app's SECRET_KEY is HARNESS_SECRET_KEY when set (the key the copied database was made under).
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT_FOR_IMPORTS = Path(__file__).resolve().parents[2]
if str(ROOT_FOR_IMPORTS) not in sys.path:
    sys.path.insert(0, str(ROOT_FOR_IMPORTS))

from bench.load.pg_cluster import APP_ROLE, as_role  # noqa: E402 - needs the root on sys.path as a script

ROOT = ROOT_FOR_IMPORTS
DATABASE = "partnerhub_billing_bench"
SECRET_KEY = secrets.token_urlsafe(50)  # one per run: the database is made afresh
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "bench.settings",
    "ALLOWED_HOSTS": "localhost",
    "SITE_URL": "http://localhost",
}


def on_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def manage(*arguments: str, database_url: str) -> None:
    env = {**os.environ, **PRODUCTION_ENV, "DATABASE_URL": database_url}
    env.pop("BENCH_DATABASE_URL", None)  # the owner's URL: never the app's
    env["SECRET_KEY"] = os.environ.get("HARNESS_SECRET_KEY") or SECRET_KEY
    print("$ manage.py", " ".join(arguments), flush=True)
    subprocess.run([sys.executable, "manage.py", *arguments], cwd=ROOT, env=env, check=True)  # noqa: S603 - our own command line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/load/billing.py", description=__doc__.splitlines()[0])
    parser.add_argument("--factor", default="0.05", help="seed_bench --factor (0.05: 10,000 subscriptions)")
    parser.add_argument("--sizes", nargs="+", default=["1000", "4000"], help="bench_billing --sizes")
    parser.add_argument("--output", default=str(ROOT / "bench" / "load" / "report-billing.json"))
    args = parser.parse_args(argv)
    if os.environ.get("BENCH_DATABASE_URL"):
        owner = os.environ["BENCH_DATABASE_URL"]
    else:
        owner = on_database(os.environ["DATABASE_OWNER_URL"], DATABASE)
        with psycopg.connect(on_database(owner, "postgres"), autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
            connection.execute(f"CREATE DATABASE {DATABASE}")
    app = as_role(owner, APP_ROLE)
    manage("migrate", "--noinput", database_url=owner)
    with tempfile.TemporaryDirectory() as scratch:
        manifest = Path(scratch) / "manifest.json"  # seed_bench's list of principals: not needed here
        manage("seed_bench", "--scale", "1", "--factor", args.factor, "--manifest", str(manifest), database_url=owner)
    manage("bench_billing", "--sizes", *args.sizes, "--output", args.output, database_url=app)
    print(Path(args.output).with_suffix(".md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
