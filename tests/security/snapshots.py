"""Row hashes of the project's tables: `md5(string_agg(t::text, '' ORDER BY pk))`, whole tables or only one
tenant's rows."""

from __future__ import annotations

from django.apps import apps
from django.db import connection
from django.db.models import Model, Q

from partnerhub.accounts.models import Membership, Organization, User

PROJECT_APPS = ("accounts", "core", "enrollment", "agreements", "relationships", "customers")


def project_models() -> list[type[Model]]:
    return [
        model
        for label in PROJECT_APPS
        for model in apps.get_app_config(label).get_models()
        if not model._meta.proxy and model._meta.managed
    ]


def _hash(model: type[Model], where: str = "", params=()) -> str | None:
    table = connection.ops.quote_name(model._meta.db_table)
    pk = connection.ops.quote_name(model._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT md5(string_agg(t::text, '' ORDER BY t.{pk})) FROM {table} t {where}", params)  # noqa: S608
        return cursor.fetchone()[0]


def table_hashes() -> dict[str, str | None]:
    """Every project table, whole."""
    return {model._meta.db_table: _hash(model) for model in project_models()}


def _tenant_filter(model: type[Model], organizations: list[int], users: list[int]) -> Q | None:
    """Rows of `model` that belong to the given organizations (or their users), one foreign-key hop at most."""
    if model is Organization:
        return Q(pk__in=organizations)
    if model is User:
        return Q(pk__in=users)
    match = Q()
    for field in model._meta.concrete_fields:
        if not field.is_relation:
            continue
        related = field.related_model
        if related is Organization:
            match |= Q(**{f"{field.name}__in": organizations})
        elif related is User and field.name in ("user",):
            match |= Q(**{f"{field.name}__in": users})
        else:
            for inner in related._meta.concrete_fields:
                if inner.is_relation and inner.related_model is Organization:
                    match |= Q(**{f"{field.name}__{inner.name}__in": organizations})
    return match or None


def tenant_hashes(organizations: list[Organization]) -> dict[str, str | None]:
    """Per table, the hash of the rows of these organizations (tables with no tenant column: whole)."""
    org_ids = [organization.pk for organization in organizations]
    user_ids = list(Membership.objects.filter(organization__in=org_ids).values_list("user_id", flat=True))
    hashes = {}
    for model in project_models():
        match = _tenant_filter(model, org_ids, user_ids)
        if match is None:
            hashes[model._meta.db_table] = _hash(model)
            continue
        sql, params = model._base_manager.filter(match).values("pk").query.sql_with_params()
        pk = connection.ops.quote_name(model._meta.pk.column)
        hashes[model._meta.db_table] = _hash(model, f"WHERE t.{pk} IN ({sql})", params)
    return hashes


def changed(before: dict, after: dict) -> list[str]:
    return sorted(table for table in before if before[table] != after.get(table))
