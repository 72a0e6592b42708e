"""Prometheus metrics at `/metrics`: what the benchmark measures, for production to watch.

Off unless METRICS_TOKEN is set: then `/metrics` answers a scrape that sends `Authorization: Bearer <token>`
and 401 to anything else; without the setting it is a 404 like any unknown page, and the middleware
records nothing.

Two kinds of figures:

- per process, kept by prometheus_client: requests by route and status class, their latency, and the
  queries and database time each request took (counted by a `connection.execute_wrapper`: the database
  backend stays Django's own, which the row-level security context is set on). Under gunicorn each worker
  process has its own; set PROMETHEUS_MULTIPROC_DIR (README, Deploy) and the scrape adds them up.
- read at scrape time, the same whichever process answers: the Celery queue lengths (Redis LLEN), the email
  outbox's and the webhooks' backlogs (counts and oldest age, read across tenants under the platform's
  named bypass: counts only, never a tenant's data), and task failures, counted in Redis by the worker
  processes (a prefork child's own counter would die with it and never be scraped).

Apps above the core add their backlogs with `register_backlog` (the webhooks' does, from api/apps.py):
the core reads no table of theirs.
"""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import connection
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

# Routes are URL names (`core:dashboard`), never raw paths: a path carries ids, one series each.
UNMATCHED = "<unmatched>"
_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

REQUESTS = Counter(
    "partnerhub_http_requests", "Requests answered, by route, method and status class.", ["route", "method", "status"]
)
LATENCY = Histogram(
    "partnerhub_http_request_duration_seconds",
    "Time to answer a request, by route and status class.",
    ["route", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
QUERIES = Histogram(
    "partnerhub_http_request_db_queries",
    "Database queries one request ran, by route.",
    ["route"],
    buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500),
)
DB_TIME = Histogram(
    "partnerhub_http_request_db_duration_seconds",
    "Time one request spent in database queries, by route.",
    ["route"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5),
)

# Task failures, one hash field per task name, in the broker's Redis.
TASK_FAILURES_KEY = "partnerhub:metrics:task_failures"


def enabled() -> bool:
    return bool(settings.METRICS_TOKEN)


# --- per request -----------------------------------------------------------------------------------------


class _QueryTally:
    """A `connection.execute_wrapper`: counts the request's queries and the time they took."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.count += 1
            self.seconds += time.perf_counter() - started


def _route(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return UNMATCHED
    return match.view_name or match.route or UNMATCHED


class MetricsMiddleware:
    """Outermost but the request id: times the whole answer and counts the queries made on the way."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not enabled():
            return self.get_response(request)
        tally = _QueryTally()
        started = time.perf_counter()
        with connection.execute_wrapper(tally):
            response = self.get_response(request)
        elapsed = time.perf_counter() - started
        route = _route(request)
        status = f"{response.status_code // 100}xx"
        method = request.method if request.method in _METHODS else "other"
        REQUESTS.labels(route, method, status).inc()
        LATENCY.labels(route, status).observe(elapsed)
        QUERIES.labels(route).observe(tally.count)
        DB_TIME.labels(route).observe(tally.seconds)
        return response


# --- read at scrape time ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Backlog:
    """Work waiting in a table: how many rows, and since when the oldest waits (None: no row)."""

    count: int
    oldest: datetime | None


_backlogs: dict[str, tuple[str, Callable[[], Backlog]]] = {}


def register_backlog(name: str, description: str, read: Callable[[], Backlog]) -> None:
    """Expose `partnerhub_<name>` (rows waiting) and `partnerhub_<name>_oldest_age_seconds` at every scrape.

    `read` runs under the platform's named bypass (`rls.elevated("metrics")`): it must return counts only."""
    _backlogs[name] = (description, read)


def _celery_queues() -> list[str]:
    queues = {settings.CELERY_TASK_DEFAULT_QUEUE}
    queues.update(getattr(settings, "CELERY_TASK_QUEUES", None) or ())
    return sorted(str(getattr(queue, "name", queue)) for queue in queues)


def _redis():
    import redis

    return redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=2, socket_timeout=2)


def _queue_length(client, queue: str) -> int:
    """Kombu's Redis transport keeps a queue as a list, and messages with a priority in sibling lists."""
    names = [queue] + [f"{queue}\x06\x16{priority}" for priority in (3, 6, 9)]
    with client.pipeline(transaction=False) as pipe:
        for name in names:
            pipe.llen(name)
        return sum(pipe.execute())


