"""`make run` on the Pythons current distributions ship: 3.11 to 3.13, found on PATH, or a clear message.

`requires-python` once said `<3.12`, so on a distribution whose python3 is 3.12 or 3.13 `make run` died in
pip. These tests run the Makefile's interpreter lookup (deploy/find-python) with fake interpreters on PATH.
"""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[2]
FIND_PYTHON = ROOT / "deploy" / "find-python"
SHIM = """#!/bin/sh
case "$*" in
  *version_info*) echo {version} ;;
  *"import venv"*) exit {venv_status} ;;
  "-m venv "*) echo "{name}: venv created in $3"; exit 0 ;;
  *) exit 1 ;;
esac
"""


def _fake_bin(tmp_path: Path, *pythons: tuple[str, str] | tuple[str, str, bool]) -> Path:
    """A PATH directory with `sh` and fake interpreters: (name, version[, has the venv module])."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "sh").symlink_to(shutil.which("sh"))
    for name, version, *venv in pythons:
        shim = bin_dir / name
        shim.write_text(SHIM.format(version=version, name=name, venv_status=0 if (venv or [True])[0] else 1))
        shim.chmod(0o755)
    return bin_dir


def _find(bin_dir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [shutil.which("sh"), str(FIND_PYTHON), *args],
        env={"PATH": str(bin_dir)},
        capture_output=True,
        text=True,
        timeout=30,
    )


@pytest.mark.parametrize("version", ["3.11", "3.12", "3.13"])
def test_a_python3_of_a_supported_version_is_used(tmp_path, version):
    bin_dir = _fake_bin(tmp_path, ("python3", version))

    result = _find(bin_dir)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(bin_dir / "python3")


def test_a_versioned_interpreter_with_the_embedded_servers_wheels_is_preferred(tmp_path):
    bin_dir = _fake_bin(tmp_path, ("python3", "3.13"), ("python3.13", "3.13"), ("python3.12", "3.12"))

    assert _find(bin_dir).stdout.strip() == str(bin_dir / "python3.12")


@pytest.mark.parametrize("version", ["3.10", "3.14", "2.7"])
def test_no_supported_python_says_what_to_install(tmp_path, version):
    bin_dir = _fake_bin(tmp_path, ("python3", version))

    result = _find(bin_dir)

    assert result.returncode == 1
    assert result.stdout == ""
    assert (
        f"PartnerHub needs Python 3.11, 3.12 or 3.13 with its venv module; found: python3 ({version})." in result.stderr
    )
    assert "apt-get install python3.12 python3.12-venv" in result.stderr
    assert "make run PYTHON=" in result.stderr


def test_an_interpreter_without_the_venv_module_is_skipped_with_the_package_to_install(tmp_path):
    bin_dir = _fake_bin(tmp_path, ("python3.12", "3.12", False), ("python3", "3.11"))

    result = _find(bin_dir)

    assert result.stdout.strip() == str(bin_dir / "python3")
    assert "python3.12 (3.12) has no venv module: install python3.12-venv" in result.stderr


def test_make_builds_the_venv_with_the_interpreter_found(tmp_path):
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    for name in ("Makefile", "pyproject.toml", "deploy/find-python"):
        (checkout / name).parent.mkdir(exist_ok=True)
        shutil.copy(ROOT / name, checkout / name)
    bin_dir = _fake_bin(tmp_path, ("python3", "3.10"), ("python3.13", "3.13"))

    result = subprocess.run(
        [shutil.which("make"), "install"], cwd=checkout, env={"PATH": str(bin_dir)}, capture_output=True, text=True
    )

    assert f"Creating .venv with {bin_dir / 'python3.13'}" in result.stdout
    assert "python3.13: venv created in .venv" in result.stdout


def test_make_without_a_supported_python_stops_before_pip_with_the_message(tmp_path):
    checkout = tmp_path / "checkout"
    (checkout / "deploy").mkdir(parents=True)
    for name in ("Makefile", "pyproject.toml", "deploy/find-python"):
        shutil.copy(ROOT / name, checkout / name)
    bin_dir = _fake_bin(tmp_path, ("python3", "3.10"))

    result = subprocess.run(
        [shutil.which("make"), "run"], cwd=checkout, env={"PATH": str(bin_dir)}, capture_output=True, text=True
    )

    assert result.returncode != 0
    assert "PartnerHub needs Python 3.11, 3.12 or 3.13" in result.stderr
    assert "pip" not in result.stdout + result.stderr.split("PartnerHub needs", 1)[0]


def test_requires_python_admits_every_version_the_lookup_accepts_and_ruff_targets_the_oldest():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    supported = SpecifierSet(project["project"]["requires-python"])

    assert [v for v in ("3.10", "3.11", "3.12", "3.13", "3.14") if v in supported] == ["3.11", "3.12", "3.13"]
    assert project["tool"]["ruff"]["target-version"] == "py311"
