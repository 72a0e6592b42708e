"""Agreements page, signing the partner agreement, its document, and the status lookup."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from enrollment.selectors import is_selling
from partnerhub.accounts.decorators import Eligibility, partner_required, permission_required
from partnerhub.accounts.reauth import seconds_since_authentication
from partnerhub.core.documents import PDF, attachment_response
from partnerhub.core.errors import ApplicationError
from partnerhub.core.forms import add_service_error, posted
from partnerhub.core.throttle import throttle, throttle_submission

from . import selectors, services
from .forms import LookupForm, SignForm
from .models import AgreementType

# Only a partner that names resellers (an active indirect provider or direct-bill partner) looks them up.
SELLER = Eligibility(check=is_selling, template="agreements/status_lookup_forbidden.html")


def _may_sign(request) -> bool:
    return request.user.has_perm("agreements.sign", request.membership)


def _only_global_admins(request) -> HttpResponse:
    """403 for the partner agreement: only a Global admin can view and accept it, so name them."""
    return render(
        request,
        "agreements/agreement_forbidden.html",
        {"global_admins": selectors.global_admins(organization=request.organization)},
        status=403,
    )


@partner_required
def agreement_list(request):
    """Account settings → Agreements: the partner agreement's status for the organization."""
    organization = request.organization
    version = selectors.current_version()
    standing = selectors.agreement_standing(organization=organization)
    context = {
        "version": version,
        "customer_agreement": selectors.current_version(type=AgreementType.MCA),
        "standing": standing,
        "acceptance": standing.accepted,
        "acceptances": selectors.acceptance_list(organization=organization),
        "reacceptance": standing.pending,
        "standing_reason": standing.reason(own=True),
        "is_global_admin": _may_sign(request),
        "global_admins": selectors.global_admins(organization=organization),
        "blockers": services.mpa_blockers(organization=organization),
    }
    return render(request, "agreements/agreement_list.html", context)


@partner_required
@throttle("enrollment_change")
@permission_required("agreements.sign", forbidden=_only_global_admins)
def agreement_sign(request):
    """View the partner agreement and accept it (Global admins; recently signed in)."""
    organization = request.organization
    version = selectors.current_version()
    if version is None:
        messages.error(request, _("No partner agreement is published yet."))
        return redirect("agreements:list")
    blockers = services.mpa_blockers(organization=organization)
    if blockers:
        return render(request, "agreements/agreement_blocked.html", {"blockers": blockers, "version": version})
    initial = {"first_name": request.user.first_name, "last_name": request.user.last_name, "email": request.user.email}
    form = SignForm(posted(request), initial=initial, region=organization.country.code)
    if request.method == "POST":
        if seconds_since_authentication(request) > settings.AGREEMENT_REAUTHENTICATION_SECONDS:
            messages.info(request, _("For your security, confirm your password before accepting the agreement."))
            return redirect(reverse("account_reauthenticate") + "?" + urlencode({"next": request.path}))
        if form.is_valid():
            try:
                acceptance, created = services.agreement_sign(
                    organization=organization,
                    user=request.user,
                    version=version,
                    user_agent=request.META.get("HTTP_USER_AGENT", ""),
                    **form.cleaned_data,
                )
            except ApplicationError as exc:
                add_service_error(form, exc)
            else:
                if created:
                    messages.success(request, _("Thank you: the partner agreement is accepted."))
                else:
                    messages.info(
                        request,
                        _("The partner agreement was already accepted by %(name)s on %(date)s.")
                        % {
                            "name": acceptance.signer_name,
                            "date": date_format(timezone.localtime(acceptance.accepted_at), "DATETIME_FORMAT"),
                        },
                    )
                # The Agreements page says they are all set (the CSP welcome page offers to enrol again).
                return redirect("agreements:list")
    return render(
        request,
        "agreements/agreement_sign.html",
        {
            "form": form,
            "version": version,
            "stale": seconds_since_authentication(request) > settings.AGREEMENT_REAUTHENTICATION_SECONDS,
        },
    )


@permission_required("agreements.sign", partners_only=True, forbidden=_only_global_admins)
def agreement_document(request, pk: int):
    """The agreement PDF: inline to read it, or ?download=1 to save it (Global admins)."""
    version = selectors.version_get(pk=pk)
    # Inline only for the signing page's frame, where the browser's PDF viewer shows it: the text was parsed as
    # a PDF at upload and is served as application/pdf with nosniff, so it never renders as a page of ours.
    response = attachment_response(
        version.document.open("rb"),
        content_type=PDF,
        inline=not request.GET.get("download"),
        filename=f"partnerhub-{version.type}-{version.version}.pdf",
    )
    response["X-Frame-Options"] = "SAMEORIGIN"  # shown in the signing page's frame
    return response


@partner_required
def acceptance_record(request, pk: int):
    """A plain-text record of an acceptance, to keep with one's files."""
    acceptance = selectors.acceptance_get(organization=request.organization, pk=pk)
    lines = [
        f"{_('Organization')}: {acceptance.organization.legal_name} ({acceptance.organization.tenant_id})",
        f"{_('Agreement')}: {acceptance.version}",
        f"{_('Document SHA-256')}: {acceptance.document_sha256}",
        f"{_('CSP region')}: {acceptance.get_csp_region_display()}",
        f"{_('Accepted by')}: {acceptance.signer_name} <{acceptance.email}> {acceptance.phone or ''}",
        f"{_('Accepted at (UTC)')}: {acceptance.accepted_at:%Y-%m-%d %H:%M:%S}",
        f"{_('IP address')}: {acceptance.ip_address or '-'}",
        f"{_('User agent')}: {acceptance.user_agent or '-'}",
    ]
    response = HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="acceptance-{acceptance.pk}.txt"'
    return response


@require_POST
@partner_required
@throttle("reminder_email")
def request_signature(request):
    """Someone who can't sign asks the Global admins to (at most once a day)."""
    if _may_sign(request):
        return redirect("agreements:sign")
    created = services.agreement_request_signature(organization=request.organization, requester=request.user)
    if created is None:
        messages.info(request, _("The Global admins were already asked in the last 24 hours."))
    else:
        messages.success(request, _("We asked your Global admins to accept the partner agreement."))
    return redirect("agreements:list")


@partner_required
@throttle("partner_id_lookup", methods=("GET", "POST"), only_if=throttle_submission)
@permission_required(eligibility=SELLER)
def status_lookup(request):
    """For active providers: may this partner ID be named as reseller? It names the reseller only when it
    may be named, and gives the reason (a code, naming no one) when it may not."""
    organization = request.organization
    form = LookupForm(request.GET or None)
    result = None
    if form.is_valid():
        result = selectors.agreement_status_lookup(
            number=form.cleaned_data["number"], provider_region=organization.csp_region
        )
    return render(request, "agreements/status_lookup.html", {"form": form, "result": result})
