from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .roles import MAX_DURATION_DAYS, catalogue


class RequestForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=50, help_text=_("At most 50 characters, unique among your live relationships.")
    )
    roles = forms.MultipleChoiceField(label=_("Roles"), widget=forms.CheckboxSelectMultiple, choices=[])
    duration_days = forms.IntegerField(
        label=_("Duration (days)"), min_value=1, max_value=MAX_DURATION_DAYS, initial=730
    )
    auto_extend = forms.BooleanField(
        label=_("Auto-extend by 180 days at the end (not with Global administrator)"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["roles"].choices = [(code, f"{name} — {description}") for code, name, description in catalogue()]


class CustomerUserForm(forms.Form):
    local_part = forms.CharField(label=_("User name (before the @)"), max_length=64)
    first_name = forms.CharField(label=_("First name"), max_length=50)
    last_name = forms.CharField(label=_("Last name"), max_length=50, required=False)
