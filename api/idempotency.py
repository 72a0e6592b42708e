"""`Idempotency-Key` on the API's creating calls (pretix's `views/idempotency.py`): the same key with the same
request answers what the first answered, a different request with the same key is refused (422).

The record is inserted first, in the call's transaction: a concurrent call with the same key blocks on the
unique index until the first commits, then reads its answer. A 5xx answer is not kept (the transaction rolls
back with the record), so a retry after a failure does the work."""

from __future__ import annotations

import hashlib
import json
from functools import wraps
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from rest_framework.response import Response

from .models import IdempotencyRecord
from .problems import problem

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200


def _fingerprint(request) -> str:
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def idempotent(method):
    """Wrap an API view's `post`: with the header, answer once per key; without it, just run."""

    @wraps(method)
    def wrapper(view, request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(HEADER, "")
        if not key:
            return method(view, request, *args, **kwargs)
        if len(key) > MAX_KEY_LENGTH or not key.isprintable():
            return problem(400, code="invalid_idempotency_key", field=HEADER, request=request,
                           detail=_("Idempotency-Key is at most 200 printable characters."))  # fmt: skip
        fingerprint = _fingerprint(request)
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    organization=request.organization, key=key, fingerprint=fingerprint, request_id=request.request_id
                )
        except IntegrityError:
            record = IdempotencyRecord.objects.get(organization=request.organization, key=key)
            if record.fingerprint != fingerprint:
                reused = _("This Idempotency-Key was used for a different request: use a new key.")
                return problem(422, code="idempotency_key_reused", field=HEADER, request=request, detail=reused)
            content_type = "application/problem+json" if (record.status_code or 0) >= 400 else None  # noqa: PLR2004
            replay = Response(record.response, status=record.status_code, content_type=content_type)
            replay["Idempotent-Replayed"] = "true"
            return replay
        try:
            response = method(view, request, *args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - the error's answer is the answer for this key too
            response = view.handle_exception(exc)
        if response.status_code >= 500:  # noqa: PLR2004 - not an answer to keep: the call's transaction rolls back
            return response
        record.status_code = response.status_code
        record.response = response.data
        record.save(update_fields=["status_code", "response"])
        return response

    return wrapper
