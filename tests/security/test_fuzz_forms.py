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
import re
from dataclasses import dataclass, field
from decimal import Decimal
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
from allauth.account.fields import EmailField as AllauthEmailField
from allauth.account.fields import PasswordField, SetPasswordField
from django import forms
from django.apps import apps
from django.contrib.postgres.forms import SimpleArrayField
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import from_form, register_field_strategy
from phonenumber_field.formfields import PhoneNumberField

from access import forms as access_forms
from agreements import forms as agreement_forms
from api.forms import ApiClientForm
from billing import admin as billing_admin
from billing import forms as billing_forms
from customers import forms as customer_forms
from customers.admin import OfferForm
from customers.models import Offer, Subscription
from enrollment import forms as enrollment_forms
from enrollment.admin import ReviewForm as CaseReviewForm
from enrollment.admin import SuspendForm
from enrollment.models import Program
from partnerhub.accounts import forms as account_forms
from partnerhub.accounts.models import Organization, Role
from partnerhub.core.models import OutboundEmail
from partnerhub.core.outbox import _outbound_email_message
from relationships import forms as relationship_forms
from relationships.admin import ProviderListingForm
from tests.conftest import PASSWORD
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from transfers import forms as transfer_forms

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
    """(data, files): a `from_form` example, then hostile values in a drawn subset of its fields: any text in a
    text field, and in a choice, number, date or checkbox too (what a crafted request can send)."""
    fields = form_class(**form_kwargs).fields
    names = [name for name, f in fields.items() if not isinstance(f, forms.FileField)]
    hostile = st.dictionaries(st.sampled_from(names), hostile_text(surrogates=surrogates)) if names else st.just({})
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


ROOT = Path(__file__).resolve().parents[2]

FORMS = {
    "accounts.SignupForm": FormCase(account_forms.SignupForm),
    "api.ApiClientForm": FormCase(ApiClientForm, lambda c: {"roles_held": [Role.GLOBAL_ADMIN, Role.BILLING_ADMIN]}),
    "accounts.OrganizationForm": FormCase(account_forms.OrganizationForm, lambda c: {"user": c["user"]}),
    "accounts.UserInvitationForm": FormCase(account_forms.UserInvitationForm),
    "accounts.MemberRolesForm": FormCase(account_forms.MemberRolesForm),
    "accounts.OrganizationSwitchForm": FormCase(account_forms.OrganizationSwitchForm),
    "accounts.ResetPasswordForm": FormCase(account_forms.ResetPasswordForm),
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
    "enrollment.admin.SuspendForm": FormCase(SuspendForm),
    "agreements.SignForm": FormCase(agreement_forms.SignForm, lambda c: {"region": "US"}),
    "agreements.LookupForm": FormCase(agreement_forms.LookupForm),
    "agreements.AgreementVersionForm": FormCase(agreement_forms.AgreementVersionForm),
    "agreements.AgreementVersionChangeForm": FormCase(agreement_forms.AgreementVersionChangeForm),
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
    "customers.ScheduleForm": FormCase(customer_forms.ScheduleForm, lambda c: {"terms": list(Offer.Term.values)}),
    "customers.UpgradeForm": FormCase(customer_forms.UpgradeForm, lambda c: {"targets": c["offers"]}, _offer_choice),
    "access.RequestForm": FormCase(access_forms.RequestForm),
    "access.CustomerUserForm": FormCase(access_forms.CustomerUserForm),
    "transfers.TransferForm": FormCase(
        transfer_forms.TransferForm, overrides=lambda c: {"subscriptions": st.lists(st.text(max_size=40), max_size=3)}
    ),
    "billing.ProfileForm": FormCase(billing_forms.ProfileForm),
    "billing.PaymentForm": FormCase(billing_forms.PaymentForm, overrides=lambda c: {"invoice": st.text(max_size=12)}),
    "billing.BlockForm": FormCase(billing_forms.BlockForm),
    "billing.StatementForm": FormCase(billing_forms.StatementForm),
    "transfers.TransitionForm": FormCase(
        transfer_forms.TransitionForm,
        lambda c: {"providers": c["reseller_list"]},
        lambda c: {"provider": st.sampled_from([r.pk for r in c["reseller_list"]] + [0, -1])},
    ),
    "billing.PriceRuleForm": FormCase(
        billing_forms.PriceRuleForm,
        lambda c: {"recipients": c["reseller_list"]},
        lambda c: {"recipient": st.sampled_from([r.pk for r in c["reseller_list"]] + [0, -1]), **_offer_choice(c)},
    ),
    "billing.TierForm": FormCase(
        billing_forms.TierForm,
        lambda c: {"recipients": c["reseller_list"]},
        lambda c: {"recipient": st.sampled_from([r.pk for r in c["reseller_list"]] + [0, -1])},
    ),
    "billing.TaxRateForm": FormCase(billing_forms.TaxRateForm, lambda c: {"issuer": c["organization"]}),
    "billing.CustomerBillingForm": FormCase(
        billing_forms.CustomerBillingForm,
        lambda c: {"customers": [(r.pk, r.legal_name) for r in c["reseller_list"]]},
        lambda c: {"customer": st.sampled_from([r.pk for r in c["reseller_list"]] + [0, -1])},
    ),
    "billing.admin.PriceRuleForm": FormCase(billing_admin.PriceRuleForm, overrides=_offer_choice),
    "billing.admin.PaymentForm": FormCase(
        billing_admin.PaymentForm, overrides=lambda c: {"invoice": st.sampled_from([0, -1])}
    ),
    "billing.CreditNoteForm": FormCase(billing_forms.CreditNoteForm),
}


