"""Request ids in every log line: the request's, and in the worker the id of the request that enqueued the task.

One id per request, made by `RequestIdMiddleware` (or taken from a sane incoming `X-Request-Id`), kept on
`request.request_id` (the API's views, its problem documents and its call log use the same one) and in a
context variable that `RequestLogFilter` reads for every record. The id travels with the Celery messages the
request publishes, including those sent when its transaction commits (the outbox's and the webhooks'
`on_commit` hand-offs run inside the request), as a message header the worker restores before the task runs.
A task enqueued by another task keeps the id; beat's and the sweeps' tasks have none.
"""

from __future__ import annotations

import json
import logging
import uuid
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.signals import request_finished

REQUEST_ID_HEADER = "X-Request-Id"
# The Celery message headers the ids travel in (a task's own arguments stay as they are).
_ID_HEADER = "partnerhub_request_id"
_ORGANIZATION_HEADER = "partnerhub_organization_id"


@dataclass
class LogContext:
    """What the records of one request or one task are tagged with. `request` is read when a record is
    made, so the organization the request acts for shows once the tenant middleware has set it."""

    request_id: uuid.UUID
    organization_id: Any = None
    request: Any = None

    @property
    def organization(self) -> Any:
        if self.request is not None:
            return getattr(self.request, "rls_organization_id", None) or self.organization_id
        return self.organization_id


_current: ContextVar[LogContext | None] = ContextVar("partnerhub_log_context", default=None)


def current_request_id() -> uuid.UUID | None:
    context = _current.get()
    return context.request_id if context is not None else None


def incoming_request_id(value: str | None) -> uuid.UUID | None:
    """A caller's X-Request-Id when it is a UUID (a load balancer's or a client's), so its logs and ours
    line up; anything else (too long, not a UUID) is ignored: the id is stored in the API's call log as a UUID,
    and a log line must not carry what a client chose to put there."""
    if not value or len(value) > 36:  # noqa: PLR2004 - the canonical form of a UUID
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


class RequestIdMiddleware:
    """First in the chain: the request's id, in `request.request_id`, the log records and the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = incoming_request_id(request.headers.get(REQUEST_ID_HEADER)) or uuid.uuid4()
        request.request_id = request_id
        # Kept until the response is closed (`_request_finished`), not reset on the way out: Django logs the
        # 4xx and 5xx a view returned ("Not Found: …", django.request) after the middleware have run.
        _current.set(LogContext(request_id=request_id, request=request))
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = str(request_id)
        return response


def _request_finished(**kwargs) -> None:
    """The server closed the response: what is logged next in this thread belongs to no request."""
    _current.set(None)


request_finished.connect(_request_finished, dispatch_uid="partnerhub.logs.request_finished")


class RequestLogFilter(logging.Filter):
    """Adds `request_id` and `organization_id` to every record (None outside a request or a task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = _current.get()
        if not hasattr(record, "request_id"):
            record.request_id = str(context.request_id) if context is not None else None
        if not hasattr(record, "organization_id"):
            organization = context.organization if context is not None else None
            record.organization_id = str(organization) if organization is not None else None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for a log pipeline to index (LOG_FORMAT=json).

    The message is formatted with its arguments, as the plain format prints it; `extra` fields a caller
    passes are kept when they are JSON-able."""

    _STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
            "organization_id": getattr(record, "organization_id", None),
        }
        for key, value in vars(record).items():
            if key not in self._STANDARD and key not in entry:
                entry[key] = value if isinstance(value, str | int | float | bool | type(None)) else repr(value)
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


# --- Celery: the id travels in the message headers ------------------------------------------------------


def _task_published(headers=None, **kwargs) -> None:
    context = _current.get()
    if context is None or headers is None:
        return
    headers[_ID_HEADER] = str(context.request_id)
    organization = context.organization
    if organization is not None:
        headers[_ORGANIZATION_HEADER] = str(organization)


def _header(request, name: str) -> str | None:
    value = getattr(request, name, None)  # custom headers become attributes of the task's request…
    if value is None:
        value = (getattr(request, "headers", None) or {}).get(name)  # …or stay in its headers
    return value


def _task_started(task=None, **kwargs) -> None:
    request_id = incoming_request_id(_header(task.request, _ID_HEADER))
    if request_id is None:
        task.request.log_context_token = None
        return
    context = LogContext(request_id=request_id, organization_id=_header(task.request, _ORGANIZATION_HEADER))
    task.request.log_context_token = _current.set(context)


def _task_finished(task=None, **kwargs) -> None:
    token = getattr(task.request, "log_context_token", None)
    if token is not None:
        task.request.log_context_token = None
        try:
            _current.reset(token)
        except ValueError:  # set in another context (a thread pool): clear instead
            _current.set(None)


def _worker_logging(logger=None, **kwargs) -> None:
    """With LOG_FORMAT=json the worker's and beat's handlers, which Celery set up, write JSON too."""
    from django.conf import settings

    if getattr(settings, "LOG_FORMAT", "plain") != "json" or logger is None:
        return
    for handler in logger.handlers:
        handler.setFormatter(JsonFormatter())
        handler.addFilter(RequestLogFilter())


def connect_celery_signals() -> None:
    from celery.signals import before_task_publish, task_postrun, task_prerun

    before_task_publish.connect(_task_published, weak=False, dispatch_uid="partnerhub.logs.before_task_publish")
    task_prerun.connect(_task_started, weak=False, dispatch_uid="partnerhub.logs.task_prerun")
    task_postrun.connect(_task_finished, weak=False, dispatch_uid="partnerhub.logs.task_postrun")


def connect_celery_logging() -> None:
    """Called by the Celery app's module: Celery sets up the worker's logging before Django's apps are ready."""
    from celery.signals import after_setup_logger, after_setup_task_logger

    after_setup_logger.connect(_worker_logging, weak=False, dispatch_uid="partnerhub.logs.after_setup_logger")
    after_setup_task_logger.connect(_worker_logging, weak=False, dispatch_uid="partnerhub.logs.after_setup_task")
