"""The customer list and a customer's subscription list: pinned query counts at 1, 25 and 250 rows, search,
the reseller filter, pagination and the capped count; the CSV exports: streamed, formula-safe, and flat in
memory for 100,000 customers."""

from __future__ import annotations

import csv
import io
import os
import time
import tracemalloc
import uuid

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from customers import services
from customers.models import Subscription
from partnerhub.core import pagination
from tests.budgets import PAGE_QUERY_BUDGET
from tests.customers.bulk import bulk_customers, bulk_subscriptions, gather_statistics

HEADER = ["Tenant ID", "Company name", "Primary domain name", "Relationship", "Indirect reseller"]
SUBSCRIPTION_HEADER = ["Subscription ID", "Subscription", "Quantity", "Status", "Reseller"]


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _table(response, testid="customer-table") -> str:
    return response.content.decode().split(f'data-testid="{testid}"')[1].split("</table>")[0]


def _names(response) -> list[str]:
    """The company names of the customer table, in order."""
    rows = _table(response).split("<tbody>")[1].split("<tr>")[1:]
    return [row.split('">', 1)[1].split("</a>")[0] for row in rows if "</a>" in row]


def _count_line(response) -> str:
    return response.content.decode().split('data-testid="customer-count">')[1].split("</p>")[0]


def _csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode()
    assert text.startswith("\ufeff")  # the BOM: Excel opens UTF-8
    return list(csv.reader(io.StringIO(text[1:])))


# --- query counts -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("filtered", [False, True], ids=["all", "by-reseller"])
@pytest.mark.parametrize("count", [1, 25, 250])
def test_the_customer_list_pins_its_query_count(seller, django_assert_num_queries, count, filtered):
    provider, user, fabrikam, _ = seller
    bulk_customers(provider, count, reseller=fabrikam)
    bulk_customers(provider, 3, name="Zz Unassociated", prefix="zz")
    client = _client(user)
    url = f"/customers/?reseller={fabrikam.pk}" if filtered else "/customers/"

    with django_assert_num_queries(PAGE_QUERY_BUDGET["customer_list"]):
        response = client.get(url)

    names = _names(response)
    assert len(names) == min(count + (0 if filtered else 3), 25)
    assert ("Zz Unassociated" in "".join(names)) is (not filtered and count < 25)
    assert _count_line(response) == (
        f"{count} customer{'s' if count > 1 else ''}" if filtered else f"{count + 3} customers"
    )


@pytest.mark.parametrize("viewer", ["provider", "reseller"])
@pytest.mark.parametrize("count", [1, 25, 250])
def test_the_subscription_list_pins_its_query_count(seller, make_customer, offers, django_assert_num_queries,
                                                    count, viewer):  # fmt: skip
    """A customer's page lists its subscriptions (the first 100): its provider's view and, read-only, the
    view of the reseller of record."""
    provider, user, fabrikam, fabrikam_user = seller
    created = make_customer("woodgrovefoods", company_name="Woodgrove Foods Inc.")
    bulk_subscriptions(provider=provider, customer=created.organization, reseller=fabrikam, offers=offers, count=count)
    client = _client(user if viewer == "provider" else fabrikam_user)
    url = f"/customers/{created.organization.tenant_id}/"

    with django_assert_num_queries(PAGE_QUERY_BUDGET["subscription_list"]):
        response = client.get(url)

    table = _table(response, "subscription-table")
    assert table.count('data-testid="subscription-quantity"') == min(count, 25)
    assert "Fabrikam Solutions LLC" in table or count == 1  # the designated support contact of every other one


# --- search, filter, pages --------------------------------------------------------------------------------


@pytest.fixture
def three(seller, customer, make_customer):
    """Woodgrove (associated with Fabrikam), and two direct customers of Contoso."""
    tailspin = make_customer("tailspintoys", company_name="Tailspin Toys Ltd", with_reseller=False)
    adatum = make_customer("adatumhealth", company_name="Adatum Health", with_reseller=False)
    return customer.organization, tailspin.organization, adatum.organization


