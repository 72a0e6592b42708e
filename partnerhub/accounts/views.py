"""Company account, users and invitations."""

from __future__ import annotations

from allauth.account.adapter import get_adapter
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from partnerhub.core import rls
from partnerhub.core.errors import ApplicationError
from partnerhub.core.forms import add_service_error, posted
from partnerhub.core.invitations import link_gone, no_referrer, revoked
from partnerhub.core.throttle import throttle

from . import selectors, services
from .decorators import permission_required
from .forms import MemberRolesForm, OrganizationForm, OrganizationSwitchForm, UserInvitationForm
from .middleware import SESSION_KEY
from .models import Membership, UserInvitation

MEMBERS_PER_PAGE = 50


@login_required
@throttle("organization_create")
def organization_create(request):
    """ "Create your company account": the first step of every partner."""
    if request.organization is not None:
        return redirect("core:dashboard")
    form = OrganizationForm(posted(request), user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            organization = services.organization_create(user=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            request.session[SESSION_KEY] = organization.pk
            messages.success(request, _("%(name)s is ready. You are its Global admin.") % {"name": organization})
            return redirect("core:dashboard")
    return render(request, "accounts/organization_form.html", {"form": form})


@require_POST
@login_required
def organization_switch(request):
    """Act for another organization the user belongs to."""
    form = OrganizationSwitchForm(request.POST)
    membership = None
    if form.is_valid():
        membership = Membership.objects.filter(
            user=request.user, organization_id=form.cleaned_data["organization"]
        ).first()
    if membership is None:
        messages.error(request, _("You are not a member of that organization."))
    else:
        request.session[SESSION_KEY] = membership.organization_id
    return redirect("core:dashboard")


@permission_required("accounts.manage_users")
def member_list(request):
    """Account settings → Users: members with their roles and pending invitations."""
    page = Paginator(selectors.membership_list(organization=request.organization), MEMBERS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    invitations = selectors.user_invitation_list(organization=request.organization)
    return render(
        request,
        "accounts/member_list.html",
        {"page": page, "invitations": invitations, "invite_form": UserInvitationForm()},
    )


@permission_required("accounts.manage_users")
@throttle("invitation_create")
def invitation_create(request):
    form = UserInvitationForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.user_invitation_create(
                organization=request.organization, invited_by=request.user, **form.cleaned_data
            )
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
            return redirect("accounts:member-list")
    return render(request, "accounts/invitation_form.html", {"form": form})


@require_POST
@permission_required("accounts.manage_users")
@throttle("invitation_create")
def invitation_resend(request, pk: int):
    invitation = selectors.user_invitation_get(organization=request.organization, pk=pk)
    try:
        services.user_invitation_resend(invitation=invitation, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("A new link was sent to %(email)s.") % {"email": invitation.email})
    return redirect("accounts:member-list")


@require_POST
@permission_required("accounts.manage_users")
def invitation_revoke(request, pk: int):
    invitation = selectors.user_invitation_get(organization=request.organization, pk=pk)
    message = _("The invitation to %(email)s was revoked.") % {"email": invitation.email}
    return revoked(request, invitation, services.user_invitation_revoke, message, "accounts:member-list")


@permission_required("accounts.manage_users")
def member_update(request, pk: int):
    """Change a member's roles."""
    membership = selectors.membership_get(organization=request.organization, pk=pk)
    form = MemberRolesForm(posted(request), initial={"roles": membership.roles})
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_update_roles(
                membership=membership, roles=form.cleaned_data["roles"], actor=request.user
            )
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Roles of %(name)s updated.") % {"name": membership.user.get_full_name()})
            return redirect("accounts:member-list")
    return render(request, "accounts/member_form.html", {"form": form, "member": membership})


@permission_required("accounts.manage_users")
def member_remove(request, pk: int):
    """Confirm, then remove a member."""
    membership = selectors.membership_get(organization=request.organization, pk=pk)
    if request.method == "POST":
        try:
            services.membership_remove(membership=membership, actor=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("%(name)s was removed from %(organization)s.")
                % {"name": membership.user.get_full_name(), "organization": request.organization},
            )
            if membership.user_id == request.user.pk:
                return redirect("core:dashboard")
        return redirect("accounts:member-list")
    return render(request, "accounts/member_confirm_remove.html", {"member": membership})


def _invitation_gone(request, invitation: UserInvitation | None):
    """The same page whatever the reason, so a link tells nothing about its invitation's state."""
    return render(request, "accounts/invitation_gone.html", status=link_gone(invitation) or 410)


@never_cache
@ratelimit(key="ip", rate="30/m", block=True)
@rls.link_view
def invitation_accept(request, token: str):
    """The link in an invitation email: a side-effect-free landing page (GET) and the acceptance (POST)."""
    invitation = selectors.user_invitation_by_token(token=token)
    if link_gone(invitation):
        return _invitation_gone(request, invitation)
    assert invitation is not None  # link_gone answered 404 for a token that never existed
    here = reverse("accounts:invitation-accept", args=[token])
    context: dict[str, object] = {"invitation": invitation}
    if not request.user.is_authenticated:
        # Whoever holds the link controls the invited mailbox: signing up with that address needs
        # no second verification email.
        get_adapter(request).stash_verified_email(request, invitation.email)
        context["login_url"] = reverse("account_login") + "?" + urlencode({"next": here})
        context["signup_url"] = reverse("account_signup") + "?" + urlencode({"email": invitation.email, "next": here})
        response = render(request, "accounts/invitation_accept.html", context)
    elif request.user.email.lower() != invitation.email:
        response = render(request, "accounts/invitation_wrong_user.html", context, status=403)
    elif request.method == "POST":
        try:
            membership = services.user_invitation_accept(invitation=invitation, user=request.user)
        except services.InvitationGone:
            return _invitation_gone(request, invitation)
        except services.InvitationForSomeoneElse:
            response = render(request, "accounts/invitation_wrong_user.html", context, status=403)
        except ApplicationError as exc:
            messages.info(request, exc.message)
            return redirect("core:dashboard")
        else:
            request.session[SESSION_KEY] = membership.organization_id
            messages.success(request, _("Welcome to %(organization)s.") % {"organization": membership.organization})
            return redirect("core:dashboard")
    else:
        response = render(request, "accounts/invitation_accept.html", context)
    return no_referrer(response)


@never_cache
@ratelimit(key="ip", rate="30/m", block=True)
@rls.link_view
def recovery_email_confirm(request, token: str):
    """The link in the "confirm your recovery address" email: a page (GET), then the confirmation (POST)."""
    try:
        user = services.recovery_email_user(token)
    except services.RecoveryLinkInvalid:  # never signed by us: as an unknown invitation token
        return render(request, "accounts/recovery_email_confirm.html", {"gone": True}, status=404)
    if user is None:  # expired, or the address changed since
        return render(request, "accounts/recovery_email_confirm.html", {"gone": True}, status=410)
    if request.method == "POST":
        services.recovery_email_confirm(user=user)
        messages.success(
            request,
            _("Thank you. Password resets and security notices for %(user)s now go to %(email)s.")
            % {"user": user.email, "email": user.recovery_email},
        )
        return redirect("account_login")
    response = render(request, "accounts/recovery_email_confirm.html", {"account": user})
    response["Referrer-Policy"] = "same-origin"
    return response
