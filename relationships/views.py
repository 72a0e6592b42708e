"""Find a provider, Indirect resellers / Indirect providers, partnership requests and their link."""

from __future__ import annotations

import io
from functools import partial

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from enrollment.models import Program
from enrollment.selectors import is_provider, selling_programs
from partnerhub.accounts.decorators import Eligibility, check_permission, partner_required, permission_required
from partnerhub.core import rls
from partnerhub.core.documents import DocumentRefused, attachment_response, parse_image
from partnerhub.core.errors import ApplicationError
from partnerhub.core.forms import add_service_error, posted
from partnerhub.core.invitations import Drafts, link_gone, no_referrer, revoked
from partnerhub.core.pagination import row_url
from partnerhub.core.throttle import throttle

from . import selectors, services
from .forms import AuthorizeForm, ChangeRequestForm, DirectoryFilterForm, SearchForm, SendInvitationForm

PAGE_SIZE = 25
DRAFTS = Drafts(
    session_key="partnership_drafts",
    page="relationships:invitation-draft",
    url=services.invitation_url,
    form_class=SendInvitationForm,
    send=services.partnership_invitation_send,
    template="relationships/invitation_draft.html",
    done="relationships:reseller-list",
    gone="relationships:reseller-list",
    gone_message=gettext_lazy("That draft's link is no longer shown. Select Resend to get a new link."),
)


# Enrolled as an indirect provider (whatever the status: the page says what an inactive one still needs).
PROVIDER = Eligibility(check=is_provider, template="relationships/not_provider.html")


# --- directory ----------------------------------------------------------------------------------------


@partner_required
def directory(request):
    """Find a provider: published indirect providers, by default of the organization's own region."""
    form = DirectoryFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    region = None if filters.get("all_regions") else request.organization.csp_region
    listings = selectors.provider_directory(
        region=region,
        country=filters.get("country", ""),
        service=filters.get("service", ""),
        query=filters.get("q", ""),
    )
    page = Paginator(listings, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "relationships/directory.html", {"form": form, "page": page, "region": region})


def listing_logo(request, pk: int):
    listing = selectors.listing_public(pk=pk)
    if not listing.logo:
        raise Http404
    content = listing.logo.read()
    try:  # the type its content parses as (a logo stored before uploads were parsed may be anything)
        parsed = parse_image(content)
    except DocumentRefused:
        raise Http404 from None
    # An <img> shows it; opened on its own it is saved, never rendered as a page.
    return attachment_response(
        io.BytesIO(content), filename=f"logo-{listing.pk}.{parsed.extension}", content_type=parsed.content_type
    )


@partner_required
@throttle("enrollment_change")
def my_listing(request):
    """A provider's own listing, and a change request for staff."""
    listing = selectors.listing_own(organization=request.organization)
    if listing is None:
        raise Http404
    form = ChangeRequestForm(posted(request))
    if request.method == "POST":
        check_permission(request, "relationships.request_partnership")
        if form.is_valid():
            try:
                services.listing_change_request_create(
                    listing=listing, actor=request.user, message=form.cleaned_data["message"]
                )
            except ApplicationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("Your change request was sent to the directory team."))
                return redirect("relationships:my-listing")
    return render(
        request,
        "relationships/my_listing.html",
        {
            "listing": listing,
            "form": form,
            "requests": selectors.change_request_list(organization=request.organization),
        },
    )


# --- provider side -----------------------------------------------------------------------------------------


@permission_required(partners_only=True, eligibility=PROVIDER)
def reseller_list(request):
    """The provider's Indirect resellers, its partnership requests, and "Request a partnership"."""
    organization = request.organization
    selling = selling_programs(organization)
    search = SearchForm(request.GET or None)
    query = search.cleaned_data.get("q", "") if search.is_valid() else ""
    page = Paginator(selectors.reseller_list(provider=organization, query=query), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "relationships/reseller_list.html",
        {
            "page": page,
            "search": search,
            "invitations": selectors.invitation_list(provider=organization)[:20],
            # the service's rules (partnership_invitation_create; the status lookup's SELLER), from one query
            "is_active_provider": Program.INDIRECT_PROVIDER in selling,
            "may_look_up": bool(selling),
            "may_request": request.user.has_perm("relationships.request_partnership", request.membership),
            "may_manage": request.user.has_perm("relationships.manage_partnership", request.membership),
            "may_use_access": request.user.has_perm("relationships.use_reseller_admin_access", request.membership),
            # each row's links, reversed once for the page
            "account_url": row_url("relationships:reseller-account", int_key=True),
            "remove_url": row_url("relationships:reseller-remove", int_key=True),
            "resend_url": row_url("relationships:invitation-resend", int_key=True),
            "revoke_url": row_url("relationships:invitation-revoke", int_key=True),
        },
    )


@require_POST
@partner_required
@throttle("invitation_create")
@permission_required("relationships.request_partnership")
def invitation_create(request):
    """ "Request a partnership": a new personal link, shown once on the draft page."""
    return DRAFTS.created(
        request,
        lambda: services.partnership_invitation_create(provider=request.organization, actor=request.user),
        failed="relationships:reseller-list",
    )


def _default_message(request, link: str) -> str:
    return _(
        "Hello,\n\n%(provider)s invites you to become one of its indirect resellers in the CSP program. As your "
        "indirect provider we can place orders and add subscriptions for your customers.\n\nA Global admin of your "
        "company can accept with this personal link:\n%(link)s\n\nBest regards,\n%(name)s\n%(provider)s"
    ) % {"provider": request.organization.legal_name, "link": link, "name": request.user.get_full_name()}


