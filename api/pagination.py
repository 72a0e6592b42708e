"""Cursor pagination (Partner Center's seek-based paging): an opaque cursor, never an offset on a table that
changes under the reader. `{"items": [...], "next": url | null, "previous": url | null}` plus a `Link` header."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ParseError
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response


class Cursor(CursorPagination):
    page_size = 50
    page_size_query_param = "limit"
    max_page_size = 200
    ordering = "-pk"
    invalid_cursor_message = _("The cursor is not one this API gave: start again without it.")

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except Exception as exc:  # DRF answers 404 for a bad cursor; it is the client's input: 400
            raise ParseError(self.invalid_cursor_message) from exc

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
            raise ParseError(_("`limit` is a whole number from 1 to %(max)s.") % {"max": self.max_page_size})
        return int(raw)

    def get_paginated_response(self, data) -> Response:
        links = [
            f'<{url}>; rel="{rel}"'
            for rel, url in (("next", self.get_next_link()), ("prev", self.get_previous_link()))
            if url
        ]
        headers = {"Link": ", ".join(links)} if links else None
        return Response(
            {"items": data, "next": self.get_next_link(), "previous": self.get_previous_link()}, headers=headers
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["items", "next", "previous"],
            "properties": {
                "items": schema,
                "next": {"type": ["string", "null"], "format": "uri"},
                "previous": {"type": ["string", "null"], "format": "uri"},
            },
        }
