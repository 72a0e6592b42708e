"""Insights: charts of what the organization billed and was billed, its seats, renewals and overdue balance,
each with its numbers as a table and a CSV download."""

from __future__ import annotations

import csv

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from partnerhub.accounts.decorators import permission_required

from .. import insights
from ..charts import bars


def _currency(request, scope: insights.Scope, default: str) -> tuple[str, list[str]]:
    available = insights.currencies(scope)
    if default not in available:
        available = sorted({*available, default})
    chosen = request.GET.get("currency", "")
    return (chosen if chosen in available else default), available


def insights_context(request, scope: insights.Scope, default_currency: str) -> dict:
    """What the Insights page shows (the partner's page and staff's program view)."""
    currency, available = _currency(request, scope, default_currency)
    charts = insights.charts(scope, currency=currency, today=timezone.localdate())
    return {
        "currency": currency,
        "currencies": available,
        "charts": [(chart, bars(chart)) for chart in charts],
    }


def chart_csv(chart: insights.Chart) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{chart.slug}.csv"'
    writer = csv.writer(response)
    writer.writerow(["", *(name for name, _values in chart.series), *(["currency"] if chart.unit else [])])
    for label, values in chart.rows():
        writer.writerow([label, *(str(value) for value in values), *([chart.unit] if chart.unit else [])])
    return response


@permission_required("billing.view_billing", partners_only=True)
def index(request):
    scope = insights.Scope.organization(request.organization.pk)
    context = insights_context(request, scope, request.organization.currency)
    return render(request, "billing/insights.html", {"tab": "insights", **context})


@permission_required("billing.view_billing", partners_only=True)
def csv_download(request, chart):
    scope = insights.Scope.organization(request.organization.pk)
    currency, _available = _currency(request, scope, request.organization.currency)
    found = insights.chart(scope, chart, currency=currency, today=timezone.localdate())
    if found is None:
        raise Http404
    return chart_csv(found)
