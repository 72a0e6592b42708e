"""No test depends on the calendar: none compares today's date with a fixed one outside a frozen clock.

The pip-audit test once failed by itself on the day its dated exception expired, with no change to the code.
This reads every test module and flags a comparison between a clock reading (`date.today()`,
`datetime.now()`, `timezone.now()`, `time.time()`) and a fixed date (a `date(2026, …)` literal, or a name
bound to one or to `fromisoformat(…)`), unless the test freezes the clock (time-machine).
"""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
CLOCKS = {"today", "now", "utcnow", "time"}
FIXED = {"date", "datetime", "fromisoformat", "strptime"}


def _called(node: ast.AST, names: set[str]) -> bool:
    return any(
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute | ast.Name)
        and (call.func.attr if isinstance(call.func, ast.Attribute) else call.func.id) in names
        and (names is CLOCKS or call.args)  # date(2026, 12, 21) or fromisoformat(…), not date() or now()
        for call in ast.walk(node)
    )


def time_bombs(source: str, filename: str = "<test>") -> list[str]:
    """`file:line` of each comparison of the clock with a fixed date in the test functions of `source`."""
    found = []
    for function in ast.walk(ast.parse(source, filename)):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef) or not function.name.startswith("test"):
            continue
        if "time_machine" in ast.unparse(function) or "travel" in ast.unparse(function):
            continue  # the clock is frozen: the comparison gives the same answer every day
        fixed_names = {
            target.id
            for node in ast.walk(function)
            if isinstance(node, ast.Assign) and _called(node.value, FIXED)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        for compare in (node for node in ast.walk(function) if isinstance(node, ast.Compare)):
            sides = [compare.left, *compare.comparators]
            clock = any(_called(side, CLOCKS) for side in sides)
            fixed = any(
                _called(side, FIXED) or any(isinstance(n, ast.Name) and n.id in fixed_names for n in ast.walk(side))
                for side in sides
            )
            if clock and fixed:
                found.append(f"{filename}:{compare.lineno}")
    return found


def test_the_old_pip_audit_test_is_recognised_as_a_time_bomb():
    source = """
def test_audit():
    until = datetime.date.fromisoformat(exception["unauditable-until"])
    assert not skipped or datetime.datetime.now(tz=datetime.UTC).date() <= until
"""
    frozen = "@time_machine.travel('2026-01-01')\n" + source.replace("def test_audit", "def test_audit_frozen")

    assert time_bombs(source) == ["<test>:4"]
    assert time_bombs(frozen) == []


def test_no_test_compares_the_clock_with_a_fixed_date():
    found = [
        hit
        for path in sorted(TESTS.rglob("test_*.py"))
        for hit in time_bombs(path.read_text(), str(path.relative_to(TESTS)))
    ]

    assert found == [], "a test compares today's date with a fixed one; freeze the clock with time-machine"
