from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from partnerhub.core.documents import PDF, DocumentRefused, parse_document

from .models import AgreementVersion

MISSING_DEADLINE = _("Set the date by which organizations must accept this version.")


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
        fields = [
            "type",
            "version",
            "language",
            "effective_date",
            "active",
            "requires_reacceptance",
            "acceptance_deadline",
        ]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("requires_reacceptance") and not cleaned.get("acceptance_deadline"):
            self.add_error("acceptance_deadline", MISSING_DEADLINE)
        return cleaned

    def clean_upload(self):
        """The document must open as a PDF with at least one page (pypdf), not merely start like one."""
        upload = self.cleaned_data["upload"]
        content = upload.read()
        upload.seek(0)
        try:
            parse_document(content, accepted=(PDF,))
        except DocumentRefused as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from None
        return upload


class AgreementVersionChangeForm(forms.ModelForm):
    """A published version: only its flags and its acceptance deadline change (the service checks and audits)."""

    class Meta:
        model = AgreementVersion
        fields = ["active", "requires_reacceptance", "acceptance_deadline"]

    def clean(self):
        cleaned = super().clean()
        deadline = cleaned.get("acceptance_deadline")
        if cleaned.get("requires_reacceptance"):
            if not deadline:
                self.add_error("acceptance_deadline", MISSING_DEADLINE)
            elif "acceptance_deadline" in self.changed_data and deadline <= timezone.now():
                self.add_error("acceptance_deadline", _("The acceptance deadline must be in the future."))
        return cleaned
