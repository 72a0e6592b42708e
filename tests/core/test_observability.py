"""What production sees: /metrics behind its token, one request id from the header to the worker's log lines,
JSON logs, and Sentry only when a DSN is set."""

from __future__ import annotations

import io
import json
import logging
import os
import runpy
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.db import transaction
from django.utils import timezone
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from partnerhub.celery import app
from partnerhub.core import rls
from partnerhub.core.models import OutboundEmail
from partnerhub.core.observability.logs import JsonFormatter, RequestLogFilter
from partnerhub.core.outbox import outbound_email_queue_rendered

TOKEN = "scrape-token-for-tests-0123456789"  # noqa: S105 - a test's own value
BASE_SETTINGS = Path(django_settings.BASE_DIR) / "partnerhub" / "settings" / "base.py"


@app.task(name="tests.core.test_observability.fail_task")
def fail_task():
    raise RuntimeError("the task failed on purpose")


@pytest.fixture
def metrics_on(settings):
    settings.METRICS_TOKEN = TOKEN
    return settings


def _scrape(client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def _labels(**labels) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(labels.items()))


@contextmanager
def _log_lines(logger_name: str):
    """The JSON lines a handler configured as LOG_FORMAT=json configures it would write for this logger."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestLogFilter())
    logger = logging.getLogger(logger_name)
    logger.addHandler(handler)
    lines: list[dict] = []
    try:
        yield lines
    finally:
        logger.removeHandler(handler)
        lines.extend(json.loads(line) for line in stream.getvalue().splitlines())


# --- /metrics: off, then behind its token ------------------------------------------------------------------


def test_metrics_are_a_404_while_no_token_is_set(db, client, settings):
    settings.METRICS_TOKEN = ""

    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


def test_metrics_want_the_bearer_token(db, client, metrics_on):
    missing = client.get("/metrics")
    wrong = client.get("/metrics", headers={"Authorization": "Bearer not-the-token"})
    basic = client.get("/metrics", headers={"Authorization": f"Basic {TOKEN}"})

    assert (missing.status_code, wrong.status_code, basic.status_code) == (401, 401, 401)
    assert missing["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert b"partnerhub_" not in missing.content + wrong.content + basic.content


def test_requests_are_counted_by_route_and_status_class_with_their_queries(db, client, metrics_on):
    def before(name, **labels):
        return REGISTRY.get_sample_value(name, labels) or 0.0

    ok = before("partnerhub_http_requests_total", route="health", method="GET", status="2xx")
    missing = before("partnerhub_http_requests_total", route="<unmatched>", method="GET", status="4xx")
    queries = before("partnerhub_http_request_db_queries_sum", route="health")

    client.get("/health/")
    client.get("/health/")
    client.get(f"/no-such-page/{uuid.uuid4()}/")

    samples = _scrape(client)
    assert samples[("partnerhub_http_requests_total", _labels(route="health", method="GET", status="2xx"))] == ok + 2
    assert samples[("partnerhub_http_requests_total", _labels(route="<unmatched>", method="GET", status="4xx"))] == (
        missing + 1
    )
    assert samples[("partnerhub_http_request_db_queries_sum", _labels(route="health"))] >= queries + 2  # SELECT 1 each
    assert samples[("partnerhub_http_request_duration_seconds_count", _labels(route="health", status="2xx"))] >= 2
    assert not any("no-such-page" in str(labels) for _, labels in samples)  # routes, never raw paths


def test_the_outbox_lag_counts_every_tenants_unsent_email_and_the_oldest_age(client, metrics_on, provider, outsider):
    with transaction.atomic():
        for organization in (provider, outsider):
            outbound_email_queue_rendered(
                to="sam@contoso.example", template="test", subject="Hi", body_text="Hi", organization=organization
            )
    with rls.elevated("test"):
        OutboundEmail.objects.filter(organization=outsider).update(created_at=timezone.now() - timedelta(hours=1))
        OutboundEmail.objects.create(to="x@contoso.example", template="t", subject="s", body_text="b", status="sent")

    samples = _scrape(client)  # an anonymous request: no tenant context of its own

    assert samples[("partnerhub_outbox_unsent_emails", ())] == 2
    assert 3600 <= samples[("partnerhub_outbox_unsent_emails_oldest_age_seconds", ())] < 3600 + 60
    assert samples[("partnerhub_webhook_pending_deliveries", ())] == 0
    assert samples[("partnerhub_metrics_source_up", _labels(source="database"))] == 1


def test_the_celery_queue_length_and_task_failures_come_from_redis(db, client, metrics_on):
    queue = django_settings.CELERY_TASK_DEFAULT_QUEUE
    first = _scrape(client)
    queued = first[("partnerhub_celery_queue_length", _labels(queue=queue))]
    failures = first.get(("partnerhub_celery_task_failures_total", _labels(task=fail_task.name)), 0.0)

    fail_task.delay()  # no worker here: it waits in the broker
    fail_task.apply()  # run at once: fails, and task_failure counts it

    samples = _scrape(client)
    assert samples[("partnerhub_celery_queue_length", _labels(queue=queue))] == queued + 1
    assert samples[("partnerhub_celery_task_failures_total", _labels(task=fail_task.name))] == failures + 1
    assert samples[("partnerhub_metrics_source_up", _labels(source="redis"))] == 1


def test_with_a_multiprocess_directory_a_scrape_adds_up_every_worker_process(
    db, client, metrics_on, tmp_path, monkeypatch
):
    """gunicorn's workers each count their own requests: with PROMETHEUS_MULTIPROC_DIR the scrape, whichever
    worker answers it, reports the sum of all of them."""
    script = (
        "import django; django.setup(); from partnerhub.core.observability.metrics import REQUESTS; "
        "REQUESTS.labels('core:dashboard', 'GET', '2xx').inc()"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "partnerhub.settings.test",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
    }
    for _ in range(2):  # two worker processes, one request each
        subprocess.run(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", script], cwd=django_settings.BASE_DIR, env=env, check=True, timeout=60
        )
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))

    samples = _scrape(client)

    assert samples[("partnerhub_http_requests_total", _labels(route="core:dashboard", method="GET", status="2xx"))] == 2
    assert samples[("partnerhub_outbox_unsent_emails", ())] == 0  # the scrape-time figures are still there


def test_with_metrics_off_requests_are_not_counted(db, client, settings):
    settings.METRICS_TOKEN = ""
    labels = {"route": "healthz", "method": "GET", "status": "2xx"}
    before = REGISTRY.get_sample_value("partnerhub_http_requests_total", labels)

    client.get("/healthz/")

    assert REGISTRY.get_sample_value("partnerhub_http_requests_total", labels) == before


# --- one request id: header, logs, API, worker --------------------------------------------------------------


def test_a_json_log_line_carries_the_request_id_of_the_response(db, client):
    with _log_lines("django.request") as lines:
        response = client.get("/no-such-page/")

    assert response.status_code == 404
    request_id = response["X-Request-Id"]
    assert uuid.UUID(request_id)
    (line,) = [line for line in lines if "no-such-page" in line["message"]]
    assert (line["level"], line["logger"], line["request_id"]) == ("WARNING", "django.request", request_id)


def test_a_callers_uuid_is_kept_and_anything_else_replaced(db, client):
    theirs = str(uuid.uuid4())

    kept = client.get("/healthz/", headers={"X-Request-Id": theirs})
    replaced = client.get("/healthz/", headers={"X-Request-Id": "<script>" + "x" * 200})

    assert kept["X-Request-Id"] == theirs
    assert replaced["X-Request-Id"] != "<script>" + "x" * 200
    assert uuid.UUID(replaced["X-Request-Id"])


def test_the_api_answers_with_the_same_request_id(db, client):
    theirs = str(uuid.uuid4())

    response = client.get("/api/v1/customers", headers={"X-Request-Id": theirs})

    assert response.status_code == 401
    assert response["X-Request-Id"] == theirs
    assert response.json()["request_id"] == theirs


def test_signed_in_log_lines_name_the_acting_organization(admin_client, admin_member):
    with _log_lines("django.request") as lines:
        response = admin_client.get("/no-such-page/")

    (line,) = [line for line in lines if "no-such-page" in line["message"]]
    assert line["request_id"] == response["X-Request-Id"]
    assert line["organization_id"] == str(admin_member.organization_id)


@pytest.mark.worker
def test_a_task_the_request_enqueued_logs_the_requests_id(celery_worker, admin_client, admin_member, settings):
    # The SMTP server refuses: the worker logs the failed send, under the id of the request that queued it.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 1

    with _log_lines("partnerhub.core.outbox") as lines:
        response = admin_client.post(
            "/settings/users/invite/", {"email": "sam@contoso.example", "roles": ["sales_agent"]}
        )
        assert response.status_code == 302
        email = OutboundEmail.objects.get(to="sam@contoso.example")
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not OutboundEmail.objects.get(pk=email.pk).attempts:
            time.sleep(0.1)
        time.sleep(0.2)  # the warning follows the recorded attempt

    (line,) = [line for line in lines if "sending email" in line["message"]]
    assert line["request_id"] == response["X-Request-Id"]
    assert line["organization_id"] == str(admin_member.organization_id)


# --- Sentry ---------------------------------------------------------------------------------------------------


def test_sentry_is_initialised_with_the_dsn_when_one_is_set(monkeypatch):
    monkeypatch.setenv("SENTRY_DSN", "https://public@sentry.example/1")
    monkeypatch.setenv("SENTRY_ENVIRONMENT", "staging")
    monkeypatch.setenv("SENTRY_RELEASE", "partnerhub@1.2.3")

    with mock.patch("sentry_sdk.init") as init:
        runpy.run_path(str(BASE_SETTINGS))

    init.assert_called_once()
    options = init.call_args.kwargs
    assert (options["dsn"], options["environment"], options["release"]) == (
        "https://public@sentry.example/1",
        "staging",
        "partnerhub@1.2.3",
    )
    assert options["send_default_pii"] is False
    assert options["traces_sample_rate"] == 0.0
    assert {type(integration).__name__ for integration in options["integrations"]} == {
        "DjangoIntegration",
        "CeleryIntegration",
    }


def test_sentry_stays_off_without_a_dsn(monkeypatch):
    monkeypatch.delenv("SENTRY_DSN", raising=False)

    with mock.patch("sentry_sdk.init") as init:
        runpy.run_path(str(BASE_SETTINGS))

    init.assert_not_called()


def test_sentry_accepts_the_options_for_real(tmp_path):
    """No mock: the installed SDK takes every option (an unknown one, as 3.x makes `send_default_pii`, stops the
    process at start-up). In a process of its own, so that the integrations' patches stay out of this one."""
    script = (
        "import json, django, sentry_sdk; django.setup(); client = sentry_sdk.get_client(); "
        "print(json.dumps({**{k: client.options[k] for k in ('dsn', 'send_default_pii', 'traces_sample_rate', "
        "'environment')}, 'integrations': sorted(client.integrations)}))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "partnerhub.settings.test",
        "SENTRY_DSN": "https://public@127.0.0.1:9/1",
    }
    env.pop("SENTRY_ENVIRONMENT", None)

    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    options = json.loads(result.stdout.strip().splitlines()[-1])
    assert options["dsn"] == "https://public@127.0.0.1:9/1"
    assert (options["send_default_pii"], options["traces_sample_rate"], options["environment"]) == (
        False,
        0.0,
        "production",
    )
    assert {"django", "celery"} <= set(options["integrations"])
