"""Reseller relationship requests: create, draft email, send, revoke; and the link's landing page."""

from __future__ import annotations

from functools import partial

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from partnerhub.core import rls
from partnerhub.core.errors import ApplicationError
from partnerhub.core.forms import add_service_error, posted
from partnerhub.core.invitations import Drafts, link_gone, revoked
from partnerhub.core.throttle import throttle
from relationships import selectors as relationship_selectors

from .. import selectors, services
from ..forms import AcceptInvitationForm, CustomerSignupForm, InvitationCreateForm, SendInvitationForm
from .common import PAGE_SIZE, partner_required, permission_required

DRAFTS = Drafts(
    session_key="customer_invitation_drafts",
    page="customers:invitation-draft",
    url=services.invitation_url,
    form_class=SendInvitationForm,
    send=services.customer_invitation_send,
    template="customers/invitation_draft.html",
    done="customers:customer-list",
    gone="customers:customer-list",
    gone_message=gettext_lazy("That draft's link is no longer shown. Create a new request to get a link."),
)


@require_POST
@partner_required
@throttle("invitation_create")
@permission_required("customers.add_customer")
def invitation_create(request):
    """ "Request a reseller relationship" (a seller), or "Invite new customers" (a reseller, for itself
    and the provider of `relationship`)."""
    form = InvitationCreateForm(request.POST)
    delegated_admin = form.is_valid() and form.cleaned_data["delegated_admin"]
    provider = None
    back = "customers:customer-list"
    if relationship_pk := request.POST.get("relationship", ""):
        if not (relationship_pk.isascii() and relationship_pk.isdigit()):
            return redirect("relationships:provider-list")
        provider = relationship_selectors.relationship_of_reseller(
            reseller=request.organization, pk=int(relationship_pk)
        ).provider
        back = "relationships:provider-list"
    return DRAFTS.created(
        request,
        lambda: services.customer_invitation_create(
            sender=request.organization, actor=request.user, delegated_admin=delegated_admin, provider=provider
        ),
        failed=back,
    )


def _default_message(request, invitation, link: str) -> str:
    if invitation.reseller_id:
        intro = _(
            "%(reseller)s invites you to authorize it and its indirect provider, %(provider)s, as resellers for "
            "your organization."
        ) % {"reseller": invitation.reseller.legal_name, "provider": invitation.partner.legal_name}
    else:
        intro = _("%(partner)s invites you to authorize it as a reseller for your organization.") % {
            "partner": invitation.partner.legal_name
        }
    if invitation.delegated_admin:
        intro += " " + _("The request includes delegated administration privileges.")
    return _(
        "Hello,\n\n%(intro)s\n\nA Global admin of your organization can accept with this personal link:\n%(link)s"
        "\n\nBest regards,\n%(name)s\n%(sender)s"
    ) % {"intro": intro, "link": link, "name": request.user.get_full_name(), "sender": request.organization.legal_name}


@partner_required
@throttle("partner_email_send")
@permission_required("customers.add_customer")
def invitation_draft(request, pk: int):
    """The draft email: open it in the mail client, copy it, or send it from PartnerHub."""
    invitation = selectors.invitation_of_sender(sender=request.organization, pk=pk)
    subject = _("Reseller relationship request from %(partner)s") % {"partner": request.organization.legal_name}
    return DRAFTS.draft(
        request, invitation, subject=subject, default_message=partial(_default_message, request, invitation)
    )


@permission_required("customers.view_customers", partners_only=True)
def invitation_list(request):
    """Customers → Reseller relationship requests: the links this partner sent, newest first."""
    page = selectors.CappedPaginator(selectors.invitation_list(sender=request.organization), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "customers/invitation_list.html", {"page": page})


@require_POST
@partner_required
@throttle("invitation_create")
@permission_required("customers.add_customer")
def invitation_resend(request, pk: int):
    """A new link for the same request (the old one stops working), shown on the draft page."""
    invitation = selectors.invitation_of_sender(sender=request.organization, pk=pk)
    return DRAFTS.renewed(request, invitation, services.customer_invitation_resend, failed="customers:invitation-list")


