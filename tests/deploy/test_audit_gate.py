"""`make audit` (deploy/audit.py), the release gate: its verdict with fixed reports and a fixed date.

pip-audit itself needs the vulnerability service and the gate's exception is dated, so neither runs in
`make test`: a test must give the same answer on any day and without the network. This checks the logic.
"""

from __future__ import annotations

import datetime
import importlib.util
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("partnerhub_audit_gate", ROOT / "deploy" / "audit.py")
audit = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(audit)

EXCEPTION = {"unauditable-until": "2030-06-30", "unauditable-reason": "no vulnerability data on this index"}
CLEAN = {"dependencies": [{"name": "django", "version": "5.2.19", "vulns": []}]}
UNAUDITABLE = {"dependencies": [{"name": "rules", "version": "3.5", "skip_reason": "not found on PyPI"}]}
VULNERABLE = {
    "dependencies": [{"name": "django", "version": "5.2.19", "vulns": [{"id": "PYSEC-2030-1", "fix_versions": []}]}]
}


def test_a_clean_audit_passes_on_any_day():
    assert audit.audit_problems(CLEAN, {}, datetime.date(2099, 1, 1)) == []


def test_a_known_vulnerability_stops_the_release_even_under_the_exception():
    problems = audit.audit_problems(VULNERABLE, EXCEPTION, datetime.date(2030, 1, 1))

    assert len(problems) == 1
    assert "django 5.2.19: PYSEC-2030-1" in problems[0]


def test_unauditable_packages_pass_until_the_exception_date_included():
    assert audit.audit_problems(UNAUDITABLE, EXCEPTION, datetime.date(2030, 6, 30)) == []


def test_unauditable_packages_stop_the_release_the_day_after_the_exception():
    problems = audit.audit_problems(UNAUDITABLE, EXCEPTION, datetime.date(2030, 7, 1))

    assert len(problems) == 1
    assert "could not look up 1 packages (rules)" in problems[0]
    assert "expired on 2030-06-30" in problems[0]


def test_unauditable_packages_stop_the_release_without_an_exception():
    assert audit.audit_problems(UNAUDITABLE, {}, datetime.date(2030, 1, 1))


def test_the_exception_in_pyproject_names_a_date_and_a_reason():
    exception = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["partnerhub"]["pip-audit"]

    datetime.date.fromisoformat(exception["unauditable-until"])  # a date the gate can read, whatever its value
    assert exception["unauditable-reason"].strip()
