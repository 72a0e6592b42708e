"""PostgreSQL row-level security, the second layer (partnerhub/core/rls.py, core migration 0002).

The catalogue gate fails when a table that names an organization has no policy; the rest shows what the policies
do for a connection of the app's own role, which is what the whole suite connects as (tests/conftest.py).
"""

from __future__ import annotations

import contextlib

import pytest
from django.conf import settings
from django.db import connection, transaction

from customers.models import CustomerRelationship
from partnerhub.accounts.models import Membership, Role
from partnerhub.core import rls
from partnerhub.core.models import AuditEvent
from tests.factories import OrganizationFactory

# Tables a tenant owns without naming an organization themselves: they belong to a parent row that does.
CHILD_TABLES = {"customers_orderline"}

ORGANIZATION_COLUMNS = """
    SELECT DISTINCT c.conrelid::regclass::text
    FROM pg_constraint c
    JOIN pg_namespace n ON n.oid = (SELECT relnamespace FROM pg_class WHERE oid = c.conrelid)
    WHERE c.contype = 'f' AND c.confrelid = 'accounts_organization'::regclass AND n.nspname = current_schema()
"""


def _tenant_tables() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(ORGANIZATION_COLUMNS)
        return sorted({row[0] for row in cursor.fetchall()} | CHILD_TABLES)


@contextlib.contextmanager
def no_context():
    """This connection as a request with no context at all (the test's own platform context set aside)."""
    rls._suspend_system()
    try:
        yield
    finally:
        rls._resume_system("tests")


def _count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608 - a catalogue name
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_every_table_that_names_an_organization_has_forced_row_level_security_and_a_policy():
    tables = _tenant_tables()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
                   (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid)
            FROM pg_class c WHERE c.oid = ANY(%s::regclass[])
            """,
            [tables],
        )
        rows = {name: (enabled, forced, policies) for name, enabled, forced, policies in cursor.fetchall()}

    assert len(tables) >= 20  # noqa: PLR2004 - the gate is looking at the real schema
    unprotected = [table for table in tables if rows[table] != (True, True, rows[table][2]) or not rows[table][2]]
    assert unprotected == []


@pytest.mark.django_db
def test_the_app_connects_as_a_role_that_owns_nothing_and_bypasses_nothing():
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        user, superuser, bypass = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tableowner = current_user"
        )
        owned = cursor.fetchone()[0]

    assert (user, superuser, bypass, owned) == (settings.DATABASE_APP_ROLE, False, False, 0)


@pytest.mark.django_db
def test_without_a_context_every_tenant_table_reads_empty(world_of_two):
    tables = _tenant_tables()
    assert all(_count(table) for table in ("accounts_membership", "core_auditevent", "customers_customerrelationship"))

    with no_context():
        counts = {table: _count(table) for table in tables}

    assert counts == dict.fromkeys(tables, 0)


@pytest.mark.django_db
def test_without_a_context_nothing_can_be_written_either(world_of_two):
    a, _ = world_of_two

    with no_context(), pytest.raises(Exception, match="row-level security"), transaction.atomic():
        AuditEvent.objects.create(code="partnerhub.test.forged", organization=a["organization"])


@pytest.mark.django_db
def test_one_connection_serving_a_then_b_shows_b_only_its_own_rows(world_of_two):
    a, b = world_of_two

    with no_context():
        with rls.acting_as(user=a["user"], organization=a["organization"]):
            seen_by_a = set(CustomerRelationship.objects.values_list("customer_name", flat=True))
        with rls.acting_as(user=b["user"], organization=b["organization"]):
            seen_by_b = set(CustomerRelationship.objects.values_list("customer_name", flat=True))

    assert seen_by_a == {"Customer of A"}
    assert seen_by_b == {"Customer of B"}


@pytest.mark.django_db
def test_naming_an_organization_the_user_holds_no_seat_in_opens_nothing(world_of_two):
    a, b = world_of_two

    with no_context(), rls.acting_as(user=a["user"], organization=b["organization"]):
        names = list(CustomerRelationship.objects.values_list("customer_name", flat=True))
        members = list(Membership.objects.values_list("organization_id", flat=True))

    assert names == []
    assert members == [a["organization"].pk]  # the user's own seat, nothing of B


@pytest.mark.django_db
def test_a_seat_removed_closes_the_organization_at_once(world_of_two):
    a, _ = world_of_two
    Membership.objects.filter(user=a["user"], organization=a["organization"]).delete()

    with no_context(), rls.acting_as(user=a["user"], organization=a["organization"]):
        names = list(CustomerRelationship.objects.values_list("customer_name", flat=True))

    assert names == []


@pytest.mark.django_db
def test_the_platform_bypass_is_explicit_and_ends_with_its_block(world_of_two):
    with no_context():
        with rls.elevated("test:explicit"):
            inside = CustomerRelationship.objects.count()
        outside = CustomerRelationship.objects.count()

    assert (inside, outside) == (2, 0)


@pytest.mark.django_db
def test_staff_in_the_admin_get_an_audited_bypass(client, world_of_two, django_user_model, caplog):
    staff = django_user_model.objects.create_user(email="ops@partnerhub.example", password="x", is_staff=True)
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)

    with caplog.at_level("INFO", logger="partnerhub.security"):
        response = client.get("/admin/customers/customerrelationship/")

    assert response.status_code == 200
    assert "Customer of A" in response.content.decode()
    assert "Customer of B" in response.content.decode()
    assert f"staff row-level security bypass: user={staff.pk} GET /admin/customers/customerrelationship/" in caplog.text


@pytest.fixture
def world_of_two(make_member):
    """Two providers, each with one customer, a member and an audit event."""
    tenants = []
    for name in ("A", "B"):
        organization = OrganizationFactory(legal_name=f"Provider {name}")
        member = make_member(organization, Role.GLOBAL_ADMIN)
        customer = OrganizationFactory(kind="customer", legal_name=f"Customer of {name} Inc.")
        CustomerRelationship.objects.create(
            partner=organization, customer=customer, kind="direct", customer_name=f"Customer of {name}"
        )
        AuditEvent.objects.create(code="partnerhub.test.seen", organization=organization)
        tenants.append({"organization": organization, "user": member.user})
    return tenants
