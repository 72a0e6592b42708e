"""The benchmark's yardsticks (performance.md §3.3), mounted at /__bench/ only under bench.settings.

`ceiling` is the cheapest page the portal could serve: the same middleware, signed-in session and
acting-organization resolution as every partner page, one indexed query and a ~1 KB template. `make bench`
scores each real page as its throughput divided by the ceiling's in the same round. `hello` touches neither
the database nor a template and is reported for context only.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from customers.models import CustomerRelationship
from partnerhub.accounts.decorators import partner_required

# Padding so the ceiling's body weighs about what a small real page's does (~1 KB), not a few bytes.
FILLER = "The ceiling: one indexed query behind the real middleware. " * 12


@require_GET
@partner_required
def ceiling(request):
    """One query on the (partner, status, customer_name, id) index, rendered by a trivial template."""
    first = (
        CustomerRelationship.objects.filter(partner=request.organization, status=CustomerRelationship.Status.ACTIVE)
        .order_by("customer_name", "id")
        .values_list("customer_name", flat=True)[:1]
    )
    return render(request, "bench/ceiling.html", {"first_customer": next(iter(first), ""), "filler": FILLER})


@require_GET
def hello(request):
    """No database, no template: the floor of what a request through the middleware costs."""
    return HttpResponse(b"hello\n", content_type="text/plain")
