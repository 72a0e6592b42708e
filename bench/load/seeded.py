"""The database a bench run serves: seeded once per scale by `manage.py seed_bench` into a template, then copied
fresh for every run (the single-use invitation pools are whole again), with its pg_stat_statements and the
seed's manifest; or BENCH_DATABASE_URL's, migrated and seeded in place.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

from bench.load import pg_cluster, pgstats
from bench.load.serving import Server
from bench.load.stack import DATA, key_fingerprint, log

SEEDED_DB = "partnerhub_seeded"  # what seed_bench wrote, never served
RUN_DB = "partnerhub_bench"  # a fresh copy per run: the single-use invitation pool is whole again


class Databases:
    def __init__(self, args: argparse.Namespace, server: Server, report: dict):
        self.args = args
        self.server = server
        self.report = report
        self.cluster: pg_cluster.Postgres | None = None

    def prepare(self, scale: str) -> tuple[str, str, pgstats.StatStatements | None, dict, list[str]]:
        """The database to serve (a fresh copy of the seeded one) as its owner's URL and as the app role's, its
        pg_stat_statements, the manifest."""
        warnings: list[str] = []
        external = os.environ.get("BENCH_DATABASE_URL")
        if external:
            app = os.environ.get("BENCH_APP_DATABASE_URL") or pg_cluster.as_role(external, pg_cluster.APP_ROLE)
            database = urlparse(external).path.lstrip("/")
            self.server.manage(["migrate", "--noinput"], external)
            manifest_path = DATA / f"external-{scale}.manifest.json"
            seconds = self.seed(scale, external, manifest_path)
            self.vacuum_external(external)
            stats = pgstats.StatStatements(external, database)
            if not stats.available():
                warnings.append("pg_stat_statements is not available on BENCH_DATABASE_URL: no queries per request")
                stats = None
            return external, app, stats, self.load_manifest(manifest_path, seconds), warnings

        key = f"pg-{scale}" + (f"-f{self.args.seed_factor:g}" if self.args.seed_factor is not None else "")
        cluster = pg_cluster.Postgres(DATA / key, processes=self.server.processes)
        self.cluster = cluster
        cluster.start()
        version = cluster.execute("postgres", "SHOW server_version")[0][0]
        self.report["environment"]["postgresql"] = version
        self.report["config"]["postgres"] = (
            f"own cluster {cluster.bindir.parent.name} in .data/bench/{key}, shared_buffers 256MB, fsync off"
            + (", pg_stat_statements" if cluster.stat_statements else ", NO pg_stat_statements")
        )
        marker = DATA / f"{key}.seeded.json"
        manifest_path = DATA / f"{key}.manifest.json"
        seeded = cluster.execute("postgres", "SELECT 1 FROM pg_database WHERE datname = %s", (SEEDED_DB,))
        seeded_url = cluster.url(SEEDED_DB)
        fingerprint = key_fingerprint(self.server.secret_key)
        stale = marker.exists() and json.loads(marker.read_text()).get("secret_key") != fingerprint
        if stale:
            log("the seeded database was made under another SECRET_KEY (what it encrypted would not read): reseeding")
        before_api = manifest_path.exists() and "api" not in json.loads(manifest_path.read_text())
        if before_api:
            log("the seeded database has no API clients (seeded before the API endpoints were measured): reseeding")
        if self.args.reseed or not seeded or not marker.exists() or not manifest_path.exists() or stale or before_api:
            cluster.execute("postgres", f"DROP DATABASE IF EXISTS {SEEDED_DB} WITH (FORCE)")
            cluster.execute("postgres", f"CREATE DATABASE {SEEDED_DB}")
            self.server.manage(["migrate", "--noinput"], seeded_url)
            seconds = self.seed(scale, seeded_url, manifest_path, pool_prefix=key)
            log("VACUUM ANALYZE")
            cluster.execute(SEEDED_DB, "VACUUM ANALYZE")
            marker.write_text(json.dumps({"scale": scale, "factor": self.args.seed_factor, "seconds": seconds,
                                          "at": datetime.now(UTC).isoformat(timespec="seconds"),
                                          "secret_key": fingerprint}))  # fmt: skip
        else:
            seconds = json.loads(marker.read_text()).get("seconds")
            out = self.server.manage(["migrate", "--noinput"], seeded_url)
            if "Applying" in out:
                warnings.append(
                    f"scale {scale} was seeded before the latest migrations (applied now); rerun with --reseed "
                    "if the new schema needs data"
                )
                cluster.execute(SEEDED_DB, "VACUUM ANALYZE")
            log(f"reusing the seeded database in .data/bench/{key} (--reseed to seed again)")
        cluster.execute("postgres", f"DROP DATABASE IF EXISTS {RUN_DB} WITH (FORCE)")
        strategy = " STRATEGY FILE_COPY" if int(version.split(".")[0]) >= 15 else ""
        started = time.monotonic()
        cluster.execute("postgres", f"CREATE DATABASE {RUN_DB} TEMPLATE {SEEDED_DB}{strategy}")
        log(f"fresh copy {RUN_DB} in {time.monotonic() - started:.1f}s")
        stats = pgstats.StatStatements(cluster.url("postgres"), RUN_DB) if cluster.stat_statements else None
        if stats is None:
            warnings.append("pg_stat_statements is not installed for this PostgreSQL: no queries per request")
        return cluster.url(RUN_DB), cluster.app_url(RUN_DB), stats, self.load_manifest(manifest_path, seconds), warnings

    def seed(self, scale: str, database_url: str, manifest_path: Path, pool_prefix: str = "external") -> float:
        started = time.monotonic()
        argv = ["seed_bench", "--scale", scale, "--manifest", str(manifest_path)]
        if self.args.seed_factor is not None:
            argv += ["--factor", f"{self.args.seed_factor:g}"]
        self.server.manage(argv, database_url, live=True)
        seconds = round(time.monotonic() - started, 1)
        # Keep each scale's single-use pools next to its manifest: seeding another scale must not overwrite them.
        manifest = json.loads(manifest_path.read_text())
        for spec in manifest.get("endpoints", []):
            if spec.get("paths_file"):
                source = Path(spec["paths_file"])
                target = DATA / f"{pool_prefix}.{spec['name']}.paths"
                if source.resolve() != target.resolve():
                    shutil.copyfile(source, target)
                spec["paths_file"] = str(target)
        manifest_path.write_text(json.dumps(manifest, indent=2))
        return seconds

    def vacuum_external(self, url: str) -> None:
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")

    @staticmethod
    def load_manifest(path: Path, seconds: float | None) -> dict:
        manifest = json.loads(path.read_text())
        manifest.setdefault("seconds", seconds)
        return manifest

    def release(self) -> None:
        """The served copy goes (the next run makes a new one); the seeded database stays for reuse."""
        if self.cluster is not None:
            self.cluster.execute("postgres", f"DROP DATABASE IF EXISTS {RUN_DB} WITH (FORCE)")
            self.cluster.stop()
            self.cluster = None