@require_POST
@permission_required("customers.add_customer", partners_only=True)
def invitation_revoke(request, pk: int):
    invitation = selectors.invitation_of_sender(sender=request.organization, pk=pk)
    return revoked(
        request,
        invitation,
        services.customer_invitation_revoke,
        _("The link no longer works."),
        "customers:invitation-list",
    )


# --- the customer's side of the link ----------------------------------------------------------------------


def _invitation_gone(request, status: int = 410):
    """410 Gone for a link that worked once (used, revoked, expired), as for partnership links; 404 for
    a token that never existed. The page explains either way."""
    return render(request, "customers/invitation_gone.html", status=status)


@never_cache
@ratelimit(key="ip", rate="60/m", method="POST", block=True)
@rls.link_view
def invitation_accept(request, token: str):
    """What the link opens: sign in as the customer's Global admin and accept, or create the customer account."""
    invitation = selectors.invitation_by_token(token=token)
    if gone := link_gone(invitation):
        return _invitation_gone(request, status=gone)
    assert invitation is not None  # link_gone answered 404 for a token that never existed
    context = {"invitation": invitation}
    if not request.user.is_authenticated:
        form = CustomerSignupForm(posted(request))
        if request.method == "POST" and form.is_valid():
            account = {k: v for k, v in form.cleaned_data.items() if k in services.ACCOUNT_FIELDS}
            account["contact_phone"] = str(account["contact_phone"] or "")
            account["country"] = str(account["country"])
            try:
                user = services.customer_signup_and_accept(
                    invitation=invitation,
                    account=account,
                    password=form.cleaned_data["password"],
                    accept_agreement=form.cleaned_data["accept_agreement"],
                )
            except ApplicationError as exc:
                if exc.code == "gone":  # used, revoked or expired while the form was being filled in
                    return _invitation_gone(request)
                add_service_error(form, exc)
            else:
                login(request, user, backend="partnerhub.accounts.backends.AuthenticationBackend")
                messages.success(
                    request,
                    _("Your customer account is ready. You sign in as %(email)s.") % {"email": user.email}
                    + " "
                    + _("To be able to recover it, confirm your address %(recovery)s from the email we sent there.")
                    % {"recovery": user.recovery_email},
                )
                return redirect("customers:partner-relationships")
        sign_in = reverse("account_login") + "?" + urlencode({"next": request.path})
        return render(
            request,
            "customers/invitation_signup.html",
            {**context, "form": form, "sign_in_url": sign_in, "domain_suffix": settings.CUSTOMER_DOMAIN_SUFFIX},
        )
    customer = request.organization
    try:
        if customer is None:
            raise services.CustomersError(
                _(
                    "Your account doesn't belong to a customer organization yet. Sign out, then create your customer "
                    "account from this link."
                )  # fmt: skip
            )
        services.check_invitation(invitation=invitation, customer=customer, user=request.user)
    except ApplicationError as exc:
        return render(request, "customers/invitation_refused.html", {**context, "reason": exc.message}, status=403)
    needs_agreement = not services.has_customer_agreement(customer)
    accept_form = AcceptInvitationForm(posted(request))
    if request.method == "POST" and accept_form.is_valid():
        try:
            services.customer_invitation_accept(
                invitation=invitation,
                customer=customer,
                user=request.user,
                accept_agreement=needs_agreement and accept_form.cleaned_data["accept_agreement"],
            )
        except ApplicationError as exc:
            if exc.code == "gone":
                return _invitation_gone(request)
            add_service_error(accept_form, exc)
        else:
            messages.success(request, _("The reseller relationship was accepted."))
            return redirect("customers:partner-relationships")
    return render(
        request,
        "customers/invitation_accept.html",
        {**context, "form": accept_form, "customer": customer, "needs_agreement": needs_agreement},
    )
