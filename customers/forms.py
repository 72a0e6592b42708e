"""Forms of the customer wizard, orders, subscriptions and customer invitations. Business rules live in
the services; forms check shape and required fields."""

from __future__ import annotations

import uuid
from datetime import date

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from django_countries.fields import LazyTypedChoiceField  # type: ignore[attr-defined]  # missing from its fields.pyi
from phonenumber_field.formfields import PhoneNumberField

from partnerhub.accounts.models import Organization

from .models import BillingFrequency, Offer
from .validation import company_name_errors, domain_prefix_error

CULTURES = [
    ("en-US", "English (United States)"),
    ("en-GB", "English (United Kingdom)"),
    ("en-CA", "English (Canada)"),
    ("en-AU", "English (Australia)"),
    ("fr-FR", "Français (France)"),
    ("fr-CA", "Français (Canada)"),
    ("de-DE", "Deutsch (Deutschland)"),
    ("es-ES", "Español (España)"),
    ("it-IT", "Italiano (Italia)"),
    ("nl-NL", "Nederlands (Nederland)"),
    ("pt-BR", "Português (Brasil)"),
    ("pl-PL", "Polski (Polska)"),
    ("ja-JP", "日本語 (日本)"),
]
LANGUAGES = [
    ("en", "English"),
    ("fr", "Français"),
    ("de", "Deutsch"),
    ("es", "Español"),
    ("it", "Italiano"),
    ("nl", "Nederlands"),
    ("pt", "Português"),
    ("pl", "Polski"),
    ("ja", "日本語"),
]


