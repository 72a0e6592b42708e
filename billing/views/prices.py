"""Placeholder: replaced by the prices area's pages."""

from django.shortcuts import render

from partnerhub.accounts.decorators import permission_required


@permission_required("billing.view_billing")
def index(request):
    return render(request, "billing/placeholder.html", {"tab": "prices"})
