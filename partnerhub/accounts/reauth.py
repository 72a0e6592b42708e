"""How recently the user proved who they are (sign-in or re-authentication), from allauth's records."""

from __future__ import annotations

import time

from allauth.account.internal.flows.login import get_authentication_records

# When this session signed in, whichever way (password, code, or the email-confirmation link that signs a new
# user in): allauth records the methods it checked, not a sign-in through the confirmation link.
SIGNED_IN_AT = "partnerhub_signed_in_at"


def seconds_since_authentication(request, *, count_sign_in: bool = False) -> float:
    """Seconds since the last password, code or re-authentication in this session (inf if unknown).

    `count_sign_in` also counts the sign-in itself, however it happened: enough for setting up two-step
    sign-in (the adapter), not for signing the partner agreement, which wants a password or code typed."""
    records = get_authentication_records(request, request.user)
    moments = [record.get("at") for record in records if isinstance(record.get("at"), int | float)]
    signed_in_at = request.session.get(SIGNED_IN_AT)
    if count_sign_in and isinstance(signed_in_at, int | float):
        moments.append(signed_in_at)
    return time.time() - max(moments) if moments else float("inf")