class AccountForm(forms.Form):
    """Step 1, Account info."""

    company_name = forms.CharField(
        label=_("Company name"),
        max_length=200,
        help_text=_("The legal name exactly as in official documents: no acronyms, no test names."),
    )
    domain_prefix = forms.CharField(
        label=_("Domain name"),
        max_length=27,
        help_text=_("The customer's account domain; its admin signs in as admin@ this domain."),
    )
    country = LazyTypedChoiceField(label=_("Country/region"), choices=countries)
    address_line1 = forms.CharField(label=_("Address line 1"), max_length=200)
    address_line2 = forms.CharField(label=_("Address line 2"), max_length=200, required=False)
    city = forms.CharField(label=_("City"), max_length=100)
    state = forms.CharField(label=_("State or province"), max_length=100, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20)
    contact_first_name = forms.CharField(label=_("First name"), max_length=50)
    contact_last_name = forms.CharField(label=_("Last name"), max_length=50)
    contact_email = forms.EmailField(label=_("Email address"))
    contact_phone = PhoneNumberField(label=_("Phone number"), required=False, region="US")
    culture = forms.ChoiceField(label=_("Culture"), choices=CULTURES, initial="en-US")
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGES, initial="en")
    registration_number = forms.CharField(
        label=_("Company registration number"),
        max_length=40,
        required=False,
        help_text=_("Required, and only accepted, for customers in the countries that require one."),
    )
    reseller = forms.ModelChoiceField(
        label=_("Indirect reseller"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("None: I'm selling to this customer directly"),
        help_text=_("Only active resellers in partnership with you that accepted the partner agreement are listed."),
    )

    def __init__(self, *args, resellers=None, **kwargs):
        super().__init__(*args, **kwargs)
        # No country until one is chosen (or the view's initial, the partner's own): the first of the
        # alphabet, Afghanistan, was silently kept.
        self.fields["country"].choices = [("", gettext("Select a country/region")), *countries]
        if resellers is None:
            del self.fields["reseller"]
        else:
            self.fields["reseller"].queryset = resellers
        self.fields["domain_prefix"].widget.attrs.update(
            {"autocomplete": "off", "spellcheck": "false", "data-suffix": "." + settings.CUSTOMER_DOMAIN_SUFFIX}
        )

    # The shape of the name and the domain is checked with the other fields, so that one submit shows every
    # error at once; the services check them again, with the rules that need the database.
    def clean_company_name(self) -> str:
        if message := company_name_errors(self.cleaned_data["company_name"]):
            raise forms.ValidationError(message)
        return self.cleaned_data["company_name"]

    def clean_domain_prefix(self) -> str:
        prefix = self.cleaned_data["domain_prefix"].strip().lower()
        if message := domain_prefix_error(prefix):
            raise forms.ValidationError(message)
        return prefix


class AgreementForm(forms.Form):
    """Step 2, the customer agreement."""

    ATTEST, CUSTOMER = "attest", "customer"
    how = forms.ChoiceField(
        label=_("Customer agreement"),
        widget=forms.RadioSelect,
        choices=[
            (ATTEST, _("I confirm the customer accepted the customer agreement")),
            (CUSTOMER, _("The customer will accept the customer agreement when it first signs in")),
        ],
        initial=ATTEST,
    )
    first_name = forms.CharField(label=_("First name"), max_length=50, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=50, required=False)
    email = forms.EmailField(label=_("Email address"), required=False)
    phone = PhoneNumberField(label=_("Phone number (optional)"), required=False, region="US")
    date_agreed = forms.DateField(
        label=_("Date agreed"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        """When the partner confirms the customer's acceptance, every missing detail is named at once."""
        data = super().clean()
        if data.get("how") != self.ATTEST:
            return data
        for name, label in (("first_name", _("first name")), ("last_name", _("last name")), ("email", _("email"))):
            if name not in self.errors and not (data.get(name) or "").strip():
                self.add_error(name, gettext("Enter the %(field)s of the person who accepted.") % {"field": label})
        if "date_agreed" not in self.errors:
            if data.get("date_agreed") is None:
                self.add_error("date_agreed", gettext("Enter the date the customer accepted the agreement."))
            elif data["date_agreed"] > timezone.now().date():
                self.add_error("date_agreed", gettext("The date agreed can't be in the future."))
        return data


class AttestForm(forms.Form):
    """Customer agreement → Update, on an existing customer."""

    first_name = forms.CharField(label=_("First name"), max_length=50)
    last_name = forms.CharField(label=_("Last name"), max_length=50)
    email = forms.EmailField(label=_("Email address"))
    phone = PhoneNumberField(label=_("Phone number (optional)"), required=False, region="US")
    date_agreed = forms.DateField(label=_("Date agreed"), widget=forms.DateInput(attrs={"type": "date"}))


class OffersForm(forms.Form):
    """Step 3 of the wizard: a quantity per offer of the customer's market (0 or empty for none)."""

    def __init__(self, *args, offers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.offers = list(offers)
        for offer in self.offers:
            self.fields[f"quantity_{offer.pk}"] = forms.IntegerField(
                label=offer.name, min_value=0, max_value=offer.maximum_quantity, required=False
            )
            if len(offer.terms_sold) > 1:  # a term to choose (billed at the term's default frequency)
                self.fields[f"term_{offer.pk}"] = forms.ChoiceField(
                    label=gettext("Term of %(offer)s") % {"offer": offer.name},
                    choices=[(term, Offer.Term(term).label) for term in offer.terms_sold],
                    initial=offer.term,
                    required=False,
                )

    def chosen(self) -> list[tuple[int, int, str]]:
        return [
            (offer.pk, self.cleaned_data[f"quantity_{offer.pk}"], self.cleaned_data.get(f"term_{offer.pk}") or "")
            for offer in self.offers
            if self.cleaned_data.get(f"quantity_{offer.pk}")
        ]

    def rows(self):
        rows = []
        for offer in self.offers:
            term = self[f"term_{offer.pk}"] if f"term_{offer.pk}" in self.fields else None
            rows.append((offer, self[f"quantity_{offer.pk}"], term))
        return rows


class ReviewForm(forms.Form):
    confirm = forms.BooleanField(
        label=_(
            "I confirm that my organization is acting as an indirect partner when choosing a reseller and as a "
            "direct partner otherwise."
        ),
        error_messages={"required": _("Tick the box to confirm how your organization is acting.")},
    )


TERM_CHOICES = [("", _("The offer's default term")), *Offer.Term.choices]
FREQUENCY_CHOICES = [("", _("The term's default billing frequency")), *BillingFrequency.choices]
FREQUENCY_HELP = _(
    "Monthly terms are billed monthly; annual terms annually or monthly; triennial terms upfront or annually."
)


class SubscriptionAddForm(forms.Form):
    offer = forms.TypedChoiceField(label=_("Offer"), coerce=int)
    quantity = forms.IntegerField(label=_("Number of licenses"), min_value=1, max_value=100000, initial=1)
    term = forms.ChoiceField(label=_("Term"), choices=TERM_CHOICES, required=False)
    billing_frequency = forms.ChoiceField(
        label=_("Billing frequency"), choices=FREQUENCY_CHOICES, required=False, help_text=FREQUENCY_HELP
    )
    align_with = forms.ChoiceField(
        label=_("Align the end date with"),
        required=False,
        help_text=_(
            "Co-terminosity: the first term is shortened to end with another active subscription of this customer "
            "(an annual or triennial term can't end with a monthly one)."
        ),
    )
    custom_term_end = forms.DateField(
        label=_("Or end the first term on the last day of a month"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("No later than the term's natural end. Leave both empty for a full first term."),
    )
    friendly_name = forms.CharField(label=_("Friendly name (optional)"), max_length=100, required=False)
    partner_of_record = forms.CharField(
        label=_("Partner of record (reseller's location partner ID)"),
        max_length=20,
        required=False,
        help_text=_("Leave empty when you sell to this customer directly."),
    )
    key = forms.UUIDField(widget=forms.HiddenInput)
    confirm = ReviewForm.base_fields["confirm"]

    def __init__(self, *args, offers=(), alignments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.offers = {offer.pk: offer for offer in offers}
        self.fields["offer"].choices = [
            (offer.pk, f"{offer.name} · {offer.unit_price} / {offer.get_term_display()}") for offer in offers
        ]
        self.fields["align_with"].choices = [
            ("", _("No alignment")),
            *(
                (subscription.term_end.isoformat(), f"{date_format(subscription.term_end)} · {subscription}")
                for subscription in alignments
            ),
        ]
        if not self.is_bound:
            self.initial.setdefault("key", uuid.uuid4())

    def term_end(self):
        """The aligned end the partner chose, if any."""
        if chosen := self.cleaned_data.get("align_with"):
            return date.fromisoformat(chosen)
        return self.cleaned_data.get("custom_term_end")


class QuantityForm(forms.Form):
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=100000)


class ScheduleForm(forms.Form):
    """Changes at the next renewal: a quantity, a term, a billing frequency (empty: unchanged), auto-renew."""

    next_quantity = forms.IntegerField(label=_("Quantity at renewal"), min_value=1, max_value=100000, required=False)
    next_term = forms.ChoiceField(label=_("Term at renewal"), required=False)
    next_billing_frequency = forms.ChoiceField(
        label=_("Billing frequency at renewal"),
        choices=[("", _("Unchanged")), *BillingFrequency.choices],
        required=False,
        help_text=FREQUENCY_HELP,
    )
    auto_renew = forms.BooleanField(
        label=_("Renew automatically"), required=False, help_text=_("Off: the subscription expires at its term end.")
    )

    def __init__(self, *args, terms=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["next_term"].choices = [("", _("Unchanged")), *((t, Offer.Term(t).label) for t in terms)]


class UpgradeForm(forms.Form):
    offer = forms.TypedChoiceField(label=_("Upgrade to"), coerce=int)

    def __init__(self, *args, targets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["offer"].choices = [(offer.pk, f"{offer.name} · {offer.unit_price}") for offer in targets]


class SubscriptionSettingsForm(forms.Form):
    friendly_name = forms.CharField(label=_("Friendly name"), max_length=100, required=False)
    auto_renew = forms.BooleanField(label=_("Auto-renew"), required=False)


class PartnerOfRecordForm(forms.Form):
    partner_of_record = forms.CharField(label=_("Reseller (partner ID)"), max_length=20)


class SupportContactForm(forms.Form):
    support_contact = forms.TypedChoiceField(label=_("Designated support contact"), coerce=int)

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["support_contact"].choices = [(org.pk, org.legal_name) for org in choices]


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=100, required=False)
    reseller = forms.TypedChoiceField(label=_("Indirect reseller"), coerce=int, required=False, empty_value=None)
    # A provider with more resellers than the filter lists (selectors.RESELLER_CHOICES) narrows them by name.
    reseller_name = forms.CharField(label=_("Reseller name starts with"), max_length=100, required=False)

    def __init__(self, *args, resellers=(), more_resellers=0, **kwargs):
        super().__init__(*args, **kwargs)
        self.more_resellers = more_resellers  # how many the list shows when there are more; 0: all of them
        self.fields["reseller"].choices = [("", _("All resellers")), *((org.pk, org.legal_name) for org in resellers)]


def reseller_filter_params(data) -> tuple[str, int | None]:
    """The reseller filter's name prefix and chosen reseller as typed, before the form (whose choices they
    decide) is built; anything unreadable is no filter."""
    name = (data.get("reseller_name") or "").replace("\x00", "").strip()[:100]
    try:
        selected = int(data.get("reseller") or "")
    except ValueError:
        selected = None
    return name, selected if selected is not None and 0 < selected < 2**63 else None


class InvitationCreateForm(forms.Form):
    delegated_admin = forms.BooleanField(
        label=_("Include delegated administration privileges"), required=False, initial=True
    )


class SendInvitationForm(forms.Form):
    email = forms.EmailField(label=_("Customer's email address"))
    message = forms.CharField(label=_("Message"), max_length=4000, widget=forms.Textarea(attrs={"rows": 8}))


class AcceptInvitationForm(forms.Form):
    authorize = forms.BooleanField(
        label=_("I authorize the partners above to act as my organization's resellers, as described"),
        error_messages={"required": _("Tick the box to accept the relationship.")},
    )
    accept_agreement = forms.BooleanField(label=_("I accept the customer agreement"), required=False)


class CustomerSignupForm(AccountForm):
    """Create a customer account from an invitation link: the tenant, and a password for its admin."""

    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput(render_value=False), max_length=128)
    authorize = AcceptInvitationForm.base_fields["authorize"]
    accept_agreement = AcceptInvitationForm.base_fields["accept_agreement"]