def _project_forms() -> set[type]:
    """Every form class defined in the project's forms and admin modules."""
    import importlib

    found = set()
    for app in apps.get_app_configs():  # every first-party app's forms and admin modules, found, not listed
        if not Path(app.path).is_relative_to(ROOT) or ".venv" in Path(app.path).parts:
            continue
        extra = sorted(f"{app.name}.{path.stem}" for path in Path(app.path).glob("forms_*.py"))
        for name in (f"{app.name}.forms", f"{app.name}.admin", *extra):
            try:
                module = importlib.import_module(name)
            except ModuleNotFoundError as exc:
                if exc.name != name:
                    raise
                continue
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


# --- view level ------------------------------------------------------------------------------------------------


@dataclass
class Target:
    client: Client
    url: str
    kwargs: dict = field(default_factory=dict)  # the form's kwargs, as the view builds it
    fixed: dict = field(default_factory=dict)  # fields the view needs beside the form's (e.g. an action)
    overrides: dict = field(default_factory=dict)  # {field: strategy} for fields Hypothesis can't infer


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _seller(request):
    provider, user, fabrikam, fabrikam_user = request.getfixturevalue("seller")
    return provider, user, fabrikam, fabrikam_user


def _fresh_admin(request):
    member = request.getfixturevalue("make_member")(OrganizationFactory(legal_name="Tailspin Toys Ltd"))
    return member.organization, member.user


def _customer_admin(created):
    from partnerhub.accounts.models import User

    admin = User.objects.get(email=created.user_name)
    admin.must_change_password = False
    admin.save(update_fields=["must_change_password"])
    return admin


def _us_offers():
    from customers import services

    offers = list(services.offers_for(country="US", region="united_states", currency="USD"))
    return offers, {"offer": st.sampled_from([o.pk for o in offers] + [0, -1, 2**40])}


def t_signup(request):
    return Target(Client(), "/accounts/signup/")


def t_organization_create(request):
    user = UserFactory(email="newcomer@tailspin.example")
    return Target(_client(user), "/organization/new/", {"user": user})


def t_organization_switch(request):
    return Target(_client(_seller(request)[1]), "/organization/switch/")


def t_user_invite(request):
    return Target(_client(_seller(request)[1]), "/settings/users/invite/")


def t_member_update(request):
    provider, user, *_ = _seller(request)
    member = request.getfixturevalue("make_member")(provider, Role.HELPDESK_AGENT, email="helen@contoso.example")
    return Target(_client(user), f"/settings/users/{member.pk}/")


def t_welcome(request):
    return Target(_client(_fresh_admin(request)[1]), "/programs/csp/")


def _enroll(program):
    def setup(request):
        organization, user = _fresh_admin(request)
        return Target(
            _client(user), f"/programs/csp/enroll/{program}/", {"organization": organization, "program": program}
        )

    return setup


def _provider_enrollment(request):
    from enrollment.models import ProgramEnrollment

    provider, user, *_ = _seller(request)
    return provider, user, ProgramEnrollment.objects.get(organization=provider)


def t_legal_details(request):
    provider, user, enrollment = _provider_enrollment(request)
    return Target(_client(user), f"/settings/legal/{enrollment.pk}/update/", {"organization": provider})


