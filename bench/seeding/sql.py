"""The seed's SQL helpers: deterministic variety from hashes, `INSERT … SELECT` from the models' own column
lists, ids reserved from the sequences, and the bulk steps' session settings.
"""

# The SQL below is assembled from the models' own table and column names, integers and the vocabulary's word
# lists; the few values from elsewhere are parameters.
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, models
from django.db.models import NOT_PROVIDED


def h(expr: str, seed: int) -> str:
    """A non-negative bigint hash of an integer expression: the seed's only source of variety."""
    return f"(hashint8extended(({expr})::bigint, {seed}) & 9223372036854775807)"


def u(expr: str, seed: int) -> str:
    """A uniform number in [0, 1) from a hash."""
    return f"({h(expr, seed)}::float8 / 9223372036854775808.0)"


def text_array(words) -> str:
    return "ARRAY[" + ", ".join("'" + str(word).replace("'", "''") + "'" for word in words) + "]::text[]"


def pick(words, index: str) -> str:
    return f"({text_array(words)})[1 + mod({index}, {len(words)})]"


def quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def token_hash(token_sql: str) -> str:
    """SQL for `partnerhub.core.invitations.hash_token` (SHA-256 hex of the UTF-8 token)."""
    return f"encode(sha256(convert_to({token_sql}, 'UTF8')), 'hex')"


def insert_select(cursor, model: type[models.Model], values: dict[str, str], source: str) -> int:
    """INSERT INTO the model's table SELECT the given SQL expressions FROM `source`; returns the row count.

    `values` maps field names to SQL. Every other column takes its database default if it has one, else the
    model's default (computed once), else NULL when nullable, else "" for a text column; a NOT NULL column
    with none of these (a field the models gained since this seed was written) stops the seed and names it.
    """
    fields = model._meta.concrete_fields
    known = {f.name for f in fields} | {f.attname for f in fields}
    if unknown := set(values) - known:
        raise ValueError(f"{model.__name__} has no field(s) {sorted(unknown)}")
    columns, expressions, defaults = [], [], []
    for f in fields:
        if f.name in values or f.attname in values:
            expression = values.get(f.name, values.get(f.attname))
        elif (
            f.primary_key
            and f.get_internal_type() in ("AutoField", "BigAutoField", "SmallAutoField")
            or f.db_default is not NOT_PROVIDED
        ):
            continue
        elif f.has_default() or (f.empty_strings_allowed and not f.null):
            if f.unique:
                raise ValueError(f"{model.__name__}.{f.name} is unique: the seed must give each row its own value")
            expression = f"%s::{f.db_type(connection)}"
            defaults.append(f.get_db_prep_save(f.get_default(), connection))
        elif f.null:
            continue
        else:
            raise ValueError(f"{model.__name__}.{f.name} is NOT NULL without a default: seed_bench must fill it")
        columns.append(connection.ops.quote_name(f.column))
        expressions.append(expression)
    sql = (
        f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({', '.join(columns)}) "
        f"SELECT {', '.join(expressions)} FROM {source}"
    )
    cursor.execute(sql, defaults)
    return cursor.rowcount


def reserve_ids(cursor, model: type[models.Model], n: int) -> int:
    """Take `n` consecutive ids from the table's sequence (the rows are then inserted with explicit ids)."""
    if n <= 0:
        return 0
    table = model._meta.db_table
    cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, model._meta.pk.column])
    sequence = cursor.fetchone()[0]
    cursor.execute("SELECT nextval(%s)", [sequence])
    first = cursor.fetchone()[0]
    cursor.execute("SELECT setval(%s, %s)", [sequence, first + n - 1])
    return first


def table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


BULK_SETTINGS = {
    "synchronous_commit": "off",  # a lost seed is simply re-run
    "work_mem": "128MB",
    "maintenance_work_mem": "512MB",  # the index rebuilds of `deferred_indexes`
}


@contextmanager
def bulk_session(cursor) -> Iterator[bool]:
    """Settings for one bulk step, inside its transaction; yields whether foreign-key triggers are off. As a
    superuser the step runs with `session_replication_role = replica`, which skips the row-by-row RI checks
    that otherwise take most of the time (`foreign_key_violations` then checks the result set-wise). The
    settings are put back afterwards, in case the step's transaction is itself part of a larger one (a test)."""
    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    unchecked = cursor.fetchone()[0]
    settings_ = {**BULK_SETTINGS, **({"session_replication_role": "replica"} if unchecked else {})}
    for name, value in settings_.items():
        cursor.execute(f"SET LOCAL {name} TO '{value}'")
    yield unchecked
    for name in settings_:
        cursor.execute(f"SET LOCAL {name} TO DEFAULT")


@contextmanager
def deferred_indexes(cursor, *models_: type[models.Model]) -> Iterator[None]:
    """Drop the tables' secondary indexes (not those of primary keys and constraints) and build them again
    afterwards, in the same transaction: a sorted build is far cheaper than a million random inserts.
    Unique indexes are checked when they are rebuilt, so a duplicate still fails the step. Only the tables'
    owner may do this: run as the app's role (the test suite) the indexes stay and the step is slower."""
    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    if not cursor.fetchone()[0]:
        yield
        return
    definitions = []
    for model in models_:
        cursor.execute(
            """
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
            FROM pg_index i
            WHERE i.indrelid = %s::regclass AND NOT i.indisprimary
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
            """,
            [model._meta.db_table],
        )
        definitions += cursor.fetchall()
    for name, _definition in definitions:
        cursor.execute(f"DROP INDEX {name}")  # a regclass name: already quoted where it needs to be
    yield
    for _name, definition in definitions:
        cursor.execute(definition)


def foreign_key_violations(models_) -> dict[str, int]:
    """Rows whose foreign key points nowhere, by `table.column` (empty when the data is sound)."""
    violations = {}
    with connection.cursor() as cursor:
        for model in models_:
            for f in model._meta.concrete_fields:
                if not f.is_relation or f.related_model is None:
                    continue
                parent = f.target_field
                cursor.execute(
                    f"SELECT count(*) FROM {table(model)} c WHERE c.{connection.ops.quote_name(f.column)} IS NOT NULL "
                    f"AND NOT EXISTS (SELECT 1 FROM {table(f.related_model)} p "
                    f"WHERE p.{connection.ops.quote_name(parent.column)} = c.{connection.ops.quote_name(f.column)})"
                )
                if orphans := cursor.fetchone()[0]:
                    violations[f"{model._meta.db_table}.{f.column}"] = orphans
    return violations