def test_search_by_company_name_domain_or_tenant_id(seller, three):
    woodgrove, tailspin, adatum = three
    client = _client(seller[1])

    assert _names(client.get("/customers/")) == ["Adatum Health", "Tailspin Toys Ltd", "Woodgrove Foods Inc."]
    assert _names(client.get("/customers/", {"q": "woodgrove FOODS"})) == ["Woodgrove Foods Inc."]
    assert _names(client.get("/customers/", {"q": "  toys "})) == ["Tailspin Toys Ltd"]
    assert _names(client.get("/customers/", {"q": adatum.primary_domain})) == ["Adatum Health"]
    assert _names(client.get("/customers/", {"q": f"tailspintoys.{settings.CUSTOMER_DOMAIN_SUFFIX}"})) == [
        "Tailspin Toys Ltd"
    ]
    assert _names(client.get("/customers/", {"q": str(woodgrove.tenant_id)})) == ["Woodgrove Foods Inc."]
    assert _names(client.get("/customers/", {"q": str(tailspin.tenant_id).upper()})) == ["Tailspin Toys Ltd"]
    nothing = client.get("/customers/", {"q": str(uuid.uuid4())})
    assert _names(nothing) == []
    assert "No customer found." in _table(nothing)
    assert _count_line(nothing) == "0 customers"


def test_the_reseller_filter_shows_only_that_resellers_customers(seller, three, make_reseller):
    provider, user, fabrikam, _ = seller
    client = _client(user)

    page = client.get("/customers/", {"reseller": fabrikam.pk})

    assert _names(page) == ["Woodgrove Foods Inc."]
    assert _count_line(page) == "1 customer"
    assert f'<option value="{fabrikam.pk}" selected>Fabrikam Solutions LLC</option>' in page.content.decode()
    assert _names(client.get("/customers/", {"reseller": fabrikam.pk, "q": "tailspin"})) == []
    # A reseller Contoso isn't in partnership with is no choice: the filter is ignored, nothing breaks.
    stranger, _ = make_reseller("Stranger Resellers")
    ignored = client.get("/customers/", {"reseller": stranger.pk})
    assert ignored.status_code == 200
    assert _names(ignored) == ["Adatum Health", "Tailspin Toys Ltd", "Woodgrove Foods Inc."]
    # ... and the search text still applies
    assert _names(client.get("/customers/", {"reseller": stranger.pk, "q": "tailspin"})) == ["Tailspin Toys Ltd"]


def test_the_associated_reseller_lists_the_customers_shared_with_it(seller, three):
    _, _, fabrikam, fabrikam_user = seller
    client = _client(fabrikam_user)

    page = client.get("/customers/")

    assert _names(page) == ["Woodgrove Foods Inc."]
    assert "Indirect reseller" in _table(page)


def _link(response, rel) -> str | None:
    """The href of the pagination link with this rel, unescaped, or None."""
    html = response.content.decode()
    marker = f'rel="{rel}" href="'
    if marker not in html:
        return None
    return html.split(marker)[1].split('"')[0].replace("&amp;", "&")


def test_pages_of_25_follow_the_next_and_previous_links(seller):
    provider, user, _, _ = seller
    bulk_customers(provider, 60)
    client = _client(user)

    first = client.get("/customers/")
    second = client.get("/customers/" + _link(first, "next"))
    third = client.get("/customers/" + _link(second, "next"))
    back = client.get("/customers/" + _link(third, "prev"))

    assert _count_line(first) == "60 customers"
    assert _names(first) == [f"Bulk Customer {n:04d}" for n in range(25)]
    assert _names(second) == [f"Bulk Customer {n:04d}" for n in range(25, 50)]
    assert _names(third) == [f"Bulk Customer {n:04d}" for n in range(50, 60)]
    assert _link(first, "prev") is None
    assert _link(third, "next") is None
    assert _names(back) == _names(second)
    assert _names(client.get("/customers/" + _link(back, "prev"))) == _names(first)
    assert 'href="?">First' in third.content.decode()