@partner_required
@throttle("partner_email_send")
@permission_required("relationships.request_partnership")
def invitation_draft(request, pk: int):
    """The draft email: open it in the mail client, copy it, or send it from PartnerHub."""
    invitation = selectors.invitation_of_provider(provider=request.organization, pk=pk)
    subject = _("Become an indirect reseller of %(provider)s") % {"provider": request.organization.legal_name}
    return DRAFTS.draft(request, invitation, subject=subject, default_message=partial(_default_message, request))


@require_POST
@partner_required
@throttle("invitation_create")
@permission_required("relationships.request_partnership")
def invitation_resend(request, pk: int):
    invitation = selectors.invitation_of_provider(provider=request.organization, pk=pk)
    return DRAFTS.renewed(
        request, invitation, services.partnership_invitation_resend, failed="relationships:reseller-list"
    )


@require_POST
@permission_required("relationships.request_partnership", partners_only=True)
def invitation_revoke(request, pk: int):
    invitation = selectors.invitation_of_provider(provider=request.organization, pk=pk)
    message = _("The partnership link was revoked.")
    return revoked(request, invitation, services.partnership_invitation_revoke, message, "relationships:reseller-list")


def _confirm_and_remove(request, relationship, *, partner, list_url: str):
    """Either side's "Remove partnership": a confirmation page (GET), then the removal (POST)."""
    check_permission(request, "relationships.manage_partnership")
    if request.method == "POST":
        try:
            services.partnership_remove(
                relationship=relationship, actor=request.user, acting_organization=request.organization
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The partnership with %(name)s was removed.") % {"name": partner.legal_name})
        return redirect(list_url)
    context = {"relationship": relationship, "partner": partner, "back": reverse(list_url)}
    return render(request, "relationships/remove_confirm.html", context)


@partner_required
def reseller_remove(request, pk: int):
    """The provider removes a partnership, after reading what it means."""
    relationship = selectors.relationship_of_provider(provider=request.organization, pk=pk)
    return _confirm_and_remove(
        request, relationship, partner=relationship.reseller, list_url="relationships:reseller-list"
    )


# --- reseller side ---------------------------------------------------------------------------------------


@partner_required
def provider_list(request):
    """The reseller's Indirect providers."""
    search = SearchForm(request.GET or None)
    query = search.cleaned_data.get("q", "") if search.is_valid() else ""
    page = Paginator(selectors.provider_list(reseller=request.organization, query=query), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "relationships/provider_list.html",
        {
            "page": page,
            "search": search,
            "may_manage": request.user.has_perm("relationships.manage_partnership", request.membership),
            "may_invite": request.user.has_perm("relationships.request_partnership", request.membership),
        },
    )


@partner_required
def provider_remove(request, pk: int):
    """The reseller removes a partnership, after reading what it means."""
    relationship = selectors.relationship_of_reseller(reseller=request.organization, pk=pk)
    return _confirm_and_remove(
        request, relationship, partner=relationship.provider, list_url="relationships:provider-list"
    )


@partner_required
def provider_admin_access_remove(request, pk: int):
    """The reseller withdraws the provider's admin access but keeps the partnership."""
    relationship = selectors.relationship_of_reseller(reseller=request.organization, pk=pk)
    check_permission(request, "relationships.manage_partnership")
    if request.method == "POST":
        try:
            services.partnership_remove_admin_access(
                relationship=relationship, actor=request.user, reseller=request.organization
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("%(name)s no longer has admin access to your account.") % {"name": relationship.provider.legal_name},
            )
        return redirect("relationships:provider-list")
    return render(request, "relationships/admin_access_confirm.html", {"relationship": relationship})


# --- the link -------------------------------------------------------------------------------------------


REFUSAL_STATUS = {
    "gone": 410,
    "not_global_admin": 403,
    "not_reseller": 403,
    "region_mismatch": 403,
    "self": 403,
    "already_partners": 409,
}


@never_cache
@ratelimit(key="ip", rate="30/m", block=True)
@rls.link_view
def invitation_accept(request, token: str):
    """A provider's partnership link: a landing page (GET) and "Authorize indirect provider" (POST)."""
    invitation = selectors.invitation_by_token(token=token)
    if gone := link_gone(invitation):
        return render(request, "relationships/invitation_gone.html", status=gone)
    assert invitation is not None  # link_gone answered 404 for a token that never existed
    here = reverse("relationships:invitation-accept", args=[token])
    context: dict[str, object] = {"invitation": invitation, "provider": invitation.provider}
    if not request.user.is_authenticated:
        services.partnership_invitation_mark_opened(invitation=invitation)
        context["login_url"] = reverse("account_login") + "?" + urlencode({"next": here})
        context["signup_url"] = reverse("account_signup") + "?" + urlencode({"next": here})
        return no_referrer(render(request, "relationships/invitation_accept.html", context))
    if request.organization is None:
        return redirect(reverse("accounts:organization-create"))
    form = AuthorizeForm(posted(request))
    try:
        if request.method == "POST" and form.is_valid():
            # No check first: the service makes every check under its locks, and its claim records the first view.
            relationship = services.partnership_accept(
                invitation=invitation, reseller=request.organization, user=request.user
            )
            messages.success(
                request,
                _("%(provider)s is now your indirect provider.") % {"provider": relationship.provider.legal_name},
            )
            return redirect("relationships:provider-list")
        services.check_acceptance(invitation=invitation, reseller=request.organization, user=request.user)
    except services.PartnershipRefused as exc:
        services.partnership_invitation_mark_opened(invitation=invitation)
        context.update(refusal=exc, **exc.context)
        return no_referrer(
            render(request, "relationships/invitation_refused.html", context, status=REFUSAL_STATUS.get(exc.code, 403))
        )
    services.partnership_invitation_mark_opened(invitation=invitation)
    context["form"] = form
    return no_referrer(render(request, "relationships/invitation_accept.html", context))