def t_support_plan(request):
    provider, user, enrollment = _provider_enrollment(request)
    return Target(_client(user), f"/settings/legal/{enrollment.pk}/support-plan/")


def t_case_fix(request):
    from enrollment import services
    from tests.scenarios import ENROLLMENT_DATA

    organization, user = _fresh_admin(request)
    enrollment = services.enrollment_submit(
        organization=organization, actor=user, program=Program.INDIRECT_RESELLER, data=ENROLLMENT_DATA
    )
    case = services.contact_email_verify(case_pk=enrollment.cases.get().pk)
    services.case_reject_step(
        case=case, reviewer=request.getfixturevalue("staff"), reason_code="EMP-02", reason_text="Send a WHOIS record."
    )
    return Target(_client(user), f"/settings/legal/cases/{case.pk}/fix/")


def t_location_add(request):
    return Target(_client(_seller(request)[1]), "/settings/identifiers/locations/new/")


def t_identifiers(request):
    return Target(_client(_seller(request)[1]), "/settings/identifiers/")


def t_agreement_sign(request):
    reseller, user = request.getfixturevalue("make_reseller")("Northwind Traders", signed=False)
    client = Client()
    client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})  # recently signed in
    return Target(client, "/settings/agreements/partner-agreement/", {"region": "US"})


def t_status_lookup(request):
    return Target(_client(_seller(request)[1]), "/programs/csp/agreement-status/")


def t_directory(request):
    return Target(_client(_seller(request)[3]), "/directory/")


def t_reseller_list(request):
    return Target(_client(_seller(request)[1]), "/partners/resellers/")


def t_provider_list(request):
    return Target(_client(_seller(request)[3]), "/partners/providers/")


def t_my_listing(request):
    return Target(_client(_seller(request)[1]), "/directory/mine/")


def _draft(create_url):
    def setup(request):
        client = _client(_seller(request)[1])
        response = client.post(create_url)
        assert response.status_code == 302
        assert "/draft/" in response.url
        return Target(client, response.url)

    return setup


def t_partnership_accept(request):
    from relationships import services

    provider, user, *_ = _seller(request)
    reseller, reseller_user = request.getfixturevalue("make_reseller")("Northwind Traders")
    _, token = services.partnership_invitation_create(provider=provider, actor=user)
    client = _client(reseller_user)
    client.get(f"/partnership/{token}/")  # opened once: a later rejected POST writes nothing
    return Target(client, f"/partnership/{token}/")


def _wizard(step):
    from tests.scenarios import ACCOUNT

    def setup(request):
        from customers import services

        provider, user, fabrikam, _ = _seller(request)
        client = _client(user)
        kwargs, overrides = {}, {}
        if step == "account":
            kwargs = {"resellers": services.eligible_resellers(provider).order_by("pk")}
        else:
            assert client.post("/customers/new/", {**ACCOUNT, "reseller": fabrikam.pk}).status_code == 302
        if step in ("subscriptions", "review"):
            agreement = {"how": "attest", "first_name": "Nestor", "last_name": "Wilke", "email": "n@woodgrove.example",
                         "date_agreed": "2026-01-05"}  # fmt: skip
            assert client.post("/customers/new/agreement/", agreement).status_code == 302
        if step == "subscriptions":
            offers, _ = _us_offers()
            kwargs = {"offers": offers}
        if step == "review":
            assert client.post("/customers/new/subscriptions/", {}).status_code == 302
        return Target(client, "/customers/new/" + ("" if step == "account" else f"{step}/"), kwargs, {}, overrides)

    return setup


def t_customer_agreement(request):
    created = request.getfixturevalue("customer")
    return Target(_client(_seller(request)[1]), f"/customers/{created.organization.tenant_id}/agreement/")


def t_credit_note(request):
    from billing.models import BillingProfile, Invoice
    from billing.services import runs

    provider, user, *_ = _seller(request)
    request.getfixturevalue("customer")  # its orders are rated for the provider's reseller
    for profile in BillingProfile.objects.filter(issuer=provider):
        runs.billing_run_profile(pk=profile.pk, today=profile.next_run_on)
    invoice = Invoice.objects.filter(issuer=provider).first()
    return Target(_client(user), f"/billing/invoices/{invoice.public_id}/credit-notes/")


