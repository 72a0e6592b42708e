"""The transfer request form: which subscriptions, to which partner, with which reseller of record."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import MAX_ITEMS


class TransferForm(forms.Form):
    subscriptions = forms.MultipleChoiceField(
        label=_("Subscriptions to transfer"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("At most %(max)s per transfer.") % {"max": MAX_ITEMS},
        error_messages={"required": _("Choose at least one subscription to transfer.")},
    )
    target = forms.CharField(
        label=_("Receiving partner"),
        max_length=64,
        help_text=_("Its location partner ID (MPN ID) or its tenant ID, as the receiving partner gave it to you."),
    )
    partner_of_record = forms.CharField(
        label=_("Partner of record"),
        max_length=12,
        required=False,
        help_text=_("When the receiving partner is an indirect provider: the location partner ID of the reseller."),
    )

    def __init__(self, *args, subscriptions=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.subscription_rows = {str(subscription.public_id): subscription for subscription in subscriptions}
        self.fields["subscriptions"].choices = [  # type: ignore[attr-defined]
            (key, f"{subscription.display_name} · {subscription.quantity} · {subscription.partner.legal_name}")
            for key, subscription in self.subscription_rows.items()
        ]

    def chosen(self) -> list:
        return [self.subscription_rows[key] for key in self.cleaned_data["subscriptions"]]


class TransitionForm(forms.Form):
    provider = forms.TypedChoiceField(label=_("Indirect provider"), coerce=int)

    def __init__(self, *args, providers=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.providers = {provider.pk: provider for provider in providers}
        self.fields["provider"].choices = [  # type: ignore[attr-defined]
            (provider.pk, provider.legal_name) for provider in providers
        ]
