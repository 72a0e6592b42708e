"""The Price lists page's forms: a price rule, a recipient's tier, a tax rate, starting to bill a customer."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import Offer

from .models import TaxRate

SCOPES = [("everyone", _("Everyone")), ("tier", _("A price tier")), ("recipient", _("One organization"))]


class PriceRuleForm(forms.Form):
    name = forms.CharField(label=_("Price list name"), max_length=100)
    scope = forms.ChoiceField(label=_("Applies to"), choices=SCOPES, initial="everyone")
    tier = forms.CharField(
        label=_("Price tier"), max_length=40, required=False, help_text=_("When it applies to a price tier.")
    )
    recipient = forms.TypedChoiceField(label=_("Organization"), coerce=int, required=False, empty_value=None)
    offer = forms.ModelChoiceField(
        label=_("Offer"), queryset=Offer.objects.order_by("name"), required=False, empty_label=_("Every offer")
    )
    percent = forms.DecimalField(
        label=_("Markup (%)"),
        max_digits=6,
        decimal_places=2,
        min_value=Decimal("-100"),
        max_value=Decimal("1000"),
        help_text=_("On your cost; negative for a discount (−15 is 15% off)."),
    )
    effective_from = forms.DateField(
        label=_("Effective from"), widget=forms.DateInput(attrs={"type": "date"}), initial=timezone.localdate
    )

    def __init__(self, *args, recipients=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.recipient_rows = {org.pk: org for org in recipients}
        self.fields["recipient"].choices = [("", _("Choose…"))] + [  # type: ignore[attr-defined]
            (org.pk, org.legal_name) for org in recipients
        ]

    def clean_effective_from(self):
        day = self.cleaned_data["effective_from"]
        if day < timezone.localdate():
            raise forms.ValidationError(
                _("A price change applies from today or later: charges already rated keep their price.")
            )
        return day

    def clean(self):
        data = super().clean()
        scope = data.get("scope")
        if scope == "tier" and not (data.get("tier") or "").strip():
            self.add_error("tier", _("Name the price tier this rule is for."))
        if scope == "recipient" and not data.get("recipient"):
            self.add_error("recipient", _("Choose the organization this rule is for."))
        return data

    def rule_fields(self) -> dict:
        data = self.cleaned_data
        scope = data["scope"]
        return {
            "name": data["name"].strip(),
            "percent": data["percent"],
            "effective_from": data["effective_from"],
            "offer": data.get("offer"),
            "tier": data["tier"].strip() if scope == "tier" else "",
            "recipient": self.recipient_rows.get(data["recipient"]) if scope == "recipient" else None,
        }


class TierForm(forms.Form):
    recipient = forms.TypedChoiceField(label=_("Organization"), coerce=int)
    tier = forms.CharField(
        label=_("Price tier"), max_length=40, required=False, help_text=_("Empty: your default price for everyone.")
    )

    def __init__(self, *args, recipients=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.recipient_rows = {org.pk: org for org in recipients}
        self.fields["recipient"].choices = [(org.pk, org.legal_name) for org in recipients]  # type: ignore[attr-defined]


class TaxRateForm(forms.ModelForm):
    class Meta:
        model = TaxRate
        fields = ["country", "rate", "wording", "reverse_charge"]
        labels = {"country": _("Recipient country (2 letters)")}

    def __init__(self, *args, issuer=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.issuer = issuer

    def clean_country(self):
        country = self.cleaned_data["country"].strip().upper()
        if len(country) != 2 or not country.isalpha():
            raise forms.ValidationError(_("Enter the country's two-letter code, for example FR."))
        taken = TaxRate.objects.filter(issuer=self.issuer, country=country).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(_("You have a tax rate for this country already: edit it."))
        return country

    def clean(self):
        data = super().clean()
        if data.get("reverse_charge") and data.get("rate") not in (None, Decimal(0)):
            self.add_error("rate", _("Under reverse charge no tax is charged: the rate is 0."))
        return data

    def validate_unique(self) -> None:
        if not self.errors:  # the database's own checks only when ours passed (they say it less clearly)
            super().validate_unique()


class CustomerBillingForm(forms.Form):
    customer = forms.TypedChoiceField(label=_("Customer"), coerce=int)

    def __init__(self, *args, customers=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer"].choices = list(customers)  # type: ignore[attr-defined]
