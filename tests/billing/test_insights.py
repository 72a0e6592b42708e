"""Insights: the charts' numbers are the sums of the charge lines that buying made, the CSVs say the same, the
charts are valid SVG with a title, the page's queries don't grow with the tenant, and only the organization's
own rows count."""

from __future__ import annotations

import csv
import io
import re
import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing.models import ChargeLine, PriceRule
from customers import services

pytestmark = pytest.mark.django_db

INSIGHTS = "/billing/insights/"


def _at(year, month, day, hour=10):
    return time_machine.travel(datetime(year, month, day, hour, tzinfo=UTC), tick=False)


def _buy(seller, customer, offer, quantity=10, **line):
    order, _ = services.order_submit(
        partner=seller[0], customer=customer, actor=seller[1], key=uuid.uuid4(),
        lines=[services.LineInput(offer=offer, quantity=quantity, **line)],
    )  # fmt: skip
    return order.subscriptions.get()


def _csv(client, chart) -> list[list[str]]:
    response = client.get(reverse("billing:insights-csv", args=[chart]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


@pytest.fixture
def sold(seller, make_customer, offers):
    """Contoso sells in March (through Fabrikam) and in April (directly)."""
    provider, _user, reseller, _ = seller
    PriceRule.objects.create(issuer=provider, name="Resellers", percent="10", effective_from=date(2026, 1, 1))
    with _at(2026, 3, 5):
        woodgrove = make_customer("woodgrove").organization
        _buy(seller, woodgrove, offers["standard"], 10, partner_of_record=services.location_partner_id(reseller))
    with _at(2026, 4, 3):
        tailspin = make_customer("tailspin", with_reseller=False).organization
        _buy(seller, tailspin, offers["security"], 4)
    return seller


def _month_sum(**filters) -> Decimal:
    return ChargeLine.objects.filter(**filters).aggregate(total=Sum("subtotal"))["total"] or Decimal(0)


def test_revenue_and_cost_by_month_are_the_sums_of_the_charge_lines(client, sold):
    provider, user, reseller, reseller_user = sold
    client.force_login(user)
    with _at(2026, 4, 20):
        page = client.get(INSIGHTS)
        assert page.status_code == 200
        rows = {row[0]: row for row in _csv(client, "revenue-cost")}
    march_revenue = _month_sum(issuer=provider, event_on__month=3)
    march_cost = _month_sum(recipient=provider, event_on__month=3)
    april_cost = _month_sum(recipient=provider, event_on__month=4)
    assert march_revenue > 0
    assert Decimal(rows["2026-03"][1]) == march_revenue
    assert Decimal(rows["2026-03"][2]) == march_cost
    assert Decimal(rows["2026-04"][2]) == april_cost
    assert Decimal(rows["2026-02"][1]) == 0
    html = page.content.decode()
    assert str(march_revenue) in html  # in the chart's table
    by_recipient = {row[0]: Decimal(row[1]) for row in _csv(client, "revenue-by-recipient")[1:]}
    assert by_recipient == {reseller.legal_name: march_revenue}  # the direct sale in April bills no one
    by_offer = _csv(client, "revenue-by-offer")
    assert by_offer[1][0] == "Business Standard"

    # The reseller's page: its cost is the provider's revenue from it; the provider's cost never shows.
    client.force_login(reseller_user)
    with _at(2026, 4, 20):
        rows = {row[0]: row for row in _csv(client, "revenue-cost")}
        html = client.get(INSIGHTS).content.decode()
    assert Decimal(rows["2026-03"][2]) == march_revenue
    assert str(march_cost) not in html


def test_seats_renewals_and_overdue(client, sold):
    _provider, user, _reseller, _ = sold
    client.force_login(user)
    with _at(2026, 4, 20):
        seats = {row[0]: Decimal(row[1]) for row in _csv(client, "seats")[1:]}
        renewals = _csv(client, "renewals")
        overdue = _csv(client, "overdue")
    assert seats["2026-02"] == 0
    assert seats["2026-03"] == 10
    # April's monthly term ends on 2 May, auto-renew on (March's ended on 4 April: not ahead any more).
    assert sum(Decimal(row[1]) for row in renewals[1:]) == 1
    assert sum(Decimal(row[2]) for row in renewals[1:]) == 0
    assert [row[0] for row in overdue[1:]] == ["0–30 days", "31–60 days", "Over 60 days"]


def test_charts_are_valid_svg_with_a_title(client, sold):
    client.force_login(sold[1])
    with _at(2026, 4, 20):
        html = client.get(INSIGHTS).content.decode()
    svgs = re.findall(r"<svg xmlns=.*?</svg>", html, re.S)
    assert len(svgs) == 6
    for svg in svgs:
        root = ET.fromstring(svg)  # noqa: S314 - our own markup
        assert root.get("role") == "img"
        assert root.get("aria-label")
        title = root.find("{http://www.w3.org/2000/svg}title")
        assert title is not None
        assert title.text


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(INSIGHTS).status_code == 200
    return len(captured)


def test_the_page_runs_the_same_queries_as_the_tenant_grows(client, sold, make_customer, offers):
    seller = sold
    client.force_login(seller[1])
    with _at(2026, 4, 20):
        before = _queries(client)
        for n in range(6):
            customer = make_customer(f"grow{n}").organization
            _buy(seller, customer, offers["standard"], n + 1,
                 partner_of_record=services.location_partner_id(seller[2]))  # fmt: skip
        after = _queries(client)
    assert after == before


def test_an_unknown_chart_is_not_found(client, sold):
    client.force_login(sold[1])
    assert client.get("/billing/insights/nothing.csv").status_code == 404
