"""Forms of Account settings → API: they check shape; the services (api/services.py) enforce the rules and
answer with the sentence shown next to the field."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from partnerhub.accounts.models import Role


def end_of_day(day: date) -> datetime:
    """A client given an expiry date works until the end of that day (UTC, the portal's time zone)."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)


class ApiClientForm(forms.Form):
    """A new API client. Only the roles the creator holds are offered; empty or taken names, bad addresses and
    past dates are the service's to refuse (the form only parses), so its sentence is the one shown."""

    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        required=False,
        help_text=_("What will call the API, such as “ERP” or “Billing system”."),
    )
    roles = forms.MultipleChoiceField(
        label=_("Roles"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "The client acts with these roles, as a user holding them would. You can give only roles you hold."
        ),
    )
    allowed_ips = forms.CharField(
        label=_("IP allow-list"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        help_text=_("One address or network (such as 203.0.113.0/24) a line. Leave empty to allow any address."),
    )
    expires_at = forms.DateField(
        label=_("Expiry date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The client stops working at the end of this day (UTC). Leave empty for no expiry."),
    )

    def __init__(self, *args: Any, roles_held: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        roles = self.fields["roles"]
        assert isinstance(roles, forms.MultipleChoiceField)
        roles.choices = [(value, label) for value, label in Role.choices if value in roles_held]

    def service_arguments(self) -> dict[str, Any]:
        """The cleaned data as api_client_create takes it."""
        data = self.cleaned_data
        return {
            "name": data["name"],
            "roles": list(data["roles"]),
            "allowed_ips": [line.strip() for line in data["allowed_ips"].splitlines() if line.strip()],
            "expires_at": end_of_day(data["expires_at"]) if data["expires_at"] else None,
        }
