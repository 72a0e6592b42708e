# ruff: noqa: S608 - SQL built from the migrations' own constants, never from input
"""Migration operations with which each app declares the row-level security of its own tables.

Core migrations 0002 and 0004 create what every policy calls (the app's role, `partnerhub_org()`,
`partnerhub_user()`, `partnerhub_token()`, `partnerhub_related()`, the signed `partnerhub_bypass()`); an app's
`00NN_row_level_security` migration then gives each of its tables forced row-level security and its policies:

    TenantPolicies("customers_exportjob", read=f"organization_id = {A}", write=f"organization_id = {A}")

In the terms of partnerhub/core/rls.py: `A` is the acting organization (checked against the user's seat), `U`
the signed-in user, `T` the invitation link being opened; every condition is OR-ed with `S`, the verified
platform bypass. A policy naming another app's table depends on the migration that creates it.

Each operation is idempotent (it drops the policies it creates, and 0002's `tenant_isolation`, before creating
them), so an app may re-declare what an older migration already created: databases migrated before the
policies moved to their apps get the same catalogue as fresh ones. Backwards drops the policies and turns
row-level security off again, as the migrations before it did.
"""

from __future__ import annotations

from django.db.migrations.operations.base import Operation

A = "(SELECT partnerhub_org())"
U = "(SELECT partnerhub_user())"
T = "(SELECT partnerhub_token())"
S = "(SELECT partnerhub_bypass())"
PLATFORM = "false"  # only the platform (the verified bypass) writes

TENANT_POLICY_NAMES = ("tenant_read", "tenant_insert", "tenant_update", "tenant_delete")


class _RowLevelSecurity(Operation):
    """An operation on the database only (no model state), PostgreSQL only, reversible."""

    reversible = True
    reduces_to_sql = True
    table: str

    def state_forwards(self, app_label, state) -> None:
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(self.forwards_sql(schema_editor.quote_name))

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(self.backwards_sql(schema_editor.quote_name))

    def forwards_sql(self, quote) -> str:
        raise NotImplementedError

    def backwards_sql(self, quote) -> str:
        raise NotImplementedError

    @staticmethod
    def _rls_off(name: str) -> str:
        return f" ALTER TABLE {name} NO FORCE ROW LEVEL SECURITY; ALTER TABLE {name} DISABLE ROW LEVEL SECURITY;"


class TenantPolicies(_RowLevelSecurity):
    """A tenant table's four policies: `tenant_read` (SELECT), `tenant_insert`, `tenant_update`, `tenant_delete`.

    `read` may follow relationships (`partnerhub_related()`); `write` is the condition of INSERT, UPDATE and
    DELETE (the acting organization's own rows, never `partnerhub_related()`); `insert`, `update` (one
    condition, or a (USING, WITH CHECK) pair) and `delete` override `write` for one command."""

    def __init__(self, table: str, *, read: str, write: str, insert: str | None = None,
                 update: str | tuple[str, str] | None = None, delete: str | None = None) -> None:  # fmt: skip
        writes = (write, insert, *(update if isinstance(update, tuple) else (update,)), delete)
        if any("partnerhub_related" in condition for condition in writes if condition):
            raise ValueError(
                "A write condition must not follow relationships (partnerhub_related): related organizations "
                "read, never write."
            )
        self.table = table
        self.read, self.write = read, write
        self.insert = insert if insert is not None else write
        update = update if update is not None else write
        self.update_using, self.update_check = update if isinstance(update, tuple) else (update, update)
        self.delete = delete if delete is not None else write

    def describe(self) -> str:
        return f"Row-level security of {self.table}: tenant policies per command"

    @property
    def migration_name_fragment(self) -> str:
        return f"{self.table}_row_level_security"

    def forwards_sql(self, quote) -> str:
        name = quote(self.table)

        def guarded(condition: str) -> str:
            return f"{S} OR ({condition})"

        drops = " ".join(
            f"DROP POLICY IF EXISTS {policy} ON {name};" for policy in ("tenant_isolation", *TENANT_POLICY_NAMES)
        )
        return (
            f"ALTER TABLE {name} ENABLE ROW LEVEL SECURITY; ALTER TABLE {name} FORCE ROW LEVEL SECURITY; {drops}"
            f" CREATE POLICY tenant_read ON {name} FOR SELECT USING ({guarded(self.read)});"
            f" CREATE POLICY tenant_insert ON {name} FOR INSERT WITH CHECK ({guarded(self.insert)});"
            f" CREATE POLICY tenant_update ON {name} FOR UPDATE USING ({guarded(self.update_using)})"
            f" WITH CHECK ({guarded(self.update_check)});"
            f" CREATE POLICY tenant_delete ON {name} FOR DELETE USING ({guarded(self.delete)});"
        )

    def backwards_sql(self, quote) -> str:
        name = quote(self.table)
        drops = " ".join(f"DROP POLICY IF EXISTS {policy} ON {name};" for policy in TENANT_POLICY_NAMES)
        return drops + self._rls_off(name)


