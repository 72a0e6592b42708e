"""`make audit`, the release gate: pip-audit of the installed packages, with pyproject.toml's dated exception.

Fails on any known vulnerability. A package the vulnerability service cannot look up (the index this project's
machines reach has no data for some pins) passes only until the date of the exception in
`[tool.partnerhub.pip-audit]`, after which the gate fails until someone audits from a machine that reaches the
service and renews or removes the exception. It needs the network, so it is a release step, not a test:
`make test` checks this verdict logic with fixed reports and a fixed date (tests/deploy/test_audit_gate.py).
"""

from __future__ import annotations

import datetime
import json
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def audit_problems(report: dict, exception: dict, today: datetime.date) -> list[str]:
    """What stops a release in a pip-audit JSON report, given the dated exception and today's date."""
    problems = [
        f"{dep['name']} {dep.get('version', '')}: {', '.join(vuln['id'] for vuln in dep['vulns'])}"
        for dep in report["dependencies"]
        if dep.get("vulns")
    ]
    skipped = sorted(dep["name"] for dep in report["dependencies"] if "skip_reason" in dep)
    until = datetime.date.fromisoformat(exception["unauditable-until"]) if exception else None
    if skipped and (until is None or today > until):
        expired = f"the exception expired on {until}" if until else "there is no exception"
        problems.append(
            f"pip-audit could not look up {len(skipped)} packages ({', '.join(skipped[:10])}) and {expired}: "
            "audit from a machine that reaches the vulnerability service, then renew or remove it"
        )
    return problems


def main() -> int:
    result = subprocess.run(
        [sys.executable, "-m", "pip_audit", "--progress-spinner", "off", "--format", "json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        print(result.stderr or result.stdout, file=sys.stderr)
        return 1
    exception = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["partnerhub"].get("pip-audit", {})
    problems = audit_problems(report, exception, datetime.datetime.now(tz=datetime.UTC).date())
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        skipped = sum("skip_reason" in dep for dep in report["dependencies"])
        excepted = f"; {skipped} not auditable here, allowed until {exception['unauditable-until']}" if skipped else ""
        print(f"pip-audit: {len(report['dependencies'])} packages, no known vulnerability{excepted}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
