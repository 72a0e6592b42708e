"""Accounts receivable forms: a pair's terms, a payment recorded by hand, a block with its reason, a bank
statement upload."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import BillingProfile, Invoice


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
