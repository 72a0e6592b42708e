"""Invitations by link, written once: an abstract token invitation with its lifecycle, and the steps the
apps' invitation services and views share.

A link carries a random token; only its SHA-256 is stored. The invitation expires, works once (the claim
is a conditional UPDATE), can be revoked, and resending rotates the token so the old link stops working.
Each concrete invitation (a user to an organization, a reseller to a provider, a customer to a partner)
keeps its own fields, status names, emails, URLs, audit codes and permissions.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Self, TypeVar
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.db import models, transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from partnerhub.core import rls
from partnerhub.core.audit import audit_record
from partnerhub.core.drafts import draft_remember, draft_token
from partnerhub.core.errors import ApplicationError
from partnerhub.core.forms import add_service_error, posted
from partnerhub.core.outbox import outbound_email_queue

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

MAX_TOKEN_LENGTH = 128  # a longer string is no token of ours: not even hashed


def hash_token(token: str) -> str:
    """SHA-256 of an invitation token: the only form in which tokens are stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    """A fresh 256-bit URL-safe token and its hash."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


# --- the model --------------------------------------------------------------------------------------------


class TokenInvitationQuerySet(models.QuerySet):
    def open(self) -> Self:
        """Neither accepted nor revoked (pending or expired)."""
        return self.filter(accepted_at=None, revoked_at=None)

    def pending(self, now: datetime | None = None) -> Self:
        """Open and not expired: the link still works."""
        return self.open().filter(expires_at__gt=now or timezone.now())

    def expired(self, now: datetime | None = None) -> Self:
        """Open but past its expiry."""
        return self.open().filter(expires_at__lte=now or timezone.now())

    def from_link(self, token: str) -> Self:
        """The invitation a link's token points at (in whatever state); nothing for a token that can't be ours.

        The link is the capability: this transaction may see its invitation through row-level security."""
        if not token or len(token) > MAX_TOKEN_LENGTH:
            return self.none()
        token_hash = hash_token(token)
        rls.set_token(token_hash)
        return self.filter(token_hash=token_hash)

    def claim(self, invitation: TokenInvitation, *, user, now: datetime, **fields) -> bool:
        """Accept once: a conditional UPDATE, so of two concurrent accepts only one succeeds."""
        return bool(self.pending(now).filter(pk=invitation.pk).update(accepted_at=now, accepted_by=user, **fields))


class TokenInvitation(models.Model):
    """The fields and lifecycle every invitation by link shares. A concrete model adds its own fields,
    a `Status` with ACCEPTED, REVOKED and EXPIRED, `live_status()` when its live state is not SENT, and
    `owner_field`: the organization that sends it (the one its audit rows and emails belong to)."""

    owner_field = "organization"

    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField(gettext_lazy("expires"))
    accepted_at = models.DateTimeField(gettext_lazy("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(gettext_lazy("revoked"), null=True, blank=True)

    objects = TokenInvitationQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def owner(self):
        return getattr(self, self.owner_field)

    def live_status(self) -> str:
        """The status of a link that still works."""
        return self.Status.SENT  # type: ignore[attr-defined]

    @property
    def status(self) -> str:
        if self.accepted_at:
            return self.Status.ACCEPTED  # type: ignore[attr-defined]
        if self.revoked_at:
            return self.Status.REVOKED  # type: ignore[attr-defined]
        if self.expires_at <= timezone.now():
            return self.Status.EXPIRED  # type: ignore[attr-defined]
        return self.live_status()

    def get_status_display(self) -> str:
        return str(self.Status(self.status).label)  # type: ignore[attr-defined]

    @property
    def is_usable(self) -> bool:
        """The link still works: not accepted, not revoked, not expired."""
        return not (self.is_closed or self.expires_at <= timezone.now())

    @property
    def is_closed(self) -> bool:
        """Accepted or revoked: nothing more can happen to it."""
        return bool(self.accepted_at or self.revoked_at)

    def revoke(self, now: datetime | None = None) -> None:
        self.revoked_at = now or timezone.now()
        self.save(update_fields=["revoked_at"])

    def renew(self, *, ttl_days: int, now: datetime | None = None, **fields) -> str:
        """A new token (the old link stops working) and a new expiry; returns the token, never stored."""
        token, self.token_hash = new_token()
        self.expires_at = (now or timezone.now()) + timedelta(days=ttl_days)
        for name, value in fields.items():
            setattr(self, name, value)
        self.save(update_fields=["token_hash", *fields, "expires_at"])
        return token


# --- the services' shared steps ---------------------------------------------------------------------------


def _locked(invitation: TokenInvitation, related: tuple[str, ...]) -> Any:
    return type(invitation).objects.select_for_update().select_related(*related).get(pk=invitation.pk)


Invitation = TypeVar("Invitation", bound="TokenInvitation")


def _record(invitation: TokenInvitation, code: str, actor, data: dict[str, Any] | None = None) -> None:
    """The audit row of a step, in the sending organization's log."""
    audit_record(code=code, actor=actor, organization=invitation.owner, target=invitation, data=data)