def test_the_search_and_filter_are_kept_from_page_to_page(seller):
    provider, user, fabrikam, _ = seller
    bulk_customers(provider, 30, reseller=fabrikam)
    bulk_customers(provider, 30, name="Other {n:04d}", prefix="other")
    client = _client(user)

    first = client.get("/customers/", {"q": "bulk", "reseller": fabrikam.pk})
    following = _link(first, "next")

    assert following.startswith(f"?q=bulk&reseller={fabrikam.pk}&after=")
    assert _names(client.get("/customers/" + following)) == [f"Bulk Customer {n:04d}" for n in range(25, 30)]


@pytest.mark.parametrize("cursor", ["nonsense", "W10", "WyJhIl0", "WzEsMiwzXQ", "eyJhIjoxfQ", "WyJ4IixudWxsXQ", "%00"])
def test_a_cursor_that_is_not_ours_shows_the_first_page(seller, cursor):
    provider, user, _, _ = seller
    bulk_customers(provider, 30)
    client = _client(user)

    for direction in ("after", "before"):
        response = client.get(f"/customers/?{direction}={cursor}")
        assert response.status_code == 200
        assert _names(response) == [f"Bulk Customer {n:04d}" for n in range(25)]


def test_a_cursor_past_the_end_shows_an_empty_page_with_a_way_back(seller):
    provider, user, _, _ = seller
    bulk_customers(provider, 3)
    client = _client(user)

    response = client.get("/customers/?after=" + pagination.cursor_encode(("Zzzz", 10**9)))

    assert _names(response) == []
    assert "No customer found." in _table(response)
    assert 'href="?">First' in response.content.decode()


def test_the_count_is_capped(seller, monkeypatch):
    provider, user, _, _ = seller
    bulk_customers(provider, 30)
    client = _client(user)

    monkeypatch.setattr(pagination, "COUNT_CAP", 30)
    assert _count_line(client.get("/customers/")) == "30 customers"
    monkeypatch.setattr(pagination, "COUNT_CAP", 29)
    assert _count_line(client.get("/customers/")) == "29+ customers"
    monkeypatch.setattr(pagination, "COUNT_CAP", 10)
    capped = client.get("/customers/")
    assert _count_line(capped) == "10+ customers"
    assert len(_names(capped)) == 25  # the page is whole
    assert _names(client.get("/customers/" + _link(capped, "next"))) == [
        f"Bulk Customer {n:04d}" for n in range(25, 30)
    ]


# --- CSV exports ------------------------------------------------------------------------------------------


def test_the_customer_export_streams_a_row_per_customer(seller, three):
    woodgrove, tailspin, adatum = three
    client = _client(seller[1])

    response = client.get("/customers/export/")

    assert response.status_code == 200
    assert response.streaming is True
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="customers.csv"'
    assert response["Cache-Control"] == "no-store"
    assert _csv(response) == [
        HEADER,
        [str(adatum.tenant_id), "Adatum Health", adatum.primary_domain, "Indirect provider", ""],
        [str(tailspin.tenant_id), "Tailspin Toys Ltd", tailspin.primary_domain, "Indirect provider", ""],
        [str(woodgrove.tenant_id), "Woodgrove Foods Inc.", woodgrove.primary_domain, "Indirect provider",
         "Fabrikam Solutions LLC"],
    ]  # fmt: skip


FORMULAS = ['=HYPERLINK("http://evil.example","Click")', "+SUM(1,2)", "-2+3", "@cmd", "\tTabbed", "\rReturned"]


