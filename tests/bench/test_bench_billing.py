"""bench_billing on a small benchmark world: purchases rated for every tier, one invoice per pair and period,
each the sum of its lines, with lines attached in several batches; the report prints both sizes."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.db.models import Count, Sum

from billing.models import ChargeLine, Invoice
from billing.services import runs

pytestmark = pytest.mark.usefixtures("bench_app")  # bench_billing is bench.settings' command only


@pytest.mark.django_db
def test_bench_billing_rates_and_invoices_the_seeded_world(monkeypatch, tmp_path):
    monkeypatch.setattr(runs, "LINE_BATCH", runs.LINE_BATCH)  # the command sets it from --batch
    call_command("seed_bench", scale="1", factor=0.002, manifest=tmp_path / "manifest.json", stdout=io.StringIO())
    out = io.StringIO()
    call_command(
        "bench_billing", sizes=[15, 45], batch=7, warmup=5, output=tmp_path / "report-billing.json", stdout=out
    )
    report = out.getvalue().splitlines()
    assert "rated/s" in report[0]
    assert [int(row.split()[0].replace(",", "")) for row in report[1:]] == [15, 45]

    rated = ChargeLine.objects.filter(source__startswith="bench:purchase:")
    assert rated.values("subscription").distinct().count() == 5 + 15 + 45  # the warm-up's too, not reported
    assert not ChargeLine.objects.filter(invoice=None).exists()
    per_tier = ChargeLine.objects.values("source", "recipient").annotate(n=Count("id")).filter(n__gt=1)
    assert not per_tier.exists()
    for invoice in Invoice.objects.annotate(lines_total=Sum("lines__total"), lines_subtotal=Sum("lines__subtotal")):
        assert invoice.total == invoice.lines_total
        assert invoice.subtotal == invoice.lines_subtotal
    assert Invoice.objects.annotate(n=Count("lines")).filter(n__gt=7).exists()  # attached in several batches

    written = json.loads((tmp_path / "report-billing.json").read_text())
    assert [result["subscriptions"] for result in written["results"]] == [15, 45]
    assert [target["limit"] for target in written["targets"]] == ["≥ 1,000", "≤ 2.0"]
    markdown = (tmp_path / "report-billing.md").read_text()
    assert "| invoiced lines/s (slowest size) |" in markdown
    assert f"Database role: `{written['database_role']['name']}`" in markdown