def invitation_issue(
    model: type[Invitation],
    *,
    actor,
    ttl_days: int,
    audit_code: str,
    audit_data: dict[str, Any] | None = None,
    now: datetime | None = None,
    **fields,
) -> tuple[Invitation, str]:
    """Create an invitation with a fresh token and record it; returns the row and the token, which exists
    only in this response (and the email that carries it)."""
    now = now or timezone.now()
    token, token_hash = new_token()
    with transaction.atomic():
        # created_at is each concrete model's own field (they differ in how it defaults)
        fields |= {"token_hash": token_hash, "created_at": now, "expires_at": now + timedelta(days=ttl_days)}
        invitation = model.objects.create(**fields)
        _record(invitation, audit_code, actor, audit_data)
    return invitation, token


def invitation_send(
    invitation: Invitation,
    *,
    actor,
    token: str,
    email: str,
    error: type[ApplicationError],
    no_email: str,
    template: str,
    context: Callable[[Any], dict[str, Any]],
    audit_code: str,
    **fields,
) -> Invitation:
    """Email a draft's link to `email` through the outbox (the draft page's "Send from PartnerHub")."""
    if hash_token(token) != invitation.token_hash:
        raise error(_("This draft's link was replaced; create a new request."), code="stale_token")
    email = (email or "").strip().lower()
    if not email:
        raise error(no_email, field="email")
    with transaction.atomic():
        invitation = _locked(invitation, (invitation.owner_field,))
        if not invitation.is_usable:
            raise error(_("This invitation can no longer be sent."), code="gone")
        fields = {"recipient_email": email, **fields}  # the concrete models that send by email have this field
        for name, value in fields.items():
            setattr(invitation, name, value)
        invitation.save(update_fields=list(fields))
        outbound_email_queue(to=email, template=template, organization=invitation.owner, context=context(invitation))
        _record(invitation, audit_code, actor, {"to": email})
    return invitation


def invitation_resend(
    invitation: Invitation,
    *,
    actor,
    ttl_days: int,
    closed: ApplicationError,
    audit_code: str,
    audit_data: Callable[[Any], dict[str, Any]] | None = None,
    related: tuple[str, ...] = (),
    changes: Callable[[Any, datetime], dict[str, Any]] | None = None,
    send: Callable[[Any, str], None] | None = None,
) -> tuple[Invitation, str]:
    """A new link for the same invitation (the old one stops working) and a new expiry; `closed` is raised
    for an accepted or revoked one. `send(invitation, token)` emails the new link, when the app does."""
    now = timezone.now()
    with transaction.atomic():
        invitation = _locked(invitation, related)
        if invitation.is_closed:
            raise closed
        token = invitation.renew(ttl_days=ttl_days, now=now, **(changes(invitation, now) if changes else {}))
        _record(invitation, audit_code, actor, audit_data(invitation) if audit_data else None)
        if send is not None:
            send(invitation, token)
    return invitation, token


