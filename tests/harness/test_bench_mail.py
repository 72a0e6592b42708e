"""`make bench-mail` in miniature, so that it cannot rot unseen: the real bench/load/mail.py on a copy of the test
database, a few dozen partnership invitations queued through the outbox as the app role by two producer processes,
a real prefork Celery worker sending them (one task per email, then in batches) to the bench's SMTP sink. It
asserts that every email arrived exactly once, as the app role, never how fast (the machine is shared)."""

from __future__ import annotations

import json

import pytest
from django.conf import settings

from .conftest import harness_env, run_harness

pytestmark = pytest.mark.xdist_group("harness")  # one at a time: each starts servers

EMAILS = 20


def test_every_outbox_email_reaches_the_sink_once_sent_as_the_app_role(scratch_database, tmp_path):
    env = harness_env(tmp_path, BENCH_DATABASE_URL=scratch_database, BENCH_DATA_DIR=str(tmp_path / "data"))
    output_file = tmp_path / "report-mail.json"
    argv = [
        "bench/load/mail.py",
        "--n",
        str(EMAILS),
        "--warmup",
        "0",
        "--batch-size",
        "5",
        "--output",
        str(output_file),
    ]
    log = tmp_path / "mail.log"
    done = run_harness(argv, env, log, timeout=240)
    output = log.read_text()
    assert done.returncode == 0, output[-4000:]

    report = json.loads(output_file.read_text())
    assert report["ok"] is True
    assert [run["mode"] for run in report["runs"]] == ["single", "batch"]
    for run in report["runs"]:
        # Every row the producers queued reached the sink once, and the worker marked it sent.
        assert (run["n"], run["rows"], run["rows_sent"]) == (EMAILS, EMAILS, EMAILS), run["mode"]
        assert (run["lost"], run["duplicates"], run["unexpected"]) == (0, 0, 0), run["mode"]
        assert run["emails_per_s"] > 0
    single, batch = report["runs"]
    assert single["smtp_connections"] == EMAILS  # one task, one SMTP connection per email
    # One connection per batch of up to 5: a batch claimed while the producers were still queuing holds fewer,
    # so under load there may be one or two more than 4 (seen in CI: 5); never one per email.
    assert EMAILS // 5 <= batch["smtp_connections"] < EMAILS // 2
    # The producers and the worker worked as the app role, which cannot skip row-level security.
    assert set(report["database_roles"]) == {settings.DATABASE_APP_ROLE}
    assert not any(role["bypasses_rls"] for role in report["database_roles"].values())
    assert "Result: PASS" in output_file.with_suffix(".md").read_text()