def test_exported_cells_never_run_as_formulas(seller, offers):
    """Names a spreadsheet would evaluate come out behind a single quote (the name validator refuses some of
    them, so they are written directly, as an import or an old row might)."""
    provider, user, fabrikam, _ = seller
    for n, name in enumerate(FORMULAS):
        bulk_customers(provider, 1, name=name, prefix=f"formula{n}-")
    harmless = bulk_customers(provider, 1, name="Plain-Name Co", prefix="plain")[0]
    bulk_subscriptions(provider=provider, customer=harmless, reseller=fabrikam, offers=offers, count=2)
    Subscription.objects.filter(customer=harmless, friendly_name__startswith="Seat").update(friendly_name="=1+1")
    client = _client(user)

    names = [row[1] for row in _csv(client.get("/customers/export/"))[1:]]
    subscriptions = _csv(client.get(f"/customers/{harmless.tenant_id}/subscriptions/export/"))[1:]

    assert sorted(names) == sorted(["'" + name for name in FORMULAS] + ["Plain-Name Co"])
    assert sorted(row[1] for row in subscriptions) == ["'=1+1", "Business Standard"]


def test_the_subscription_export_has_a_row_per_subscription(seller, customer):
    provider, user, fabrikam, _ = seller
    woodgrove = customer.organization
    number = str(fabrikam.partner_ids.get(csp_associated=True).number)
    client = _client(user)

    response = client.get(f"/customers/{woodgrove.tenant_id}/subscriptions/export/")

    assert response.streaming is True
    assert response["Content-Disposition"] == f'attachment; filename="subscriptions-{woodgrove.primary_domain}.csv"'
    rows = _csv(response)
    assert rows[0] == SUBSCRIPTION_HEADER
    expected = [
        [str(s.public_id), s.offer.name, str(s.quantity), "Active", number]
        for s in Subscription.objects.filter(customer=woodgrove).select_related("offer").order_by("-created_at", "-id")
    ]
    assert rows[1:] == expected
    assert sorted((row[1], row[2]) for row in rows[1:]) == [("Business Standard", "10"), ("Endpoint Security", "5")]
    # the reseller of record exports the same rows
    assert _csv(_client(seller[3]).get(f"/customers/{woodgrove.tenant_id}/subscriptions/export/")) == rows


# --- 100,000 customers --------------------------------------------------------------------------------------

HUNDRED_THOUSAND = 100_000
INSERT_CUSTOMERS = """
WITH organizations AS (
    INSERT INTO accounts_organization (tenant_id, kind, legal_name, country, address_line1, address_line2, city,
                                       state, postal_code, primary_domain, csp_region, currency, created_at)
    SELECT gen_random_uuid(), 'customer', 'Mass Customer ' || lpad(n::text, 6, '0'), 'US', '1 Bulk Road', '',
           'Portland', 'OR', '97204', 'mass' || n || '.' || %(suffix)s, 'united_states', 'USD', now()
    FROM generate_series(1, %(count)s) AS n
    RETURNING id, legal_name, primary_domain
), profiles AS (
    INSERT INTO customers_customer (organization_id, domain, culture, language, registration_number,
                                    contact_first_name, contact_last_name, contact_email, contact_phone,
                                    created_by_partner_id)
    SELECT id, primary_domain, 'en-US', 'en', '', 'Mass', 'Contact', 'mass@bulk.example', '', %(partner)s
    FROM organizations
)
INSERT INTO customers_customerrelationship (partner_id, customer_id, kind, reseller_id, customer_name,
                                            delegated_admin, status, created_at, removed_at)
SELECT %(partner)s, id, 'indirect_provider', %(reseller)s, legal_name, true, 'active', now(), NULL
FROM organizations
"""


