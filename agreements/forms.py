from django import forms
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from .models import AgreementVersion


class SignForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    email = forms.EmailField(label=_("Email"))
    phone = PhoneNumberField(label=_("Phone (optional)"), required=False)
    accepted = forms.BooleanField(
        label=_("I have read and accept the partner agreement on behalf of my organization"),
        required=False,
    )

    def __init__(self, *args, region=None, **kwargs):
        super().__init__(*args, **kwargs)
        if region:
            self.fields["phone"].region = region
            self.fields["phone"].widget.region = region


class LookupForm(forms.Form):
    number = forms.CharField(label=_("Partner ID"), max_length=20)


class AgreementVersionForm(forms.ModelForm):
    """Staff upload a new agreement text in admin; the service computes its SHA-256."""

    upload = forms.FileField(label=_("Document (PDF)"), required=True)

    class Meta:
        model = AgreementVersion
        fields = ["type", "version", "language", "effective_date", "active", "requires_reacceptance"]

    def clean_upload(self):
        upload = self.cleaned_data["upload"]
        head = upload.read(5)
        upload.seek(0)
        if head != b"%PDF-":
            raise forms.ValidationError(_("Upload the agreement as a PDF file."))
        return upload
