"""A personal link exists only once, in the response that created it. The draft page that shows it (to
copy, open in email or send) keeps the raw token in the session; a few drafts at most are kept."""

from __future__ import annotations

KEEP = 10


def draft_remember(request, kind: str, pk: int, token: str) -> None:
    drafts = request.session.get(kind, {})
    drafts[str(pk)] = token
    request.session[kind] = dict(list(drafts.items())[-KEEP:])


def draft_token(request, kind: str, pk: int) -> str | None:
    return request.session.get(kind, {}).get(str(pk))
