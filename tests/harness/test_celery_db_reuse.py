"""CELERY_DB_REUSE_MAX on a real prefork worker and a real PostgreSQL: a pool process keeps its database connection
from task to task (what makes one-email tasks cheap: bench/README.md "make bench-mail"), and a task that leaves
it unusable does not poison the next one. The failures kept connections risk: a task interrupted by its soft time
limit while the server runs its query (the connection is left ACTIVE: the next statement would fail with "another
command is already in progress"), inside a transaction or not, and a backend the server ends between two tasks
(pg_terminate_backend, as a restart or failover does: psycopg only notices on the next statement). After each, the
next task in the same process must run at once, on a new backend, with its own row-level security context."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from django.conf import settings

from .conftest import ROOT

pytestmark = pytest.mark.xdist_group("harness")  # one at a time: each starts servers

REPORT_TASK = "tests.harness.reuse_tasks.report"
STUCK_TASK = "tests.harness.reuse_tasks.stuck_in_query"


def _as_app_role(owner_url: str) -> str:
    parts = urlsplit(owner_url)
    return parts._replace(netloc=f"{settings.DATABASE_APP_ROLE}@{parts.netloc.rsplit('@', 1)[-1]}").geturl()


def _worker_env(database_url: str, queue: str) -> dict[str, str]:
    """Production settings as the app role, on this test's own queue, with connections kept for 1,000 tasks."""
    skip = ("DJANGO_", "CELERY_", "DATABASE_OWNER_URL")
    env = {k: v for k, v in os.environ.items() if not k.startswith(skip)}
    return env | {
        "DJANGO_SETTINGS_MODULE": "partnerhub.settings.production",
        "SECRET_KEY": settings.SECRET_KEY,  # the test database's row-level security keys were synced with it
        "ALLOWED_HOSTS": "localhost",
        "SITE_URL": "https://partnerhub.example",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "CELERY_DB_REUSE_MAX": "1000",
        "LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
    }


class Worker:
    def __init__(self, env: dict[str, str], queue: str, tmp_path: Path) -> None:
        self.log = tmp_path / "worker.log"
        self.results = tmp_path / "results.jsonl"
        argv = [sys.executable, "-m", "celery", "-A", "partnerhub", "worker", "-P", "prefork", "-c", "1",
                "-Q", queue, "-n", f"{queue}@localhost", "-I", "tests.harness.reuse_tasks", "--loglevel", "INFO",
                "--without-gossip", "--without-mingle", "--without-heartbeat"]  # fmt: skip
        with self.log.open("w") as out:
            self.proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
        from partnerhub.celery import app

        self.app = app
        self.queue = queue

    def report(self, label: str, timeout: float = 60) -> dict:
        """Run the report task and wait for its line: the next task this one pool process runs."""
        self.app.send_task(REPORT_TASK, kwargs={"path": str(self.results), "label": label}, queue=self.queue)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"the worker exited:\n{self.log.read_text()[-4000:]}")
            if self.results.exists():
                for line in self.results.read_text().splitlines():
                    seen = json.loads(line)
                    if seen["label"] == label:
                        return seen
            time.sleep(0.05)
        pytest.fail(f"task {label!r} did not run within {timeout:.0f} s:\n{self.log.read_text()[-4000:]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        import redis

        redis.Redis.from_url(settings.CELERY_BROKER_URL).delete(self.queue, f"_kombu.binding.{self.queue}")


def _stuck(worker: Worker, *, in_transaction: bool) -> None:
    """A task whose query is still running on the server when its soft time limit (1 s) interrupts it."""
    worker.app.send_task(
        STUCK_TASK, kwargs={"in_transaction": in_transaction}, queue=worker.queue, soft_time_limit=1, time_limit=20
    )


def test_a_kept_connection_left_unusable_by_a_task_does_not_fail_the_next_task(scratch_database, tmp_path):
    queue = f"partnerhub-test-reuse-{uuid.uuid4().hex[:8]}"
    worker = Worker(_worker_env(_as_app_role(scratch_database), queue), queue, tmp_path)
    try:
        first = worker.report("first", timeout=120)  # the worker's boot included
        second = worker.report("second")
        # Connections are kept: the same pool process, served by the same backend, with each task's own context.
        assert second["process"] == first["process"]
        assert second["backend"] == first["backend"]
        for seen in (first, second):
            assert (seen["bypass_reason"], seen["bypass_signed_for_this_backend"]) == (f"task:{REPORT_TASK}", True)

        _stuck(worker, in_transaction=True)
        after_stuck_transaction = worker.report("after a task interrupted inside a transaction")
        _stuck(worker, in_transaction=False)
        after_stuck_query = worker.report("after a task interrupted outside a transaction")

        with psycopg.connect(scratch_database, autocommit=True) as owner:
            backend = after_stuck_query["backend"]
            assert owner.execute("SELECT pg_terminate_backend(%s)", [backend]).fetchone() == (True,)
            deadline = time.monotonic() + 10
            while owner.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [backend]).fetchone():
                assert time.monotonic() < deadline, "the backend did not end"
                time.sleep(0.05)
        after_terminate = worker.report("after the server ended the connection")
        again = worker.report("again")

        for seen in (after_stuck_transaction, after_stuck_query, after_terminate):
            # The next task ran (its line is there), in the same process, on a new backend, with its own context.
            assert seen["process"] == first["process"]
            assert (seen["bypass_reason"], seen["bypass_signed_for_this_backend"]) == (f"task:{REPORT_TASK}", True)
        backends = [first["backend"], after_stuck_transaction["backend"], after_stuck_query["backend"]]
        assert len(set(backends)) == 3
        assert after_terminate["backend"] not in backends
        assert again["backend"] == after_terminate["backend"]  # and the new connection is kept in turn
        log = worker.log.read_text()
        failures = [line for line in log.splitlines() if "raised unexpected" in line]
        # Both interruptions really happened mid-query, and nothing else failed.
        assert len(failures) == 2, log[-4000:]
        assert all(STUCK_TASK in line and "SoftTimeLimitExceeded" in line for line in failures), log[-4000:]
    finally:
        worker.stop()