def _rss() -> int:
    """The process's resident memory now (Linux)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_100000_customers_export_in_flat_memory(transactional_db, seller, django_assert_num_queries, settings):
    """Tracing every allocation makes Python about six times slower, so tracemalloc watches the request and the
    first 25,000 rows (a materialised result would show there in full, a leak per row in part): the peak stays
    low and the traced memory doesn't grow from row 5,000 to row 25,000. The resident memory of the process is
    watched over all 100,000 rows (fetching them all at once adds some 600 MB)."""
    provider, user, fabrikam, _ = seller
    settings.EXPORT_STREAM_MAX_ROWS = HUNDRED_THOUSAND  # the streamed path at its largest (more: a job)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(INSERT_CUSTOMERS, {"suffix": settings.CUSTOMER_DOMAIN_SUFFIX, "count": HUNDRED_THOUSAND,
                                          "partner": provider.pk, "reseller": fabrikam.pk})  # fmt: skip
    # Committed (transactional_db), so that the owner's ANALYZE sees them: the app role may not ANALYZE, and
    # whatever statistics earlier tests left (0 rows over 1,500 pages after a rolled-back bulk insert) would
    # have the planner nest loops over 100,000 rows for minutes.
    gather_statistics({"accounts_organization", "customers_customer", "customers_customerrelationship"})
    inserted = time.perf_counter() - started
    client = _client(user)

    # The list is still one page of rows and a capped count.
    # + BEGIN and COMMIT: outside a test transaction the request's own transaction is a real one.
    with django_assert_num_queries(PAGE_QUERY_BUDGET["customer_list"] + 2):
        page = client.get("/customers/")
    assert _count_line(page) == "1,000+ customers"
    assert _names(page) == [f"Mass Customer {n:06d}" for n in range(1, 26)]

    baseline = top = _rss()
    tracemalloc.start()
    try:
        response = client.get("/customers/export/")
        assert response.streaming is True
        lines, first, cursors, at_5000, writes = 0, "", None, None, 0
        for chunk in response.streaming_content:  # EXPORT_CHUNK_ROWS CSV lines per chunk, the header first
            writes += 1
            before, lines = lines, lines + chunk.count(b"\n")
            if not first:
                first = chunk.decode().splitlines()[1]
            if before < 5_000 <= lines and at_5000 is None:
                at_5000, _ = tracemalloc.get_traced_memory()
                with connection.cursor() as cursor:  # the rows come through a server-side cursor
                    cursor.execute("SELECT count(*) FROM pg_cursors")
                    cursors = cursor.fetchone()[0]
            if before < 25_000 <= lines and tracemalloc.is_tracing():
                at_25000, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
            top = max(top, _rss())
    finally:
        tracemalloc.stop()
    exported = time.perf_counter() - started - inserted

    assert lines == HUNDRED_THOUSAND + 1
    assert writes == HUNDRED_THOUSAND // settings.EXPORT_CHUNK_ROWS  # 100 writes, not one per row (100,002)
    assert next(csv.reader([first]))[1:] == ["Mass Customer 000001", f"mass1.{settings.CUSTOMER_DOMAIN_SUFFIX}",
                                             "Indirect provider", "Fabrikam Solutions LLC"]  # fmt: skip
    assert cursors >= 1
    assert peak < 30 * 2**20, f"traced peak {peak / 2**20:.1f} MiB"
    assert at_25000 - at_5000 < 2**20, f"grew {(at_25000 - at_5000) / 2**20:.1f} MiB over 20,000 rows"
    assert top - baseline < 100 * 2**20, f"resident memory grew {(top - baseline) / 2**20:.0f} MiB"
    print(f"inserted in {inserted:.1f}s, exported in {exported:.1f}s ({writes} writes), "
          f"traced peak {peak / 2**20:.1f} MiB, resident +{(top - baseline) / 2**20:.0f} MiB")  # fmt: skip


def test_the_customer_page_pages_its_subscriptions(seller, customer, offers):
    provider, user, _, _ = seller
    for _ in range(30):
        services.order_submit(
            partner=provider,
            customer=customer.organization,
            actor=user,
            key=uuid.uuid4(),
            lines=[services.LineInput(offer=offers["standard"], quantity=1)],
        )
    client = _client(user)
    url = f"/customers/{customer.organization.tenant_id}/"

    first = client.get(url).content.decode()
    second = client.get(url, {"page": 2}).content.decode()

    assert first.count('data-testid="subscription-quantity"') == 25
    assert second.count('data-testid="subscription-quantity"') == 7
    assert "?page=2" in first