def t_subscription_add(request):
    created = request.getfixturevalue("customer")
    offers, overrides = _us_offers()
    url = f"/customers/{created.organization.tenant_id}/subscriptions/new/"
    return Target(_client(_seller(request)[1]), url, {"offers": offers}, {}, overrides)


def _subscription_action(action):
    def setup(request):
        created = request.getfixturevalue("customer")
        provider, user, fabrikam, _ = _seller(request)
        subscription = Subscription.objects.filter(customer=created.organization).order_by("pk").first()
        url = f"/customers/{created.organization.tenant_id}/subscriptions/{subscription.public_id}/"
        kwargs = {
            "support_contact": {"choices": [provider, fabrikam]},
            "schedule": {"terms": list(Offer.Term.values)},
            "upgrade": {"targets": []},  # the view offers the family's higher offers; the fuzz posts anything
        }.get(action, {})
        overrides = {"offer": st.sampled_from([0, -1, 2**31])} if action == "upgrade" else {}
        return Target(_client(user), url, kwargs, {"action": action}, overrides)

    return setup


def t_customer_search(request):
    provider, user, fabrikam, _ = _seller(request)
    return Target(_client(user), "/customers/", {"resellers": [fabrikam]})


def t_customer_invitation_create(request):
    return Target(_client(_seller(request)[1]), "/customers/invitations/new/")


def t_customer_signup(request):
    from customers import services

    provider, user, *_ = _seller(request)
    _, token = services.customer_invitation_create(sender=provider, actor=user)
    return Target(Client(), f"/customer-invitation/{token}/")


def t_customer_accept_signed_in(request):
    from customers import services
    from tests.scenarios import qualify, sign

    created = request.getfixturevalue("customer")
    organization, user = _fresh_admin(request)
    qualify(organization, user, request.getfixturevalue("staff"), program="indirect_provider")
    sign(organization, user, request.getfixturevalue("mpa"))
    _, token = services.customer_invitation_create(sender=organization, actor=user)
    return Target(_client(_customer_admin(created)), f"/customer-invitation/{token}/")


REDIRECTS = "redirects"  # the view answers every POST with a redirect (and a message), never the form again

# (form, how the view is reached, method[, REDIRECTS])
VIEWS = {
    "signup": (account_forms.SignupForm, t_signup, "post"),
    "organization-create": (account_forms.OrganizationForm, t_organization_create, "post"),
    "organization-switch": (account_forms.OrganizationSwitchForm, t_organization_switch, "post", REDIRECTS),
    "user-invitation": (account_forms.UserInvitationForm, t_user_invite, "post"),
    "member-update": (account_forms.MemberRolesForm, t_member_update, "post"),
    "program-choice": (enrollment_forms.ProgramChoiceForm, t_welcome, "post"),
    "enroll-reseller": (enrollment_forms.EnrollmentForm, _enroll(Program.INDIRECT_RESELLER), "post"),
    "enroll-direct-bill": (enrollment_forms.EnrollmentForm, _enroll(Program.DIRECT_BILL), "post"),
    "legal-details": (enrollment_forms.LegalDetailsForm, t_legal_details, "post"),
    "case-fix": (enrollment_forms.FixNowForm, t_case_fix, "post"),
    "location-add": (enrollment_forms.LocationForm, t_location_add, "post"),
    "partner-id-associate": (enrollment_forms.AssociateForm, t_identifiers, "post"),
    "support-plan": (enrollment_forms.SupportPlanForm, t_support_plan, "post", REDIRECTS),
    "agreement-sign": (agreement_forms.SignForm, t_agreement_sign, "post"),
    "agreement-status-lookup": (agreement_forms.LookupForm, t_status_lookup, "get"),
    "directory": (relationship_forms.DirectoryFilterForm, t_directory, "get"),
    "reseller-search": (relationship_forms.SearchForm, t_reseller_list, "get"),
    "provider-search": (relationship_forms.SearchForm, t_provider_list, "get"),
    "listing-change-request": (relationship_forms.ChangeRequestForm, t_my_listing, "post"),
    "partnership-invitation-send": (
        relationship_forms.SendInvitationForm,
        _draft("/partners/resellers/invitations/new/"),
        "post",
    ),
    "partnership-accept": (relationship_forms.AuthorizeForm, t_partnership_accept, "post"),
    "wizard-account": (customer_forms.AccountForm, _wizard("account"), "post"),
    "wizard-agreement": (customer_forms.AgreementForm, _wizard("agreement"), "post"),
    "wizard-subscriptions": (customer_forms.OffersForm, _wizard("subscriptions"), "post"),
    "wizard-review": (customer_forms.ReviewForm, _wizard("review"), "post"),
    "customer-agreement": (customer_forms.AttestForm, t_customer_agreement, "post"),
    "subscription-add": (customer_forms.SubscriptionAddForm, t_subscription_add, "post"),
    "subscription-quantity": (customer_forms.QuantityForm, _subscription_action("quantity"), "post"),
    "subscription-settings": (customer_forms.SubscriptionSettingsForm, _subscription_action("settings"), "post"),
    "subscription-schedule": (customer_forms.ScheduleForm, _subscription_action("schedule"), "post"),
    "subscription-upgrade": (customer_forms.UpgradeForm, _subscription_action("upgrade"), "post"),
    "subscription-partner-of-record": (
        customer_forms.PartnerOfRecordForm,
        _subscription_action("partner_of_record"),
        "post",
    ),
    "subscription-support-contact": (
        customer_forms.SupportContactForm,
        _subscription_action("support_contact"),
        "post",
    ),
    "customer-search": (customer_forms.SearchForm, t_customer_search, "get"),
    "customer-invitation-create": (
        customer_forms.InvitationCreateForm,
        t_customer_invitation_create,
        "post",
        REDIRECTS,
    ),
    "customer-invitation-send": (customer_forms.SendInvitationForm, _draft("/customers/invitations/new/"), "post"),
    "customer-invitation-accept": (customer_forms.AcceptInvitationForm, t_customer_accept_signed_in, "post"),
    "customer-signup": (customer_forms.CustomerSignupForm, t_customer_signup, "post"),
    "credit-note-create": (billing_forms.CreditNoteForm, t_credit_note, "post"),
}

