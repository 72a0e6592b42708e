"""Forms check shape; the services enforce the rules."""

from __future__ import annotations

from allauth.account.forms import ResetPasswordForm as AllauthResetPasswordForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.contrib.auth.hashers import make_password
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from django_countries.fields import LazyTypedChoiceField  # type: ignore[attr-defined]  # missing from its fields.pyi

from partnerhub.core.regions import MarketUnavailable, market_for

from .models import Organization, Role, User
from .webmail import email_domain

DOMAIN_HELP = _("The domain your company's email addresses use, such as contoso.com.")


class SignupForm(AllauthSignupForm):
    """allauth's sign-up with the person's name."""

    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    field_order = ["first_name", "last_name", "email", "password1", "password2"]

    def try_save(self, request):
        """An address that already has an account gets an email instead of a second account; hash the
        password anyway, so that answer takes as long as creating an account (no enumeration by timing)."""
        if self.account_already_exists:
            make_password(self.cleaned_data.get("password1"))
        return super().try_save(request)

    def save(self, request):
        user = super().save(request)
        user.first_name = self.cleaned_data["first_name"].strip()
        user.last_name = self.cleaned_data["last_name"].strip()
        user.save(update_fields=["first_name", "last_name"])
        return user


def clean_domain(value: str) -> str:
    domain = value.strip().lower().rstrip(".")
    if domain.startswith(("http://", "https://")) or "/" in domain or "@" in domain:
        raise forms.ValidationError(_("Enter a domain name only, such as contoso.com."))
    labels = domain.split(".")
    if len(labels) < 2 or not all(label and len(label) <= 63 for label in labels):  # noqa: PLR2004
        raise forms.ValidationError(_("Enter a valid domain name, such as contoso.com."))
    try:
        domain.encode("idna")
    except UnicodeError:
        raise forms.ValidationError(_("Enter a valid domain name, such as contoso.com.")) from None
    return domain


class OrganizationForm(forms.ModelForm):
    """Create your company account."""

    country = LazyTypedChoiceField(label=_("Country/region"), choices=[("", "---------"), *countries])

    class Meta:
        model = Organization
        fields = [
            "legal_name",
            "country",
            "address_line1",
            "address_line2",
            "city",
            "state",
            "postal_code",
            "primary_domain",
        ]
        help_texts = {
            "legal_name": _("Exactly as in your company's official registration, without abbreviations."),
            "country": _(
                "Where your company is legally registered. It sets your CSP region and currency and "
                "can't be changed later."
            ),
            "primary_domain": DOMAIN_HELP,
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None and not self.is_bound:
            self.initial.setdefault("primary_domain", email_domain(user.email))

    def clean_country(self) -> str:
        country = self.cleaned_data["country"]
        try:
            market_for(country)
        except MarketUnavailable as exc:
            raise forms.ValidationError(exc.message, code="unavailable") from None
        return country

    def clean_primary_domain(self) -> str:
        return clean_domain(self.cleaned_data["primary_domain"])


class RolesField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        kwargs.setdefault("choices", Role.choices)
        kwargs.setdefault("label", _("Roles"))
        kwargs.setdefault("error_messages", {"required": _("Choose at least one role.")})
        super().__init__(**kwargs)


class UserInvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)
    roles = RolesField()


class MemberRolesForm(forms.Form):
    roles = RolesField()


class OrganizationSwitchForm(forms.Form):
    organization = forms.IntegerField(min_value=1)


class ResetPasswordForm(AllauthResetPasswordForm):
    """allauth's "Forgot your password?", which also knows an account by its confirmed recovery address:
    a customer admin signs in as admin@<prefix>.onpartnerhub.example but reads mail at their own address.
    The email itself always goes to the account's mailbox (the adapter), whichever address was typed."""

    users: list[User]  # set by allauth's clean_email

    def clean_email(self) -> str:
        email = super().clean_email()
        # Looked up for every address, known or not: the same queries either way, so the time taken doesn't
        # tell whether an account exists (tests/security/test_auth_sessions.py).
        recovered = list(
            User.objects.filter(recovery_email__iexact=email, recovery_email_verified=True, is_active=True)
        )
        if not self.users:
            self.users = recovered
        return email
