"""How allauth fits PartnerHub: work emails only, links from SITE_URL, mail through the outbox."""

from __future__ import annotations

import hashlib
import ipaddress
from types import SimpleNamespace
from urllib.parse import quote

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.core.exceptions import ImmediateHttpResponse
from django import forms
from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from partnerhub.core import throttle
from partnerhub.core.outbox import outbound_email_queue_rendered

from .models import AllowedEmailDomain
from .reauth import seconds_since_authentication
from .webmail import email_domain, is_webmail_domain


def email_is_refused_webmail(email: str) -> bool:
    """Free webmail, unless an operator allowed the domain in admin."""
    domain = email_domain(email)
    return is_webmail_domain(domain) and not AllowedEmailDomain.objects.filter(domain=domain).exists()


# An address that signed in to an account is "known" for it this long (sign-in limits, below).
KNOWN_ADDRESS_SECONDS = 30 * 24 * 3600


def sign_in_address(ip: str) -> str:
    """The client's address as the limits count it: IPv6 by its /64, which one host or home holds whole."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)
    return ip


def sign_in_account(credentials: dict) -> str:
    """The account a sign-in names, hashed: typed addresses stay out of the cache's keys."""
    login = str(credentials.get("email") or credentials.get("username") or "").strip().lower()
    return hashlib.sha256(login.encode()).hexdigest()[:32]


def _known_key(address: str, account: str) -> str:
    return f"sign-in-known:{address}:{account}"


