"""The floors of the house: every first-party import points down (or sideways within one package), never up.

    partnerhub.core < partnerhub.accounts < enrollment < agreements < relationships < customers
    < partnerhub.portal < api < the project's wiring (partnerhub: settings, urls, celery)
    < the demo seed and the harness (demo, bench)

Every first-party .py file is parsed with `ast` (nothing is imported), and every import statement counts:
at module level, inside a function (the lazy import that hides a cycle) and under `if TYPE_CHECKING:`.
Modules on no floor (tests, deploy scripts, manage.py) may import anything, and nothing on a floor may
import them. `python tests/core/test_layering.py` prints the findings.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SKIPPED_DIRECTORIES = {".venv", ".data", ".git", "node_modules", "static", "locale", "templates", "__pycache__"}

# Lowest first. A package on a floor is a prefix of module names; the longest prefix wins.
FLOORS: list[tuple[str, ...]] = [
    ("partnerhub.core",),
    ("partnerhub.accounts",),
    ("enrollment",),
    ("agreements",),
    ("relationships",),
    ("customers",),
    ("access",),  # admin relationships: the roles a partner's users hold in a customer's account
    ("transfers",),  # partner-to-partner transfers; the direct-bill move's customers
    ("billing",),  # price lists, rated charges, invoices, payments and credit between the tiers
    ("partnerhub.portal",),
    ("api",),  # the REST API and webhooks: thin views over every app's services and selectors
    ("partnerhub",),  # the wiring: settings, the URL map, the Celery app, the embedded services
    ("demo", "bench"),  # the demo seed and the harness (load, chaos, seeding): above every app
]
FLOOR_OF = {package: level for level, packages in enumerate(FLOORS) for package in packages}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def first_party_files() -> dict[str, Path]:
    """Module name → file, for every .py file of the project."""
    files = {}
    for path in sorted(ROOT.rglob("*.py")):
        if SKIPPED_DIRECTORIES.intersection(path.relative_to(ROOT).parts):
            continue
        files[_module_name(path)] = path
    return files


def package_of(module: str) -> str | None:
    """The floored package a module belongs to (`partnerhub.core.rls` → `partnerhub.core`), or None."""
    parts = module.split(".")
    for length in range(len(parts), 0, -1):
        prefix = ".".join(parts[:length])
        if prefix in FLOOR_OF:
            return prefix
    return None


def imports_of(module: str, path: Path, top_level: set[str]) -> list[tuple[int, str]]:
    """(line, imported first-party module) for every import statement anywhere in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the importing module's package
                base = module.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                stem = ".".join([*base, node.module] if node.module else base)
            else:
                stem = node.module or ""
            # `from a import b` may import the module a.b: count it as a.b so b's floor decides.
            names = [f"{stem}.{alias.name}" for alias in node.names if alias.name != "*"] or [stem]
        else:
            continue
        found.extend((node.lineno, name) for name in names if name.split(".")[0] in top_level)
    return found


def findings() -> tuple[list[str], list[list[str]]]:
    """The upward imports (as readable lines) and the cycles between packages."""
    files = first_party_files()
    top_level = {name.split(".")[0] for name in files}
    upward = []
    graph: dict[str, set[str]] = {}
    for module, path in files.items():
        source = package_of(module)
        for line, name in imports_of(module, path, top_level):
            target = package_of(name)
            where = f"{path.relative_to(ROOT)}:{line}"
            if source is None or target == source:
                continue  # tests and scripts may import anything; a package may import itself
            if target is None:
                upward.append(f"{where}: {module} ({source}) imports {name}, which is on no floor")
                continue
            graph.setdefault(source, set()).add(target)
            if FLOOR_OF[target] > FLOOR_OF[source]:
                upward.append(f"{where}: {module} ({source}) imports {name} ({target}), a higher floor")
    return upward, _cycles(graph)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every elementary cycle's smallest rotation, found by depth-first search from each package in turn."""
    cycles = set()

    def visit(start: str, node: str, path: list[str]) -> None:
        for successor in sorted(graph.get(node, ())):
            if successor == start:
                cycles.add(tuple(path))
            elif successor not in path and successor > start:
                visit(start, successor, [*path, successor])

    for start in sorted(graph):
        visit(start, start, [start])
    return [[*cycle, cycle[0]] for cycle in sorted(cycles)]


def test_no_floor_imports_a_higher_one():
    upward, _ = findings()
    assert upward == [], "imports from a lower floor to a higher one:\n" + "\n".join(upward)


def test_no_cycle_between_packages():
    _, cycles = findings()
    assert cycles == [], "import cycles between packages:\n" + "\n".join(" → ".join(c) for c in cycles)


def test_the_scan_sees_the_project():
    """Guards the two tests above against passing because they read nothing."""
    files = first_party_files()
    assert "partnerhub.core.rls" in files
    assert "customers" in files
    assert package_of("partnerhub.core.rls") == "partnerhub.core"
    assert package_of("partnerhub.coreish") == "partnerhub"
    assert package_of("tests.core") is None
    upward, _ = findings()
    assert not any("tests/core/test_layering.py" in line for line in upward)


if __name__ == "__main__":
    upward, cycles = findings()
    print("\n".join(upward) or "no upward import")
    print("\n".join(" → ".join(c) for c in cycles) or "no cycle")
    sys.exit(1 if upward or cycles else 0)
