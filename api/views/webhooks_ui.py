"""Account settings → API → Webhooks: a Global admin's endpoints, their secret (shown once), the delivery log
with "Redeliver", and "Send test event". Thin over api/webhooks/services.py."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Max, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from api.webhooks import services
from api.webhooks.events import EVENT_TYPES
from api.webhooks.models import WebhookDelivery, WebhookEndpoint
from partnerhub.accounts.decorators import permission_required
from partnerhub.core.errors import ApplicationError
from partnerhub.core.forms import add_service_error, posted

PERMISSION = "api.manage_webhooks"
DELIVERIES_PER_PAGE = 25


class EndpointForm(forms.Form):
    url = forms.CharField(
        label=gettext_lazy("Endpoint URL"), max_length=500,
        help_text=gettext_lazy("An https:// address of your system. PartnerHub POSTs signed events to it."),
    )  # fmt: skip
    description = forms.CharField(label=gettext_lazy("Description"), max_length=200, required=False)
    event_types = forms.MultipleChoiceField(
        label=gettext_lazy("Events"),
        choices=[(kind, kind) for kind in EVENT_TYPES],
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("test-created is always sent by “Send test event”, whichever you choose."),
    )


def _endpoint(request, pk: int) -> WebhookEndpoint:
    """The acting organization's endpoint, or 404 (another tenant's endpoint does not exist here)."""
    return get_object_or_404(WebhookEndpoint.objects.select_related("organization"), pk=pk,
                             organization=request.organization)  # fmt: skip


@permission_required(PERMISSION, partners_only=True)
def endpoint_list(request):
    endpoints = (
        WebhookEndpoint.objects.filter(organization=request.organization)
        .annotate(
            pending=Count("deliveries", filter=Q(deliveries__status=WebhookDelivery.Status.PENDING)),
            failed=Count("deliveries", filter=Q(deliveries__status=WebhookDelivery.Status.FAILED)),
            last_delivery_at=Max("deliveries__created_at"),
        )
        .order_by("created_at", "pk")
    )
    return render(request, "api/webhooks/endpoint_list.html", {"endpoints": endpoints})


@never_cache
@permission_required(PERMISSION, partners_only=True)
def endpoint_create(request):
    form = EndpointForm(
        posted(request), initial={"event_types": [kind for kind in EVENT_TYPES if kind != "test-created"]}
    )
    if request.method == "POST" and form.is_valid():
        try:
            endpoint, secret = services.webhook_endpoint_create(
                organization=request.organization, actor=request.user, url=form.cleaned_data["url"],
                event_types=form.cleaned_data["event_types"], description=form.cleaned_data["description"],
            )  # fmt: skip
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            return render(
                request, "api/webhooks/secret.html", {"endpoint": endpoint, "secret": secret, "created": True}
            )
    return render(request, "api/webhooks/endpoint_form.html", {"form": form})


@permission_required(PERMISSION, partners_only=True)
def endpoint_detail(request, pk: int):
    endpoint = _endpoint(request, pk)
    deliveries = (
        WebhookDelivery.objects.filter(endpoint=endpoint).select_related("event").order_by("-created_at", "-pk")
    )
    page = Paginator(deliveries, DELIVERIES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "api/webhooks/endpoint_detail.html", {"endpoint": endpoint, "page": page})


@permission_required(PERMISSION, partners_only=True)
def endpoint_update(request, pk: int):
    endpoint = _endpoint(request, pk)
    initial = {"url": endpoint.url, "description": endpoint.description, "event_types": endpoint.event_types}
    form = EndpointForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.webhook_endpoint_update(
                endpoint=endpoint, actor=request.user, url=form.cleaned_data["url"],
                event_types=form.cleaned_data["event_types"], description=form.cleaned_data["description"],
            )  # fmt: skip
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The endpoint was updated."))
            return redirect("api:webhooks-endpoint-detail", endpoint.pk)
    return render(request, "api/webhooks/endpoint_form.html", {"form": form, "endpoint": endpoint})


@permission_required(PERMISSION, partners_only=True)
def endpoint_delete(request, pk: int):
    endpoint = _endpoint(request, pk)
    if request.method == "POST":
        try:
            services.webhook_endpoint_delete(endpoint=endpoint, actor=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("api:webhooks-endpoint-detail", endpoint.pk)
        messages.success(request, _("The endpoint %(url)s was deleted.") % {"url": endpoint.url})
        return redirect("api:webhooks-endpoint-list")
    return render(request, "api/webhooks/endpoint_confirm_delete.html", {"endpoint": endpoint})


@require_POST
@permission_required(PERMISSION, partners_only=True)
def endpoint_toggle(request, pk: int):
    endpoint = _endpoint(request, pk)
    enable = not endpoint.is_active
    try:
        services.webhook_endpoint_update(endpoint=endpoint, actor=request.user, is_active=enable)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The endpoint was enabled.") if enable else _("The endpoint was disabled."))
    return redirect("api:webhooks-endpoint-detail", endpoint.pk)


@never_cache
@require_POST
@permission_required(PERMISSION, partners_only=True)
def endpoint_rotate(request, pk: int):
    endpoint = _endpoint(request, pk)
    try:
        endpoint, secret = services.webhook_endpoint_rotate_secret(endpoint=endpoint, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("api:webhooks-endpoint-detail", endpoint.pk)
    return render(request, "api/webhooks/secret.html", {"endpoint": endpoint, "secret": secret, "created": False})


@require_POST
@permission_required(PERMISSION, partners_only=True)
def endpoint_test(request, pk: int):
    endpoint = _endpoint(request, pk)
    try:
        services.webhook_send_test(endpoint=endpoint, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("A test-created event is on its way. Reload to see its delivery."))
    return redirect("api:webhooks-endpoint-detail", endpoint.pk)


@require_POST
@permission_required(PERMISSION, partners_only=True)
def delivery_redeliver(request, pk: int, delivery_pk: int):
    endpoint = _endpoint(request, pk)
    delivery = get_object_or_404(WebhookDelivery.objects.select_related("event", "endpoint__organization"),
                                 pk=delivery_pk, endpoint=endpoint)  # fmt: skip
    try:
        services.webhook_redeliver(delivery=delivery, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The event %(id)s will be delivered again.") % {"id": delivery.event.event_id})
    return redirect("api:webhooks-endpoint-detail", endpoint.pk)
