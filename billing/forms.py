from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _


class CreditNoteForm(forms.Form):
    """Issue a credit note (avoir) on one of your invoices: the amount including tax and why."""

    amount = forms.DecimalField(
        label=_("Amount including tax"), min_value=Decimal("0.01"), max_digits=14, decimal_places=2,
        help_text=_("At most what is left to credit on this invoice."),
    )  # fmt: skip
    reason = forms.CharField(label=_("Reason"), max_length=300, help_text=_("Printed on the credit note."))
