"""Billing's forms, by page: an invoice's credit note; accounts receivable (a pair's terms, a payment recorded by
hand, a block with its reason, a bank statement upload); the price lists page (a price rule, a recipient's
tier, a tax rate, starting to bill a customer). They check shape; the services refuse what breaks a rule."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import Offer

from .models import BillingProfile, Invoice, TaxRate

# --- invoices ---------------------------------------------------------------------------------------------------


class CreditNoteForm(forms.Form):
    """Issue a credit note (avoir) on one of your invoices: the amount including tax and why."""

    amount = forms.DecimalField(
        label=_("Amount including tax"), min_value=Decimal("0.01"), max_digits=14, decimal_places=2,
        help_text=_("At most what is left to credit on this invoice."),
    )  # fmt: skip
    reason = forms.CharField(label=_("Reason"), max_length=300, help_text=_("Printed on the credit note."))


# --- accounts receivable ----------------------------------------------------------------------------------


class ProfileForm(forms.ModelForm):
    class Meta:
        model = BillingProfile
        fields = [
            "currency",
            "billing_day",
            "payment_terms_days",
            "credit_limit",
            "price_tier",
            "auto_block_after_days",
        ]

    def __init__(self, *args, currency_locked: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["billing_day"].widget.attrs.update({"min": 1, "max": 28})
        if currency_locked:
            self.fields["currency"].disabled = True
            self.fields["currency"].help_text = _("Fixed once an invoice was issued.")

    def clean_currency(self) -> str:
        value = (self.cleaned_data.get("currency") or "").strip().upper()
        if len(value) != 3 or not value.isalpha():
            raise forms.ValidationError(_("A currency is a three-letter ISO code."))
        return value


class PaymentForm(forms.Form):
    invoice = forms.ChoiceField(label=_("Invoice"))
    amount = forms.DecimalField(
        label=_("Amount"), max_digits=14, decimal_places=2, min_value=Decimal("0.01"),
        error_messages={"min_value": _("A payment is for an amount above zero.")},
    )  # fmt: skip
    received_on = forms.DateField(label=_("Received on"), widget=forms.DateInput(attrs={"type": "date"}))
    reference = forms.CharField(
        label=_("Bank reference"), max_length=100, required=False,
        help_text=_("Recorded once: the same reference again returns the payment already recorded."),
    )  # fmt: skip

    def __init__(self, *args, invoices=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.invoices = {str(invoice.pk): invoice for invoice in invoices}
        self.fields["invoice"].choices = [  # type: ignore[attr-defined]
            (key, f"{invoice.number} · {invoice.balance} {invoice.currency}") for key, invoice in self.invoices.items()
        ]
        if not self.is_bound:
            self.initial.setdefault("received_on", timezone.localdate())

    def clean_received_on(self):
        value = self.cleaned_data["received_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("A payment can't be received in the future."))
        return value

    def chosen(self) -> Invoice:
        return self.invoices[self.cleaned_data["invoice"]]


class BlockForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=300, help_text=_("The recipient reads it on its billing standing page."),
        error_messages={"required": _("Say why new orders are blocked: the recipient reads it.")},
    )  # fmt: skip


class StatementForm(forms.Form):
    file = forms.FileField(
        label=_("Bank statement (CSV)"),
        help_text=_(
            "Columns: date (YYYY-MM-DD), amount, currency, reference, and invoice or description (the invoice number "
            "is found in it). At most 5,000 rows and 2 MB."
        ),
        error_messages={"required": _("Choose the CSV file of the bank statement.")},
    )


# --- price lists ------------------------------------------------------------------------------------------------


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
