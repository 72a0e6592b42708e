"""Account settings → API: a Global admin's list of the organization's API clients, a new client (its secret
shown once), a client's recent calls, and revoking it. HTML pages of the portal, over api/services.py.

The secret never goes into a URL, a message or a log: the creating POST keeps it under a one-time session key
and redirects; the page after it reads the key and deletes it, so a reload (or the back button) shows it no
more. That page is never cached."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import OuterRef, QuerySet, Subquery
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.cache import never_cache

from agreements.selectors import global_admins
from partnerhub.accounts.decorators import permission_required
from partnerhub.accounts.models import Organization
from partnerhub.core.errors import ApplicationError
from partnerhub.core.forms import add_service_error, posted

from .. import services
from ..forms import ApiClientForm
from ..models import ApiCall, ApiClient

CLIENTS_PER_PAGE = 50
RECENT_CALLS = 50
NEW_SECRET = "api_client_new_secret"  # noqa: S105 - the session key the secret waits under until shown
STATUS_LABELS = {
    "live": pgettext_lazy("API client", "Live"),
    "expired": pgettext_lazy("API client", "Expired"),
    "revoked": pgettext_lazy("API client", "Revoked"),
}
MANAGE = "api.manage_clients"


def client_status(client: ApiClient, now=None) -> str:
    """live, expired or revoked: what the token endpoint and the authentication answer for the client now."""
    if client.revoked_at is not None:
        return "revoked"
    if client.expires_at is not None and client.expires_at <= (now or timezone.now()):
        return "expired"
    return "live"


def client_list_query(*, organization: Organization) -> QuerySet[ApiClient]:
    """The organization's clients, newest first, with their creator and the time of their last call (one
    query, whatever the number of clients or calls: the call log's (client, -at) index answers each)."""
    last_call = ApiCall.objects.filter(client=OuterRef("pk")).order_by("-at").values("at")[:1]
    return (
        ApiClient.objects.filter(organization=organization)
        .select_related("created_by")
        .annotate(last_call_at=Subquery(last_call))
        .order_by("-created_at", "-pk")
    )


def client_get(*, organization: Organization, pk: int) -> ApiClient:
    """One of the organization's clients; 404 for another organization's, as for one that doesn't exist."""
    return get_object_or_404(ApiClient.objects.select_related("created_by", "revoked_by"), organization=organization,
                             pk=pk)  # fmt: skip


def _only_global_admins(request):
    """403 for anyone else, naming the organization's Global admins to ask."""
    admins = global_admins(organization=request.organization)
    return render(request, "api/clients/forbidden.html", {"global_admins": admins}, status=403)


def _with_status(clients, now=None):
    now = now or timezone.now()
    for client in clients:
        client.status = client_status(client, now)
        client.status_label = STATUS_LABELS[client.status]
    return clients


@permission_required(MANAGE, partners_only=True, forbidden=_only_global_admins)
def client_list(request):
    """Account settings → API: every client of the organization, live or not."""
    page = Paginator(client_list_query(organization=request.organization), CLIENTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    _with_status(page.object_list)
    return render(request, "api/clients/client_list.html", {"page": page})


@permission_required(MANAGE, partners_only=True, forbidden=_only_global_admins)
def client_create(request):
    """New API client: name, roles (at most the creator's), allow-list, expiry; then its secret, once."""
    form = ApiClientForm(posted(request), roles_held=request.membership.roles)
    if request.method == "POST" and form.is_valid():
        try:
            client, secret = services.api_client_create(
                organization=request.organization, actor=request.user, **form.service_arguments()
            )
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            request.session[NEW_SECRET] = {"client": client.pk, "secret": secret}
            return redirect("api:clientsui-created", pk=client.pk)
    return render(request, "api/clients/client_form.html", {"form": form})


@never_cache
@permission_required(MANAGE, partners_only=True, forbidden=_only_global_admins)
def client_created(request, pk: int):
    """The new client's ID and secret. The secret is read from the session once and deleted there."""
    client = client_get(organization=request.organization, pk=pk)
    waiting = request.session.get(NEW_SECRET)
    secret = None
    if isinstance(waiting, dict) and waiting.get("client") == client.pk:
        secret = waiting["secret"]
        del request.session[NEW_SECRET]
    token_url = request.build_absolute_uri(reverse("api:token"))
    curl = None
    if secret is not None:
        curl = (
            f"curl -s -u '{client.client_id}:{secret}' -d grant_type=client_credentials {token_url}\n"
            f"curl -s -H 'Authorization: Bearer <access_token>' "
            f"{request.build_absolute_uri(reverse('api:organization'))}"
        )
    response = render(
        request, "api/clients/client_created.html",
        {"client": client, "secret": secret, "curl": curl, "token_url": token_url},
    )  # fmt: skip
    response["Referrer-Policy"] = "no-referrer"
    return response


@permission_required(MANAGE, partners_only=True, forbidden=_only_global_admins)
def client_detail(request, pk: int):
    """A client's settings and its last calls (time, method, path, status, request id)."""
    client = client_get(organization=request.organization, pk=pk)
    _with_status([client])
    calls = list(client.calls.order_by("-at", "-pk")[:RECENT_CALLS])
    return render(request, "api/clients/client_detail.html", {"client": client, "calls": calls,
                                                              "recent_calls": RECENT_CALLS})  # fmt: skip


@permission_required(MANAGE, partners_only=True, forbidden=_only_global_admins)
def client_revoke(request, pk: int):
    """Confirm, then revoke: the client's tokens stop working at once."""
    client = client_get(organization=request.organization, pk=pk)
    if client.revoked_at is not None:
        messages.info(request, _("%(name)s is already revoked.") % {"name": client.name})
        return redirect("api:clientsui-detail", pk=client.pk)
    if request.method == "POST":
        try:
            services.api_client_revoke(client=client, actor=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("%(name)s is revoked: its tokens no longer work.") % {"name": client.name})
        return redirect("api:clientsui-list")
    return render(request, "api/clients/client_confirm_revoke.html", {"client": client})
