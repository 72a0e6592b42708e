from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from django_countries.fields import LazyTypedChoiceField  # type: ignore[attr-defined]  # missing from its fields.pyi

from .models import ProviderService


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(label=_("Search by name"), max_length=100, required=False)
    country = LazyTypedChoiceField(
        label=_("Country/region"), choices=[("", _("Any country")), *countries], required=False
    )
    service = forms.ChoiceField(
        label=_("Service"), choices=[("", _("Any service")), *ProviderService.choices], required=False
    )
    all_regions = forms.BooleanField(label=_("Show every CSP region"), required=False)


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=100, required=False)


class ChangeRequestForm(forms.Form):
    message = forms.CharField(label=_("Requested change"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))


class SendInvitationForm(forms.Form):
    email = forms.EmailField(label=_("Reseller's email address"))
    message = forms.CharField(label=_("Message"), max_length=4000, widget=forms.Textarea(attrs={"rows": 8}))


class AuthorizeForm(forms.Form):
    authorize = forms.BooleanField(
        label=_("I authorize this indirect provider to act for my organization as described above"),
        error_messages={"required": _("Tick the box to authorize the provider.")},
    )