class BacklogCollector(Collector):
    """The figures read at each scrape. A source that fails (Redis or the database down) is left out of
    that scrape and `partnerhub_metrics_source_up` says which, so the other figures still arrive."""

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        up = GaugeMetricFamily(
            "partnerhub_metrics_source_up", "1 when the source answered this scrape.", labels=["source"]
        )
        for source, families in (("redis", self._redis_figures), ("database", self._database_figures)):
            try:
                collected = list(families())
            except Exception:  # a boundary: report it down, never fail the scrape
                logger.warning("metrics: could not read %s", source, exc_info=True)
                up.add_metric([source], 0)
                continue
            up.add_metric([source], 1)
            yield from collected
        yield up

    def _redis_figures(self) -> Iterable[GaugeMetricFamily | CounterMetricFamily]:
        client = _redis()
        try:
            queued = GaugeMetricFamily(
                "partnerhub_celery_queue_length", "Tasks waiting in the broker, by queue.", labels=["queue"]
            )
            for queue in _celery_queues():
                queued.add_metric([queue], _queue_length(client, queue))
            failures = CounterMetricFamily(
                "partnerhub_celery_task_failures", "Tasks that raised, by task name, across workers.", labels=["task"]
            )
            for task, count in sorted(client.hgetall(TASK_FAILURES_KEY).items()):
                failures.add_metric([task.decode()], int(count))
        finally:
            client.close()
        return [queued, failures]

    def _database_figures(self) -> Iterable[GaugeMetricFamily]:
        from .. import rls

        now = timezone.now()
        families = []
        with rls.elevated("metrics"):  # every tenant's rows, counted; read-only
            for name, (description, read) in sorted(_backlogs.items()):
                backlog = read()
                families.append(GaugeMetricFamily(f"partnerhub_{name}", description, value=backlog.count))
                age = (now - backlog.oldest).total_seconds() if backlog.oldest is not None else 0.0
                families.append(
                    GaugeMetricFamily(
                        f"partnerhub_{name}_oldest_age_seconds",
                        f"Age of the oldest of them (0 when there is none). {description}",
                        value=max(age, 0.0),
                    )
                )
        return families


def _outbox_backlog() -> Backlog:
    from django.db.models import Count, Min

    from ..models import OutboundEmail

    figures = OutboundEmail.objects.filter(status=OutboundEmail.Status.QUEUED).aggregate(
        count=Count("pk"), oldest=Min("created_at")
    )
    return Backlog(count=figures["count"], oldest=figures["oldest"])


register_backlog(
    "outbox_unsent_emails", "Emails queued in the outbox, not sent yet (retries included).", _outbox_backlog
)


def _registry() -> CollectorRegistry:
    """This process's metrics, or every process's (PROMETHEUS_MULTIPROC_DIR set: gunicorn's workers)."""
    import os

    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    from prometheus_client import multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


def _authorized(request) -> bool:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    expected = settings.METRICS_TOKEN
    return scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(), expected.encode())


@require_GET
def metrics_view(request):
    """The scrape. 404 while metrics are off (nothing to find); 401 with a missing or wrong token, so that a
    scrape set up with the wrong secret says so in Prometheus' target page instead of looking like a wrong URL.
    The path itself is no secret (every exporter uses it), the token is."""
    if not enabled():
        raise Http404
    if not _authorized(request):
        response = HttpResponse("A bearer token is required.\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    scraped = CollectorRegistry(auto_describe=False)
    scraped.register(BacklogCollector())
    body = generate_latest(_registry()) + generate_latest(scraped)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)


# --- Celery: failures counted in Redis --------------------------------------------------------------------


def _task_failed(sender=None, **kwargs) -> None:
    name = getattr(sender, "name", None) or "unknown"
    try:
        client = _redis()
        try:
            client.hincrby(TASK_FAILURES_KEY, name, 1)
        finally:
            client.close()
    except Exception:  # the broker is a boundary: a lost count must not hide the task's own error
        logger.warning("metrics: could not count the failure of %s", name, exc_info=True)


def connect_celery_signals() -> None:
    from celery.signals import task_failure

    task_failure.connect(_task_failed, weak=False, dispatch_uid="partnerhub.metrics.task_failure")
