"""`make chaos` in miniature, so that it cannot rot unseen: the real bench/chaos/run.py with gunicorn, a Celery worker
and beat as the app role, its two principals signed in with two steps, and the two scenarios the two-step rule
once broke: F3 (Redis down while invitations are made over HTTP) and F7 (a gunicorn worker killed during
accepts), each at a tiny scale with the sweeps shortened. It asserts the ledger and the answers, not timing."""

from __future__ import annotations

import json

import pytest
from django.conf import settings

from .conftest import harness_env, run_harness

pytestmark = pytest.mark.xdist_group("harness")  # one at a time: both start servers and run collectstatic


def test_chaos_f3_and_f7_pass_as_the_app_role_with_two_step_principals(scratch_database, tmp_path):
    env = harness_env(
        tmp_path,
        CHAOS_DATABASE_URL=scratch_database,
        CHAOS_DATA_DIR=str(tmp_path / "data"),
        CHAOS_SWEEP_SECONDS="2",  # a Redis that came back empty is recovered by the sweep: soon, in the smoke
        OUTBOX_STALE_AFTER_SECONDS="3",
    )
    argv = ["bench/chaos/run.py", "--only", "F3", "F7", "--seed-factor", "0.01", "--f3-invitations", "4",
            "--f3-outage", "3", "--f7-accepts", "12", "--f7-kills", "1", "--report-dir", str(tmp_path)]  # fmt: skip
    log = tmp_path / "chaos.log"
    done = run_harness(argv, env, log, timeout=300)
    output = log.read_text()
    assert done.returncode == 0, output[-4000:]

    report = json.loads((tmp_path / "report.json").read_text())
    database = report["database"]
    assert database["app_url_role"] == settings.DATABASE_APP_ROLE
    assert database["connections"].keys() == {settings.DATABASE_APP_ROLE}
    assert not any(role["bypasses_rls"] for role in database["connections"].values())
    assert database["sign_in"] == "password + two-step code (TOTP)"
    f3, f7 = report["scenarios"]
    assert (f3["id"], f3["pass"], f3["http_success"]) == ("F3", True, "4/4")
    assert f3["ledger"]["expected"] == 4
    assert f3["ledger"]["lost"] == 0
    assert f3["ledger"]["duplicates"] == 0
    assert f3["http"]["unexpected"] == 0
    assert f3["http"]["statuses"] == {"302": 8}
    assert (f7["id"], f7["pass"], f7["after_retry"]) == ("F7", True, {"accepted": 12})
    assert f7["http"]["unexpected"] == 0
    assert f7["http"]["5xx"] == 0
    assert report["ok"] is True
