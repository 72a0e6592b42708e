"""The Dockerfile and docker-compose.yml as a deployer's machine reads them (no Docker engine needed)."""

from __future__ import annotations

import fnmatch
import re
import shlex
import shutil
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def dockerfile_lines() -> list[str]:
    """The Dockerfile's instructions, continuation lines joined, comments dropped."""
    joined, current = [], ""
    for raw in (ROOT / "Dockerfile").read_text().splitlines():
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        joined.append(current + line)
        current = ""
    return joined


def dockerfile_env() -> dict[str, str]:
    """Every `ENV key=value` of the image."""
    env = {}
    for line in dockerfile_lines():
        if line.upper().startswith("ENV "):
            for pair in shlex.split(line[4:]):
                key, _, value = pair.partition("=")
                env[key] = value
    return env


def dockerfile_user() -> str:
    """The user the image's processes run as (the last USER)."""
    users = [line.split()[1] for line in dockerfile_lines() if line.upper().startswith("USER ")]
    assert users, "the Dockerfile never leaves root"
    return users[-1]


def dockerfile_runs() -> list[str]:
    return [line[4:] for line in dockerfile_lines() if line.upper().startswith("RUN ")]


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _interpolate(value: str) -> str:
    """Compose's `${VAR:-default}` with nothing exported: the default; `$$` is a literal `$`."""
    value = re.sub(r"\$\{[A-Za-z_][A-Za-z0-9_]*:?-([^}]*)\}", r"\1", value)
    return value.replace("$$", "$")


def service_environment(service: str) -> dict[str, str]:
    environment = compose()["services"][service].get("environment") or {}
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)
    return {key: _interpolate(str(value)) for key, value in environment.items()}


def service_command(service: str) -> list[str]:
    command = compose()["services"][service]["command"]
    return [_interpolate(part) for part in (shlex.split(command) if isinstance(command, str) else command)]


def service_volumes(service: str) -> dict[str, str]:
    """{target path: source} of a service's mounts (short or long syntax)."""
    mounts = {}
    for volume in compose()["services"][service].get("volumes") or []:
        if isinstance(volume, str):
            source, target = volume.split(":")[:2]
        else:
            source, target = volume.get("source", ""), volume["target"]
        mounts[target] = source
    return mounts


def app_services() -> list[str]:
    """The services that run the image built from this checkout."""
    return [name for name, service in compose()["services"].items() if "build" in service]


def copy_build_context(destination: Path) -> None:
    """What `COPY . .` puts in /app: the checkout minus .dockerignore's patterns."""
    patterns = [
        line.strip().removeprefix("**/").rstrip("/")
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]

    def ignore(directory: str, names: list[str]) -> set[str]:
        relative = Path(directory).relative_to(ROOT)
        return {
            name
            for name in names
            if any(fnmatch.fnmatch(name, p) or fnmatch.fnmatch(str(relative / name), p) for p in patterns)
        }

    shutil.copytree(ROOT, destination, ignore=ignore, symlinks=True)