LINK = re.compile(r'href="(https?://[^"]*)"')


def _check_emails(since: int) -> None:
    """Emails queued by the request: headers without CR/LF (ASVS 1.3.11), links only to SITE_URL."""
    from django.conf import settings as django_settings

    for email in OutboundEmail.objects.filter(pk__gt=since):
        assert not re.search(r"[\r\n]", email.subject), email.subject
        assert not re.search(r"[\r\n]", email.to), email.to
        message = _outbound_email_message(email, connection=None).message()  # BadHeaderError on a newline
        assert message["Subject"] is not None
        for link in LINK.findall(email.body_html):  # the links the app builds (a name is only text)
            assert link == django_settings.SITE_URL or link.startswith(django_settings.SITE_URL + "/"), link


def _bound_valid(form_class, post: dict, files: dict, kwargs: dict) -> bool:
    """Whether the form the view builds from this request would be valid."""
    from django.utils.datastructures import MultiValueDict

    data = MultiValueDict({k: v if isinstance(v, list) else [v] for k, v in post.items()})
    for upload in files.values():
        upload.seek(0)
    valid = form_class(data=data, files=MultiValueDict({k: [v] for k, v in files.items()}), **kwargs).is_valid()
    for upload in files.values():
        upload.seek(0)
    return valid


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(VIEWS))
def test_view_answers_hostile_submissions_safely(name, request, table_snapshot):
    form_class, setup, method, *redirects = VIEWS[name]
    target = setup(request)
    statuses = set()

    @settings(max_examples=VIEW_EXAMPLES)
    @given(submissions(form_class, target.kwargs, target.overrides))
    def check(submission):
        data, files = submission
        post = {**as_post(data), **target.fixed}
        cache.clear()  # rate limits (and cached sessions, which the rollback below reverts in the database)
        with transaction.atomic():
            before = table_snapshot()
            last_email = OutboundEmail.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            if method == "get":
                response = target.client.get(target.url, post)
                may_write = False
            else:
                valid = _bound_valid(form_class, post, files, target.kwargs)
                response = target.client.post(target.url, {**post, **files})
                may_write = valid and response.status_code == 302
            statuses.add(response.status_code)
            assert response.status_code in OK_STATUSES, (response.status_code, post)
            if not response.streaming:
                assert_escaped(response.content.decode(errors="replace"))
            if may_write and response.url.startswith("/"):  # the page that shows what was just saved
                shown = target.client.get(response.url)
                assert shown.status_code in OK_STATUSES, (shown.status_code, response.url, post)
                if not shown.streaming:
                    assert_escaped(shown.content.decode(errors="replace"))
            if not may_write:
                after = table_snapshot()
                changed = {table for table in before if before[table] != after[table]}
                assert not changed, (changed, response.status_code, post)
            _check_emails(last_email)
            transaction.set_rollback(True)

    check()
    if redirects:
        assert statuses == {302}
    else:
        assert 200 in statuses, f"the form was never shown back (statuses {statuses}): the target is wrong"


