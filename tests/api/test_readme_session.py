"""README's curl sessions, run as written: `bash` and `curl` against a live server, with a provider's API client
and then its reseller's (the issue's "done when": everything the README session shows, from curl)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from partnerhub.accounts.models import Membership, Role
from tests.api.calls import api_for

pytestmark = pytest.mark.django_db(transaction=True)

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def _sessions() -> list[str]:
    section = README[README.index("## The API") : README.index("### Webhooks")]
    return re.findall(r"```sh\n(.*?)```", section, re.S)


def _run(script: str, base: str, client_id: str, secret: str) -> str:
    env = {"PATH": "/usr/bin:/bin", "BASE": base, "CLIENT_ID": client_id, "CLIENT_SECRET": secret}
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], env=env, capture_output=True, text=True,
                          timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def _documents(text: str) -> list:
    """The JSON bodies curl printed one after the other (curl adds no newline)."""
    decoder, found, at = json.JSONDecoder(), [], 0
    while at < len(text):
        if text[at].isspace():
            at += 1
            continue
        document, at = decoder.raw_decode(text, at)
        found.append(document)
    return found


def _orders(output: str) -> list[tuple[str, dict]]:
    """The order answers of the provider's session: (headers, body) per attempt."""
    answers = []
    for block in re.split(r"(?=HTTP/1\.[01] )", output):
        if block.startswith("HTTP/1."):
            headers, _, body = block.partition("\n\n")  # text mode: curl's CRLFs read as newlines
            answers.append((headers, json.loads(body)))
    return answers


def test_the_readme_sessions_work_from_curl(live_server, customer, seller):
    provider_session, reseller_session = _sessions()
    provider, provider_admin, reseller, reseller_user = seller
    erp = api_for(Membership.objects.get(organization=provider, user=provider_admin), name="ERP")
    psa = api_for(Membership.objects.get(organization=reseller, user=reseller_user), roles=[Role.GLOBAL_ADMIN],
                  name="PSA")  # fmt: skip

    output = _run(provider_session, live_server.url, erp.client.client_id, erp.secret)

    listing = json.JSONDecoder().raw_decode(output)[0]
    assert listing["items"][0]["company_name"] == "Woodgrove Foods Inc."
    (first_headers, first), (again_headers, again) = _orders(output)
    assert first_headers.split()[1] == "201"
    assert again_headers.split()[1] == "201"  # the first answer, replayed
    assert "Idempotent-Replayed: true" in again_headers
    assert again["id"] == first["id"]

    output = _run(reseller_session, live_server.url, psa.client.client_id, psa.secret)

    subscriptions, refusal = _documents(output)
    assert {item["customer"] for item in subscriptions["items"]} == {listing["items"][0]["id"]}
    assert (refusal["status"], refusal["code"]) == (403, "not_seller")
