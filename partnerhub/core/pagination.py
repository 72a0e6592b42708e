"""Keyset ("seek") pagination for lists that may hold a million rows.

A page is found by where the previous one ended, `WHERE (name, id) > (last_name, last_id)`, so page 400
costs what page 1 costs: the index `(tenant, …, name, id)` is entered at the cursor, never scanned from its
start as `OFFSET 10000` would. The total is counted up to a cap ("1,000+"), one bounded query too.

The cursor is the sort key of a row, in the URL (`?after=` / `?before=`). A tampered cursor is only another
position in the same tenant-scoped queryset; one that doesn't decode is ignored (first page).
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Func, QuerySet, Value
from django.urls import reverse

COUNT_CAP = 1000


class Row(Func):
    """A row constructor, `ROW(a, b)`: PostgreSQL compares rows left to right and uses a matching index."""

    function = "ROW"
    output_field = models.Field()


def cursor_encode(values: tuple[Any, ...]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(values), separators=(",", ":")).encode()).decode().rstrip("=")


def cursor_decode(cursor: str | None, size: int) -> tuple[Any, ...] | None:
    """The sort key in a cursor, or None when it is missing or not one of ours."""
    if not cursor or len(cursor) > 1000:  # a sort key is a name and an id: never this long
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    if (
        not isinstance(values, list)
        or len(values) != size
        or not all(isinstance(v, str | int) and not isinstance(v, bool) for v in values)
        or "\x00" in "".join(v for v in values if isinstance(v, str))
    ):
        return None
    return tuple(values)


def _key_fields(model, keys: tuple[str, ...]) -> list[models.Field]:
    fields = []
    for key in keys:
        current = model
        for part in key.split("__"):
            field = current._meta.get_field(part)
            current = field.related_model if field.is_relation else current
        fields.append(field)
    return fields


def _typed(values: tuple[Any, ...] | None, fields: list[models.Field]) -> tuple[Any, ...] | None:
    """The cursor's values as its keys' types, or None: a tampered `[1, "x"]` for `(name, id)` would make
    PostgreSQL compare text with an integer and fail, and `[name, 2**70]` overflow bigint."""
    if values is None:
        return None
    typed = []
    try:
        for field, value in zip(fields, values, strict=True):
            typed.append(field.to_python(value))
            field.run_validators(typed[-1])  # an id beyond bigint's range, a name longer than the column
    except ValidationError:
        return None
    return tuple(typed)


@dataclass
class KeysetPage:
    rows: list
    count: int  # capped: COUNT_CAP + 1 means "more than COUNT_CAP"
    has_next: bool
    has_previous: bool
    cap: int
    next_cursor: str = ""
    previous_cursor: str = ""

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def capped(self) -> bool:
        return self.count > self.cap


def keyset_page(
    queryset: QuerySet,
    *,
    keys: tuple[str, ...],
    per_page: int,
    after: str | None = None,
    before: str | None = None,
    count_cap: int | None = None,
    narrow: bool = False,
) -> KeysetPage:
    """One page of `queryset` in ascending `keys` order (the last key must be unique, e.g. the id).

    Two queries whatever the page: the capped count and the page (per_page + 1 rows, to know if more follow).

    `narrow`: the page's primary keys are chosen first, on the queryset's own table (no joins), and only those
    rows are then joined and read. For a filter the planner cannot walk in key order (a search's matches, a few
    hundred of a whale's customers), it would otherwise join every match's related rows, each under its
    row-level security policy, before sorting and cutting to one page.
    """
    count_cap = COUNT_CAP if count_cap is None else count_cap
    queryset = queryset.order_by()
    count = queryset.values("pk")[: count_cap + 1].count()
    position = Row(*(F(key) for key in keys))
    fields = _key_fields(queryset.model, keys)
    after_key = _typed(cursor_decode(after, len(keys)), fields)
    before_key = None if after_key else _typed(cursor_decode(before, len(keys)), fields)
    if before_key is not None:
        seek = queryset.alias(_seek=position).filter(_seek__lt=Row(*(Value(v) for v in before_key)))
        rows = list(_cut(seek, [F(key).desc() for key in keys], per_page + 1, narrow))
        has_previous = len(rows) > per_page
        rows = rows[:per_page][::-1]
        has_next = True
    else:
        if after_key is not None:
            queryset = queryset.alias(_seek=position).filter(_seek__gt=Row(*(Value(v) for v in after_key)))
        rows = list(_cut(queryset, [F(key) for key in keys], per_page + 1, narrow))
        has_next = len(rows) > per_page
        rows = rows[:per_page]
        has_previous = after_key is not None
    page = KeysetPage(rows=rows, count=count, has_next=has_next, has_previous=has_previous, cap=count_cap)
    if rows:
        page.next_cursor = cursor_encode(tuple(_key_value(rows[-1], key) for key in keys)) if has_next else ""
        page.previous_cursor = cursor_encode(tuple(_key_value(rows[0], key) for key in keys)) if has_previous else ""
    return page


def _cut(queryset: QuerySet, order: list, size: int, narrow: bool) -> QuerySet:
    """The first `size` rows of `queryset` in `order`; with `narrow`, their keys are picked before any join."""
    if narrow:
        keys = queryset.order_by(*order).values("pk")[:size]
        rows = queryset.model._base_manager.filter(pk__in=keys)
        # The same related rows and columns as the queryset asked for (its select_related() and only()).
        rows.query.select_related = queryset.query.select_related
        rows.query.deferred_loading = queryset.query.deferred_loading
        queryset = rows
    return queryset.order_by(*order)[:size]


def _key_value(row, key: str):
    value = row
    for part in key.split("__"):
        value = getattr(value, part)
    return value


# Stands for a row's integer key in row_url: matches `<int:pk>`, and no real id or path comes near it.
_INT_SENTINEL = 987654321987654321


def row_url(viewname: str, *args, int_key: bool = False) -> tuple[str, str]:
    """(prefix, suffix) of a URL whose last argument is a row's UUID (or, with `int_key`, its integer id),
    reversed once for a whole list: `{{ url.0 }}{{ row.uuid }}{{ url.1 }}` renders the link without a
    `{% url %}` per row (a reversal is ~100 Python calls; a list of 25 rows with three links paid 7,500)."""
    sentinel = str(_INT_SENTINEL) if int_key else str(uuid.UUID(int=0))
    prefix, _, suffix = reverse(viewname, args=[*args, sentinel]).partition(sentinel)
    return prefix, suffix


def keyset_chunks(queryset: QuerySet, *, keys: tuple[str, ...], size: int, descending: bool = False):
    """The whole queryset in `keys` order, `size` rows at a time, each chunk sought from where the last
    ended (`WHERE (keys) > (last row's keys)`): chunk 1,000 of an export costs what chunk 1 costs, where
    OFFSET would rescan everything before it. The last key must be unique (the id)."""
    position = Row(*(F(key) for key in keys))
    ordered = queryset.order_by(*(F(key).desc() for key in keys) if descending else keys)
    last = None
    while True:
        chunk = ordered
        if last is not None:
            seek = Row(*(Value(value) for value in last))
            chunk = chunk.alias(_seek=position).filter(**{"_seek__lt" if descending else "_seek__gt": seek})
        rows = list(chunk[:size])
        if rows:
            yield rows
        if len(rows) < size:
            return
        last = tuple(_key_value(rows[-1], key) for key in keys)