# --- email headers from partner-supplied names (ASVS 1.3.11) --------------------------------------------------

HOSTILE_NAMES = [
    "Mallory Corp\r\nBcc: victim@evil.example",
    "Line\nBreak Inc",
    "Carriage\rReturn Ltd",
    "Next\x85Line Ltd",
    "Separator\u2028Corp",
    "Paragraph\u2029Corp",
    "Vertical\x0bTab\x0cFeed Ltd",
    "\u202eCorp " + CANARY,
    '=HYPERLINK("http://evil.example","Click")',
    "Ünïcödé 株式会社 \U0001f600",
]


def _assert_header_safe(email: OutboundEmail) -> None:
    _check_emails(email.pk - 1)
    parsed = message_from_bytes(_outbound_email_message(email, connection=None).message().as_bytes())
    assert set(parsed.keys()) == {"Content-Type", "MIME-Version", "Subject", "From", "To", "Date", "Message-ID",
                                  "X-PartnerHub-Idempotency-Key"}  # fmt: skip
    assert parsed["To"] == email.to


@pytest.mark.django_db
@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_hostile_company_name_never_breaks_an_email_header(name, client):
    """A company created with a hostile name through the form, then an invitation whose subject names it."""
    client.force_login(UserFactory(email="owner@tailspin.example"))
    created = client.post(
        "/organization/new/",
        {"legal_name": name, "country": "US", "address_line1": "1 Main Street", "city": "Seattle", "state": "WA",
         "postal_code": "98101", "primary_domain": "tailspin.example"},
    )  # fmt: skip
    invited = client.post(
        "/settings/users/invite/", {"email": "new@tailspin.example", "roles": "user_management_admin"}
    )

    assert created.status_code == 302
    assert invited.status_code == 302
    email = OutboundEmail.objects.get(template="user_invitation")
    assert name.split()[0][:4] in email.subject or name.startswith(("\u202e", "=")), email.subject
    _assert_header_safe(email)


@pytest.mark.django_db
@pytest.mark.parametrize("name", HOSTILE_NAMES[:7])
def test_a_hostile_provider_name_never_breaks_a_partnership_invitation_header(name, seller):
    """A name as an import or an older row might hold it, in the subject of an email to another company."""
    provider, user, *_ = seller
    Organization.objects.filter(pk=provider.pk).update(legal_name=name)
    client = _client(user)
    draft = client.post("/partners/resellers/invitations/new/")

    sent = client.post(draft.url, {"email": "alex@fabrikam.example", "message": "Join us\r\nBcc: victim@evil.example"})

    assert sent.status_code == 302
    _assert_header_safe(OutboundEmail.objects.get(template="partnership_invitation"))


# --- CSV exports (ASVS 1.2.10) ---------------------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@settings(max_examples=FORM_EXAMPLES)
@given(hostile_text())
def test_a_csv_cell_never_starts_a_formula(value):
    from customers.csv_export import neutralise

    cell = neutralise(value)

    assert not cell.startswith(FORMULA_STARTS)
    assert cell in (value, "'" + value)


@pytest.mark.django_db
@pytest.mark.parametrize("friendly_name", ['=HYPERLINK("http://evil.example","Click")', "+1+1", "-2+3", "@SUM(A1)"])
def test_a_friendly_name_saved_through_the_form_is_exported_as_text(friendly_name, seller, customer):
    import csv
    import io

    provider, user, *_ = seller
    tenant = customer.organization.tenant_id
    subscription = Subscription.objects.filter(customer=customer.organization).order_by("pk").first()
    client = _client(user)

    saved = client.post(f"/customers/{tenant}/subscriptions/{subscription.public_id}/",
                        {"action": "settings", "friendly_name": friendly_name, "auto_renew": "on"})  # fmt: skip
    export = client.get(f"/customers/{tenant}/subscriptions/export/")

    assert saved.status_code == 302
    text = b"".join(export.streaming_content).decode()
    cells = [cell for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for cell in row]
    assert "'" + friendly_name in cells
    assert not any(cell.startswith(FORMULA_STARTS) for cell in cells)