COMMANDS = ("SELECT", "INSERT", "UPDATE", "DELETE")


class CommandPolicies(_RowLevelSecurity):
    """One policy per command named `<prefix>_<command>`, from `rules` = {command: (USING, WITH CHECK)}; a
    command not listed, and a None condition, is the platform bypass alone (the identity tables, accounts 0006).
    """

    def __init__(self, table: str, *, prefix: str, rules: dict[str, tuple[str | None, str | None]]) -> None:
        if set(rules) - set(COMMANDS):
            raise ValueError(f"Commands are {', '.join(COMMANDS)}.")
        self.table, self.prefix, self.rules = table, prefix, rules

    def describe(self) -> str:
        return f"Row-level security of {self.table}: {self.prefix} policies per command"

    @property
    def migration_name_fragment(self) -> str:
        return f"{self.table}_row_level_security"

    def _policy(self, quote, command: str) -> str:
        using, check = self.rules.get(command) or (None, None)
        using = f"{S} OR {using}" if using else S
        check = f"{S} OR {check}" if check else S
        name, table = quote(f"{self.prefix}_{command.lower()}"), quote(self.table)
        clauses = {
            "SELECT": f"USING ({using})",
            "DELETE": f"USING ({using})",
            "INSERT": f"WITH CHECK ({check})",
            "UPDATE": f"USING ({using}) WITH CHECK ({check})",
        }[command]
        return f"DROP POLICY IF EXISTS {name} ON {table}; CREATE POLICY {name} ON {table} FOR {command} {clauses};"

    def forwards_sql(self, quote) -> str:
        name = quote(self.table)
        statements = [f"ALTER TABLE {name} ENABLE ROW LEVEL SECURITY;", f"ALTER TABLE {name} FORCE ROW LEVEL SECURITY;"]
        return "\n".join(statements + [self._policy(quote, command) for command in COMMANDS])

    def backwards_sql(self, quote) -> str:
        name = quote(self.table)
        drops = " ".join(
            f"DROP POLICY IF EXISTS {quote(f'{self.prefix}_{command.lower()}')} ON {name};" for command in COMMANDS
        )
        return drops + self._rls_off(name)


class PlatformOnly(_RowLevelSecurity):
    """A table only the platform reaches (staff in the admin, tasks): one policy, the verified bypass alone."""

    def __init__(self, table: str) -> None:
        self.table = table

    def describe(self) -> str:
        return f"Row-level security of {self.table}: the platform only"

    @property
    def migration_name_fragment(self) -> str:
        return f"{self.table}_platform_only"

    def forwards_sql(self, quote) -> str:
        name = quote(self.table)
        return (
            f"ALTER TABLE {name} ENABLE ROW LEVEL SECURITY; ALTER TABLE {name} FORCE ROW LEVEL SECURITY;"
            f" DROP POLICY IF EXISTS platform_only ON {name};"
            f" CREATE POLICY platform_only ON {name} USING ({S}) WITH CHECK ({S});"
        )

    def backwards_sql(self, quote) -> str:
        name = quote(self.table)
        return f"DROP POLICY IF EXISTS platform_only ON {name};" + self._rls_off(name)


class ForAllPolicy(_RowLevelSecurity):
    """The single `tenant_isolation` policy (FOR ALL: one condition for reads and writes) of the two migrations
    written before policies were per command (customers 0002 and 0003); customers 0004 replaces it. Never for a
    new table: tests/security/test_rls.py fails on a tenant table without per-command policies."""

    def __init__(self, table: str, condition: str) -> None:
        self.table, self.condition = table, condition

    def describe(self) -> str:
        return f"Row-level security of {self.table}: one policy for every command"

    @property
    def migration_name_fragment(self) -> str:
        return f"{self.table}_row_level_security"

    def forwards_sql(self, quote) -> str:
        name = quote(self.table)
        using = f"{S} OR {self.condition}"
        return (
            f"ALTER TABLE {name} ENABLE ROW LEVEL SECURITY; ALTER TABLE {name} FORCE ROW LEVEL SECURITY;"
            f" DROP POLICY IF EXISTS tenant_isolation ON {name};"
            f" CREATE POLICY tenant_isolation ON {name} USING ({using}) WITH CHECK ({using});"
        )

    def backwards_sql(self, quote) -> str:
        name = quote(self.table)
        return f"DROP POLICY IF EXISTS tenant_isolation ON {name};" + self._rls_off(name)