class PartnerHubAccountAdapter(DefaultAccountAdapter):
    PAGE_LINK_TEMPLATES = frozenset({"account/email/account_already_exists", "account/email/unknown_account"})

    def clean_email(self, email: str) -> str:
        email = super().clean_email(email)
        if email_is_refused_webmail(email):
            raise forms.ValidationError(
                _(
                    "Use your work email address. Free webmail addresses such as Gmail, Yahoo!, iCloud, AOL "
                    "or Outlook.com aren't accepted for a partner account."
                ),
                code="webmail",
            )
        return email.lower()

    # Sign-in limits (docs/sign-in-limits.md; the rates are in partnerhub/core/throttle.py). allauth's own
    # "login_failed" limit counts per address and per account, so five wrong passwords from anywhere locked the
    # owner out, and twenty from an office's address locked out everyone behind it. Here failures count per
    # address *and* account (a stepped backoff), and the wider counters (per address, per account) only count
    # attempts for accounts that never signed in from that address: one attacker can't lock the owner out,
    # nor an office. Each attempt is counted before the password is checked (atomic in Redis, so parallel
    # guesses can't slip past) and taken back when the password was right.

    def _sign_in_scopes(self, request, credentials) -> list[tuple[str, str]]:
        address = sign_in_address(self.get_client_ip(request))
        account = sign_in_account(credentials)
        scopes = [("sign_in_failed_ip_account", f"ip:{address}|account:{account}")]
        if not cache.get(_known_key(address, account)):
            scopes += [("sign_in_failed_ip", f"ip:{address}"), ("sign_in_failed_account", f"account:{account}")]
        return scopes

    def pre_authenticate(self, request, **credentials) -> None:
        """Past a sign-in limit, 429 Too Many Requests naming the wait, before the password is even checked."""
        self._sign_in_usages = []
        if settings.ACCOUNT_RATE_LIMITS is False:  # allauth's switch for all its limits turns these off too
            return
        try:
            for action, scope in self._sign_in_scopes(request, credentials):
                self._sign_in_usages.append(throttle.hit(action, scope))
        except throttle.Throttled as exc:
            for usage in self._sign_in_usages:
                usage.rollback()
            self._sign_in_usages = []
            raise ImmediateHttpResponse(throttle.throttled_response(request, exc)) from None

    def authenticate(self, request, **credentials):
        """A right password is no failure: take its counts back, and remember that this address may sign in to
        this account (so the per-address and per-account counters never stand in its way)."""
        user = super().authenticate(request, **credentials)
        if user is not None:
            for usage in getattr(self, "_sign_in_usages", []):
                usage.rollback()
            address = sign_in_address(self.get_client_ip(request))
            cache.set(_known_key(address, sign_in_account(credentials)), True, KNOWN_ADDRESS_SECONDS)
        return user

    def _delete_login_attempts_cached_email(self, request, **credentials) -> None:
        """A completed password reset clears the account's failures (from this address and from everywhere)."""
        super()._delete_login_attempts_cached_email(request, **credentials)
        address = sign_in_address(self.get_client_ip(request))
        account = sign_in_account(credentials)
        throttle.clear("sign_in_failed_ip_account", f"ip:{address}|account:{account}")
        throttle.clear("sign_in_failed_account", f"account:{account}")

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """allauth 65 asks for the password before a sensitive change (two-step set-up, say) unless the user
        re-authenticated within ACCOUNT_REAUTHENTICATION_TIMEOUT, and only counts an explicit
        re-authentication: a user who just signed in (or was signed in by their confirmation link) would
        type their password twice in a minute. A sign-in counts here as a recent authentication."""
        if not super().is_reauthentication_required(app=app, **kwargs):
            return False
        request = self.request or allauth_context.request
        if request is None or not getattr(request, "user", None) or not request.user.is_authenticated:
            return True
        return seconds_since_authentication(request, count_sign_in=True) >= settings.ACCOUNT_REAUTHENTICATION_TIMEOUT

    def get_password_change_redirect_url(self, request) -> str:
        return reverse("core:dashboard")

    # Links in emails come from SITE_URL, never from the Host header of the request.

    def _site_url(self, path: str) -> str:
        return settings.SITE_URL + path

    def get_email_confirmation_url(self, request, emailconfirmation) -> str:
        return self._site_url(reverse("account_confirm_email", args=[emailconfirmation.key]))

    def get_reset_password_from_key_url(self, key: str) -> str:
        path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
        return self._site_url(path.replace("UID-KEY", quote(key)))

    # A customer admin's sign-in name (admin@<prefix>.onpartnerhub.example) is no mailbox: an account's
    # reset link and security notices go to its confirmed recovery address instead (User.mailbox).

    def send_password_reset_mail(self, user, email: str, context: dict) -> None:
        super().send_password_reset_mail(user, user.mailbox, {**context, "sign_in_name": user.email})

    def send_notification_mail(self, template_prefix: str, user, context=None, email=None) -> None:
        if email is None or email.lower() == user.email:
            email = user.mailbox
        super().send_notification_mail(template_prefix, user, context, email)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Render allauth's email now, but let the outbox and Celery deliver it after commit."""
        if template_prefix in self.PAGE_LINK_TEMPLATES:
            # These two emails link to the sign-up and reset pages, which allauth builds from the
            # request's host; rebuild them from SITE_URL. (In the password-reset email itself,
            # `password_reset_url` is the personal key link, already built by us above.)
            context = {
                **context,
                "signup_url": self._site_url(reverse("account_signup")),
                "password_reset_url": self._site_url(reverse("account_reset_password")),
            }
        ctx = {
            "email": email,
            "current_site": SimpleNamespace(name=settings.SITE_NAME, domain=settings.SITE_URL.split("://", 1)[-1]),
            **context,
        }
        message = self.render_mail(template_prefix, email, ctx)
        html = next((body for body, mimetype in getattr(message, "alternatives", []) if mimetype == "text/html"), "")
        if not html:  # allauth ships text-only templates: give every email the same HTML frame
            html = render_to_string(
                "emails/text_as_html.html",
                {"text": message.body, "site_name": settings.SITE_NAME, "site_url": settings.SITE_URL},
            )
        outbound_email_queue_rendered(
            to=email,
            template=template_prefix.rsplit("/", 1)[-1],
            subject=message.subject,
            body_text=message.body,
            body_html=html,
        )
