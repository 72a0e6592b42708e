"""Malformed input (reliability.md §7.2; ASVS 1.2.x, 1.3.11, 2.2.1): every form of the portal through
Hypothesis' `from_form`, with hostile strings in its text fields.

- Form level: binding, validating and rendering never raises anything but validation, and the rendered form
  shows the input escaped.
- View level: the same submissions POSTed (or sent as a query string, for search forms) by a signed-in
  principal of the right kind: never a 500, only expected statuses; a rejected submission writes no row
  (a hash of every project table before and after); echoed input is escaped; an email queued by an
  accepted submission has no CR or LF in its headers and builds into a message.

Each example runs in a savepoint that is rolled back, so the world built once per test is the same for
every example.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from allauth.account.fields import EmailField as AllauthEmailField
from allauth.account.fields import PasswordField, SetPasswordField
from django import forms
from django.contrib.postgres.forms import SimpleArrayField
from django.db import transaction
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import from_form, register_field_strategy
from phonenumber_field.formfields import PhoneNumberField

from agreements import forms as agreement_forms
from customers import forms as customer_forms
from customers.admin import OfferForm
from enrollment import forms as enrollment_forms
from enrollment.admin import ReviewForm as CaseReviewForm
from enrollment.models import Program
from partnerhub.accounts import forms as account_forms
from partnerhub.accounts.models import Organization, Role
from relationships import forms as relationship_forms
from relationships.admin import ProviderListingForm
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

# Examples per form (form level) and per form view (view level). The view level costs one request each.
FORM_EXAMPLES = 200
VIEW_EXAMPLES = 200

CANARY = "<script>alert(1)</script>"
HOSTILE = [
    "\x00",
    "NUL\x00inside",
    "x" * 10_000,
    "\u202egnp.exe",
    "\u202e" + CANARY,
    CANARY,
    '=HYPERLINK("http://evil.example","Click")',
    "+SUM(1,2)",
    "-2+3",
    "@cmd",
    "Mallory\r\nBcc: victim@evil.example",
    "\r\n",
    "\n\nInjected body",
    "' OR 1=1 --",
    "{{ 7|add:7 }}{% debug %}",
    "%s%s%n",
    "\ufeff\u200b\u2028\u2029",
    "\U0001f600" * 300,
    "a\u0301" * 150,
    " ",
    "１２３",  # fullwidth digits
    "²",  # a digit to str.isdigit(), not to int()
]
OK_STATUSES = {200, 302, 400, 403, 404, 405, 413, 429}

# Phone numbers: some valid ones (so that whole submissions pass), else anything.
register_field_strategy(AllauthEmailField, st.emails() | st.text())
for password_field in (PasswordField, SetPasswordField):
    register_field_strategy(password_field, st.just("Str0ng-passphrase-42") | st.text())
register_field_strategy(SimpleArrayField, st.sampled_from(["US,FR", "united_states,europe", ""]) | st.text())
register_field_strategy(
    PhoneNumberField,
    st.sampled_from(["+12065550100", "+1 206 555 0100", "+442071838750", "+33 1 23 45 67 89", "", "12"]),
)


def hostile_text(*, surrogates: bool = False) -> st.SearchStrategy[str]:
    """One of the hostile strings, any text (every Unicode category), or any text around a hostile string."""
    alphabet = st.characters(exclude_categories=() if surrogates else ("Cs",))
    free = st.text(alphabet)
    return st.one_of(
        st.sampled_from(HOSTILE),
        free,
        st.builds(lambda head, bad, tail: head + bad + tail, st.text(alphabet, max_size=5), st.sampled_from(HOSTILE),
                  st.text(alphabet, max_size=5)),
    )  # fmt: skip


def submissions(form_class, form_kwargs: dict, overrides: dict, *, surrogates: bool = False):
    """(data, files): a `from_form` example, with hostile text in a drawn subset of its text fields."""
    text_fields = [
        name
        for name, f in form_class(**form_kwargs).fields.items()
        if isinstance(f, forms.CharField) and name not in overrides
    ]
    hostile = (
        st.dictionaries(st.sampled_from(text_fields), hostile_text(surrogates=surrogates))
        if text_fields
        else st.just({})
    )
    return st.builds(
        lambda form, bad: ({**form.data, **bad}, dict(form.files)),
        from_form(form_class, form_kwargs=form_kwargs, **overrides),
        hostile,
    )


def as_post(data: dict) -> dict:
    """Form data as a browser sends it: strings, a list for a multiple choice, no unticked checkbox."""
    encoded = {}
    for name, value in data.items():
        if value is None or value is False:
            continue
        if value is True:
            encoded[name] = "on"
        elif isinstance(value, list | tuple):
            encoded[name] = [str(v) for v in value]
        elif isinstance(value, datetime.date):
            encoded[name] = value.isoformat()
        else:
            encoded[name] = str(value)
    return encoded


def assert_escaped(html: str) -> None:
    assert CANARY not in html
    assert "<script>alert(" not in html


# --- form level ----------------------------------------------------------------------------------------------


@dataclass
class FormCase:
    form: type[forms.BaseForm]
    kwargs: Any = lambda ctx: {}  # noqa: E731 — (ctx) -> form kwargs
    overrides: Any = lambda ctx: {}  # noqa: E731 — (ctx) -> {field: strategy} for fields Hypothesis can't infer


@pytest.fixture
def form_context(db, offers):
    organization = OrganizationFactory(legal_name="Contoso Distribution Inc.", primary_domain="contoso.example")
    user = UserFactory(email="megan@contoso.example")
    MembershipFactory(organization=organization, user=user, roles=[Role.GLOBAL_ADMIN])
    resellers = OrganizationFactory.create_batch(2)
    for offer in offers.values():
        offer.unit_price = Decimal("12.50")  # the catalogue selector annotates the price in the buyer's currency
    return {
        "organization": organization,
        "user": user,
        "resellers": Organization.objects.filter(pk__in=[r.pk for r in resellers]).order_by("pk"),
        "reseller_list": resellers,
        "offers": list(offers.values()),
    }


def _offer_choice(ctx):
    return {"offer": st.sampled_from([o.pk for o in ctx["offers"]] + [0, -1])}


FORMS = {
    "accounts.SignupForm": FormCase(account_forms.SignupForm),
    "accounts.OrganizationForm": FormCase(account_forms.OrganizationForm, lambda c: {"user": c["user"]}),
    "accounts.UserInvitationForm": FormCase(account_forms.UserInvitationForm),
    "accounts.MemberRolesForm": FormCase(account_forms.MemberRolesForm),
    "accounts.OrganizationSwitchForm": FormCase(account_forms.OrganizationSwitchForm),
    "enrollment.ProgramChoiceForm": FormCase(enrollment_forms.ProgramChoiceForm),
    "enrollment.EnrollmentForm(reseller)": FormCase(
        enrollment_forms.EnrollmentForm,
        lambda c: {"organization": c["organization"], "program": Program.INDIRECT_RESELLER},
    ),
    "enrollment.EnrollmentForm(direct)": FormCase(
        enrollment_forms.EnrollmentForm, lambda c: {"organization": c["organization"], "program": Program.DIRECT_BILL}
    ),
    "enrollment.LegalDetailsForm": FormCase(
        enrollment_forms.LegalDetailsForm, lambda c: {"organization": c["organization"]}
    ),
    "enrollment.FixNowForm": FormCase(enrollment_forms.FixNowForm),
    "enrollment.LocationForm": FormCase(enrollment_forms.LocationForm),
    "enrollment.AssociateForm": FormCase(enrollment_forms.AssociateForm),
    "enrollment.SupportPlanForm": FormCase(enrollment_forms.SupportPlanForm),
    "enrollment.admin.ReviewForm": FormCase(CaseReviewForm),
    "agreements.SignForm": FormCase(agreement_forms.SignForm, lambda c: {"region": "US"}),
    "agreements.LookupForm": FormCase(agreement_forms.LookupForm),
    "agreements.AgreementVersionForm": FormCase(agreement_forms.AgreementVersionForm),
    "relationships.DirectoryFilterForm": FormCase(relationship_forms.DirectoryFilterForm),
    "relationships.SearchForm": FormCase(relationship_forms.SearchForm),
    "relationships.ChangeRequestForm": FormCase(relationship_forms.ChangeRequestForm),
    "relationships.SendInvitationForm": FormCase(relationship_forms.SendInvitationForm),
    "relationships.AuthorizeForm": FormCase(relationship_forms.AuthorizeForm),
    "relationships.admin.ProviderListingForm": FormCase(ProviderListingForm),
    "customers.AccountForm": FormCase(customer_forms.AccountForm, lambda c: {"resellers": c["resellers"]}),
    "customers.AgreementForm": FormCase(customer_forms.AgreementForm),
    "customers.AttestForm": FormCase(customer_forms.AttestForm),
    "customers.OffersForm": FormCase(customer_forms.OffersForm, lambda c: {"offers": c["offers"]}),
    "customers.ReviewForm": FormCase(customer_forms.ReviewForm),
    "customers.SubscriptionAddForm": FormCase(
        customer_forms.SubscriptionAddForm, lambda c: {"offers": c["offers"]}, _offer_choice
    ),
    "customers.QuantityForm": FormCase(customer_forms.QuantityForm),
    "customers.SubscriptionSettingsForm": FormCase(customer_forms.SubscriptionSettingsForm),
    "customers.PartnerOfRecordForm": FormCase(customer_forms.PartnerOfRecordForm),
    "customers.SupportContactForm": FormCase(
        customer_forms.SupportContactForm, lambda c: {"choices": c["reseller_list"]}
    ),
    "customers.SearchForm": FormCase(customer_forms.SearchForm, lambda c: {"resellers": c["reseller_list"]}),
    "customers.InvitationCreateForm": FormCase(customer_forms.InvitationCreateForm),
    "customers.SendInvitationForm": FormCase(customer_forms.SendInvitationForm),
    "customers.AcceptInvitationForm": FormCase(customer_forms.AcceptInvitationForm),
    "customers.CustomerSignupForm": FormCase(customer_forms.CustomerSignupForm),
    "customers.admin.OfferForm": FormCase(OfferForm),
}


def _project_forms() -> set[type]:
    """Every form class defined in the project's forms and admin modules."""
    import importlib

    modules = [
        "partnerhub.accounts.forms", "enrollment.forms", "enrollment.admin", "agreements.forms", "agreements.admin",
        "relationships.forms", "relationships.admin", "customers.forms", "customers.admin",
    ]  # fmt: skip
    found = set()
    for name in modules:
        module = importlib.import_module(name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, forms.BaseForm)
                and value.__module__ == name
                and value.__name__ != "LegalProfileFields"  # an abstract base: fuzzed through its two subclasses
            ):
                found.add(value)
    return found


def test_every_form_of_the_project_is_fuzzed():
    assert _project_forms() <= {case.form for case in FORMS.values()}


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(FORMS))
def test_form_never_raises_and_escapes_its_input(name, form_context):
    case = FORMS[name]
    kwargs = case.kwargs(form_context)
    strategy = submissions(case.form, kwargs, case.overrides(form_context), surrogates=True)

    @settings(max_examples=FORM_EXAMPLES)
    @given(strategy)
    def check(submission):
        data, files = submission
        with transaction.atomic():  # a ModelForm's uniqueness check queries: keep each example apart
            form = case.form(data=data, files=files, **kwargs)
            form.is_valid()
            transaction.set_rollback(True)
        # What echoes the input: the text inputs (the selects only list their choices) and the errors.
        html = "".join(str(form[name]) for name, f in form.fields.items() if isinstance(f, forms.CharField))
        assert_escaped(html + str(form.errors))

    check()
