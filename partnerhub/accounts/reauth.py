"""How recently the user proved who they are (sign-in or re-authentication), from allauth's records."""

from __future__ import annotations

import time

from allauth.account.internal.flows.login import get_authentication_records


def seconds_since_authentication(request) -> float:
    """Seconds since the last password, code or re-authentication in this session (inf if unknown)."""
    records = get_authentication_records(request, request.user)
    moments = [record.get("at") for record in records if isinstance(record.get("at"), int | float)]
    return time.time() - max(moments) if moments else float("inf")
