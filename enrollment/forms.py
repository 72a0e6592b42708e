"""Forms of enrolment: shape only; the services enforce the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from django_countries.fields import LazyTypedChoiceField  # type: ignore[attr-defined]  # missing from its fields.pyi
from phonenumber_field.formfields import PhoneNumberField

from partnerhub.core.registration import registration_label, registration_required

from .models import DocumentType, Program, SupportPlan


class ProgramChoiceForm(forms.Form):
    program = forms.ChoiceField(
        label=_("Program"), choices=Program.choices, initial=Program.INDIRECT_RESELLER, widget=forms.RadioSelect
    )


class LegalProfileFields(forms.Form):
    """Legal business profile, primary contact and customer support (shared by enrol and update)."""

    legal_name = forms.CharField(label=_("Legal business name"), max_length=200)
    address_line1 = forms.CharField(label=_("Address line 1"), max_length=200)
    address_line2 = forms.CharField(label=_("Address line 2"), max_length=200, required=False)
    city = forms.CharField(label=_("City"), max_length=100)
    state = forms.CharField(label=_("State or province"), max_length=100, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20)
    registration_number = forms.CharField(max_length=64, required=False)
    contact_first_name = forms.CharField(label=_("First name"), max_length=100)
    contact_last_name = forms.CharField(label=_("Last name"), max_length=100)
    contact_email = forms.EmailField(
        label=_("Email"),
        help_text=_("A personal company address: we email it to confirm the person works for your company."),
    )
    contact_phone = PhoneNumberField(label=_("Phone"))
    support_email = forms.EmailField(label=_("Support email"))
    support_phone = PhoneNumberField(label=_("Support phone"))
    support_website = forms.URLField(label=_("Support website"), max_length=200, required=False, assume_scheme="https")

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        country = organization.country.code
        for name in ("contact_phone", "support_phone"):
            self.fields[name].region = country
            self.fields[name].widget.region = country
        number = self.fields["registration_number"]
        number.label = registration_label(country)
        if registration_required(country):
            number.required = True
            number.help_text = _("Required for companies in %(country)s.") % {"country": organization.country.name}
        else:
            number.widget = forms.HiddenInput()

    def clean_legal_name(self) -> str:
        return " ".join(self.cleaned_data["legal_name"].split())


class EnrollmentForm(LegalProfileFields):
    """ "Enroll now"; the direct-bill fields are validated only for that program."""

    requirement_partner_id = forms.BooleanField(
        label=_("An active partner ID for the business location"), required=False
    )
    requirement_endorsement = forms.BooleanField(
        label=_("The authority to accept and sign legal agreements on behalf of the organization"), required=False
    )
    requirement_support = forms.BooleanField(
        label=_("The ability to provide first-level cloud support, with a support plan once the credit check passes"),
        required=False,
    )
    requirement_managed_service = forms.BooleanField(
        label=_("At least one managed service, IP service or customer solution"), required=False
    )
    requirement_accounts_receivable = forms.BooleanField(
        label=_("The infrastructure to manage customer billing and provisioning"), required=False
    )
    annual_csp_revenue_usd = forms.IntegerField(label=_("Annual CSP revenue (USD)"), min_value=0, required=False)
    months_as_reseller = forms.IntegerField(
        label=_("Months transacting as an indirect reseller"), min_value=0, max_value=600, required=False
    )
    planned_support_plan = forms.ChoiceField(
        label=_("Support plan you intend to buy"), choices=[("", "---------"), *SupportPlan.choices], required=False
    )
    managed_services = forms.CharField(
        label=_("Managed services you offer"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    billing_infrastructure = forms.CharField(
        label=_("Your billing and provisioning infrastructure"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    billing_anniversary_day = forms.IntegerField(
        label=_("Billing anniversary day"),
        min_value=1,
        max_value=28,
        required=False,
        help_text=_("The day of the month invoices are issued. It can't be changed after enrolment."),
    )
    tax_id = forms.CharField(
        label=_("Company tax ID"), max_length=64, required=False, help_text=_("It can't be changed after enrolment.")
    )

    DIRECT_BILL_FIELDS = (
        "requirement_partner_id",
        "requirement_endorsement",
        "requirement_support",
        "requirement_managed_service",
        "requirement_accounts_receivable",
        "annual_csp_revenue_usd",
        "months_as_reseller",
        "planned_support_plan",
        "managed_services",
        "billing_infrastructure",
        "billing_anniversary_day",
        "tax_id",
    )

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        self.program = program
        if program != Program.DIRECT_BILL:
            for name in self.DIRECT_BILL_FIELDS:
                del self.fields[name]
        else:
            for name in ("annual_csp_revenue_usd", "months_as_reseller", "billing_anniversary_day"):
                self.fields[name].required = True
            for name in self.DIRECT_BILL_FIELDS[:5]:
                self.fields[name].required = True
                self.fields[name].error_messages["required"] = _("Your company must meet this requirement.")

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        if self.program == Program.DIRECT_BILL:
            data["questionnaire"] = {
                key: data.pop(key)
                for key in (
                    "annual_csp_revenue_usd",
                    "months_as_reseller",
                    "planned_support_plan",
                    "managed_services",
                    "billing_infrastructure",
                )
            }
        return data


class LegalDetailsForm(LegalProfileFields):
    """Update the legal profile, primary contact or support details (country shown, never editable)."""


class FixNowForm(forms.Form):
    document_type = forms.ChoiceField(label=_("Document type"), choices=[("", "---------"), *DocumentType.choices])
    comment = forms.CharField(
        label=_("Comment"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, PNG or JPEG, up to 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"}),
    )


class LocationForm(forms.Form):
    business_name = forms.CharField(label=_("Business name"), max_length=200)
    country = LazyTypedChoiceField(label=_("Country/region"), choices=[("", "---------"), *countries])
    address_line1 = forms.CharField(label=_("Address line 1"), max_length=200)
    address_line2 = forms.CharField(label=_("Address line 2"), max_length=200, required=False)
    city = forms.CharField(label=_("City"), max_length=100)
    state = forms.CharField(label=_("State or province"), max_length=100, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20)
    contact_name = forms.CharField(label=_("Contact name"), max_length=200)
    contact_email = forms.EmailField(label=_("Contact email"))
    contact_phone = PhoneNumberField(label=_("Contact phone"), required=False)


class AssociateForm(forms.Form):
    partner_id = forms.IntegerField(
        label=_("Location partner ID"), min_value=1, error_messages={"required": _("Choose a location partner ID.")}
    )


class SupportPlanForm(forms.Form):
    plan = forms.ChoiceField(label=_("Support plan"), choices=SupportPlan.choices)