def invitation_revoke(
    invitation: Invitation,
    *,
    actor,
    audit_code: str,
    accepted: ApplicationError | None = None,
    audit_data: Callable[[Any], dict[str, Any]] | None = None,
    related: tuple[str, ...] = (),
) -> Invitation:
    """Kill the link; revoking twice changes nothing. An accepted invitation raises `accepted` (or, without
    one, is left as it is)."""
    with transaction.atomic():
        invitation = _locked(invitation, related)
        if invitation.accepted_at and accepted is not None:
            raise accepted
        if invitation.is_closed:
            return invitation
        invitation.revoke()
        _record(invitation, audit_code, actor, audit_data(invitation) if audit_data else None)
    return invitation


# --- the views' shared steps ------------------------------------------------------------------------------


def no_referrer(response):
    """The token is in the URL: never send it to another site. Not "no-referrer": with it Chromium posts a
    form on the page with "Origin: null", which CSRF protection rightly refuses."""
    response["Referrer-Policy"] = "same-origin"
    return response


def link_gone(invitation: TokenInvitation | None) -> int | None:
    """The status of the page for a link that leads nowhere: 404 for a token that never existed, 410 for
    one that worked once (used, revoked or expired); None while the link works."""
    if invitation is None:
        return 404
    return None if invitation.is_usable else 410


@dataclass(frozen=True)
class Drafts:
    """An app's draft links. A new link exists only in the response that made it, so the draft page that
    shows it (to copy, open in the mail client or send from PartnerHub) keeps it in the session under
    `session_key`; `page` names the draft page's URL (it takes the invitation's pk). The page builds the
    link with `url`, posts `form_class` to the `send` service, renders `template` and, once sent, goes to
    `done`; without its link (another session, or the invitation is no longer usable) it says
    `gone_message` at `gone`."""

    session_key: str
    page: str
    url: Callable[[str], str]
    form_class: type
    send: Callable[..., Any]
    template: str
    done: str
    gone: str
    gone_message: StrOrPromise  # a lazy translation, as a module-level Drafts needs

    def _show(self, request, invitation: TokenInvitation, token: str):
        draft_remember(request, self.session_key, invitation.pk, token)
        return redirect(self.page, pk=invitation.pk)

    def created(self, request, create: Callable[[], tuple[Any, str]], *, failed: str):
        """A new link from `create()`, shown on the draft page; a refusal is said at `failed`."""
        try:
            invitation, token = create()
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect(failed)
        return self._show(request, invitation, token)

    def renewed(self, request, invitation: TokenInvitation, resend: Callable, *, failed: str):
        """ "Resend": a new link for the same request (the old one stops working), shown on the draft page."""
        try:
            invitation, token = resend(invitation=invitation, actor=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect(failed)
        messages.info(request, _("A new link was created; the old one no longer works."))
        return self._show(request, invitation, token)

    def draft(self, request, invitation: TokenInvitation, *, subject: str, default_message: Callable[[str], str]):
        """The draft email: open it in the mail client, copy it, or send it from PartnerHub."""
        token = draft_token(request, self.session_key, invitation.pk)
        if token is None or not invitation.is_usable:
            messages.info(request, self.gone_message)
            return redirect(self.gone)
        link = self.url(token)
        form = self.form_class(posted(request), initial={"message": default_message(link)})
        if request.method == "POST" and form.is_valid():
            try:
                self.send(invitation=invitation, actor=request.user, token=token, **form.cleaned_data)
            except ApplicationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]})
                return redirect(self.done)
        body = form["message"].value() or ""
        mailto = f"mailto:?subject={quote(subject)}&body={quote(body)}"
        context = {"invitation": invitation, "form": form, "link": link, "mailto": mailto, "subject": subject}
        return render(request, self.template, context)


def revoked(request, invitation: TokenInvitation, revoke: Callable, message: str, done: str):
    """ "Revoke": kill the link and go back to `done`, saying `message` (or why it was refused)."""
    try:
        revoke(invitation=invitation, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, message)
    return redirect(done)
