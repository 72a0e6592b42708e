"""README: the architecture diagram names the apps that exist, and the Deploy section covers the deploy path.

The diagram once showed "next: customers, subscriptions" long after both shipped.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.apps import apps

from tests.deploy import image

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def _section(title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## )", README, re.S | re.M)
    assert match, f"README has no '## {title}' section"
    return match.group(1)


def test_the_architecture_diagram_shows_every_app_and_no_future_one():
    diagram = re.search(r"```mermaid\n(.*?)```", _section("How it is built"), re.S).group(1)
    nodes = set(re.findall(r"\[(\w+):", diagram))
    root = Path(__file__).resolve().parents[2]
    project = {
        config.name.rsplit(".", 1)[-1]
        for config in apps.get_app_configs()
        if Path(config.path).is_relative_to(root) and ".venv" not in Path(config.path).relative_to(root).parts
    }

    assert project <= nodes, f"apps missing from the diagram: {sorted(project - nodes)}"
    assert "next:" not in diagram


def test_the_deploy_section_covers_each_step_a_deployer_takes():
    deploy = _section("Deploy")

    for needed in (
        "NOSUPERUSER NOBYPASSRLS",  # the app role on a managed PostgreSQL
        "DATABASE_OWNER_URL",  # migrate as the owner
        "collectstatic",
        image.dockerfile_env()["MEDIA_ROOT"],  # the media volume, where the image has it
        "SECURE_PROXY_SSL_HEADER",
        "--forwarded-allow-ips",
        "exactly one beat",
        "pool_mode = transaction",
        "set_config(…, true)",
    ):
        assert needed in deploy, f"README Deploy does not mention {needed}"
