"""Customers, customer invitations, offers, orders and subscriptions as the API shows and takes them.

Requests are checked for shape only (types, lengths, the choices of the wizard's forms); every business rule
is the services' and comes back as their problem (`code`, the page's sentence, `field`)."""

from __future__ import annotations

import uuid

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from phonenumber_field.serializerfields import PhoneNumberField
from rest_framework import serializers

from customers.forms import CULTURES, LANGUAGES
from customers.models import BillingFrequency, Offer, Subscription

MAX_ID = 2**63 - 1  # a bigint primary key: a larger number is refused before it reaches PostgreSQL
MAX_QUANTITY = 100_000  # the order and quantity forms' bound
MAX_LINES = 50


class OrganizationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


ORG_REF = extend_schema_field(OrganizationRefSerializer)
ORG_REF_OR_NULL = extend_schema_field(OrganizationRefSerializer(allow_null=True))


def _org_ref(organization) -> dict | None:
    return None if organization is None else {"id": organization.pk, "name": organization.legal_name}


# --- customers -----------------------------------------------------------------------------------------


class CustomerSerializer(serializers.Serializer):
    """A row of the customer list: a CustomerRelationship of the calling partner (`customers.selectors.
    customer_list`), reading only the columns that list selects."""

    id = serializers.UUIDField(source="customer.tenant_id", help_text=_("The customer's tenant ID."))
    company_name = serializers.CharField(source="customer_name")
    domain = serializers.CharField(source="customer.primary_domain")
    relationship = serializers.ChoiceField(source="kind", choices=["direct", "indirect_provider", "indirect_reseller"])
    delegated_admin = serializers.BooleanField()
    reseller = serializers.SerializerMethodField()
    since = serializers.DateTimeField(source="created_at")

    @ORG_REF_OR_NULL
    def get_reseller(self, relationship) -> dict | None:
        if relationship.reseller_id is None:
            return None
        return {"id": relationship.reseller_id, "name": relationship.reseller.legal_name}


class CustomerContactSerializer(serializers.Serializer):
    first_name = serializers.CharField(source="contact_first_name")
    last_name = serializers.CharField(source="contact_last_name")
    email = serializers.EmailField(source="contact_email")
    phone = serializers.CharField(source="contact_phone")


class CustomerDetailSerializer(CustomerSerializer):
    """One customer (`customers.selectors.relationship_get`): the list's fields and its account."""

    country = serializers.CharField(source="customer.country.code")
    csp_region = serializers.CharField(source="customer.csp_region")
    currency = serializers.CharField(source="customer.currency")
    address_line1 = serializers.CharField(source="customer.address_line1")
    address_line2 = serializers.CharField(source="customer.address_line2")
    city = serializers.CharField(source="customer.city")
    state = serializers.CharField(source="customer.state")
    postal_code = serializers.CharField(source="customer.postal_code")
    contact = CustomerContactSerializer(source="customer.customer_profile")
    culture = serializers.CharField(source="customer.customer_profile.culture")
    language = serializers.CharField(source="customer.customer_profile.language")
    registration_number = serializers.CharField(source="customer.customer_profile.registration_number")
    has_active_subscriptions = serializers.BooleanField()


class CustomerListQuerySerializer(serializers.Serializer):
    q = serializers.CharField(
        max_length=100, required=False, allow_blank=True, help_text=_("Company name, domain or tenant ID.")
    )
    reseller = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, help_text=_("Only the customers associated with this reseller.")
    )


class AgreementSerializer(serializers.Serializer):
    """The wizard's Customer agreement step: `attest` true confirms the customer accepted it (who and when);
    false leaves it for the customer's Global admin to accept (and no subscription can be ordered yet)."""

    attest = serializers.BooleanField()
    first_name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    last_name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    phone = PhoneNumberField(region="US", required=False, allow_blank=True, default="")
    date_agreed = serializers.DateField(required=False, allow_null=True, default=None)


class NewCustomerLineSerializer(serializers.Serializer):
    offer = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)


class CustomerCreateSerializer(serializers.Serializer):
    """What the Add new customer wizard collects: the account, the reseller (an indirect provider's), the
    customer agreement and the first subscriptions."""

    company_name = serializers.CharField(max_length=200)
    domain_prefix = serializers.CharField(
        max_length=27, help_text=_("The customer's account domain; its admin signs in as admin@ this domain.")
    )
    country = serializers.CharField(max_length=2, help_text=_("ISO 3166 country code."))
    address_line1 = serializers.CharField(max_length=200)
    address_line2 = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    city = serializers.CharField(max_length=100)
    state = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    postal_code = serializers.CharField(max_length=20)
    contact_first_name = serializers.CharField(max_length=50)
    contact_last_name = serializers.CharField(max_length=50)
    contact_email = serializers.EmailField()
    contact_phone = PhoneNumberField(region="US", required=False, allow_blank=True, default="")
    culture = serializers.ChoiceField(choices=[code for code, _label in CULTURES], default="en-US")
    language = serializers.ChoiceField(choices=[code for code, _label in LANGUAGES], default="en")
    registration_number = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    reseller = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, allow_null=True, default=None,
        help_text=_("An indirect provider's reseller to associate the customer with (its id)."),
    )  # fmt: skip
    agreement = AgreementSerializer(required=False)
    lines = NewCustomerLineSerializer(many=True, required=False, max_length=MAX_LINES)


class CreatedAdminSerializer(serializers.Serializer):
    user_name = serializers.CharField(help_text=_("The new customer's Global admin signs in with this name."))
    temporary_password = serializers.CharField(
        help_text=_("Shown once, here only; it must be changed at the first sign-in.")
    )


class CustomerCreatedSerializer(CustomerDetailSerializer):
    admin = CreatedAdminSerializer(source="created_admin")


# --- customer invitations ------------------------------------------------------------------------------


class CustomerInvitationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    partner = serializers.SerializerMethodField()
    reseller = serializers.SerializerMethodField()
    delegated_admin = serializers.BooleanField()
    status = serializers.CharField(help_text=_("sent, accepted, expired or revoked"))
    recipient_email = serializers.EmailField(allow_blank=True)
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    accepted_at = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)
    customer = serializers.SerializerMethodField(help_text=_("The tenant ID of the customer that accepted."))

    @ORG_REF
    def get_partner(self, invitation) -> dict | None:
        return _org_ref(invitation.partner)

    @ORG_REF_OR_NULL
    def get_reseller(self, invitation) -> dict | None:
        return _org_ref(invitation.reseller)

    def get_customer(self, invitation) -> str | None:
        return str(invitation.customer.tenant_id) if invitation.customer_id else None


class CustomerInvitationCreatedSerializer(CustomerInvitationSerializer):
    url = serializers.URLField(help_text=_("The personal link for the customer's Global admin; shown only once."))


class CustomerInvitationCreateSerializer(serializers.Serializer):
    delegated_admin = serializers.BooleanField(default=True, help_text=_("Include delegated administration privileges"))
    relationship = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, allow_null=True, default=None,
        help_text=_("A reseller inviting with one of its providers: the id of that partnership."),
    )  # fmt: skip


# --- offers --------------------------------------------------------------------------------------------


class OfferSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    sku = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    billing_type = serializers.ChoiceField(choices=Offer.BillingType.values)
    term = serializers.ChoiceField(choices=Offer.Term.choices, help_text=_("The default term."))
    terms = serializers.ListField(
        source="terms_sold", child=serializers.ChoiceField(choices=Offer.Term.choices), help_text=_("The terms sold.")
    )
    family = serializers.CharField(help_text=_("Upgrades go to a higher `family_rank` of the same family."))
    family_rank = serializers.IntegerField()
    minimum_quantity = serializers.IntegerField()
    maximum_quantity = serializers.IntegerField()
    customer_limit = serializers.IntegerField(allow_null=True)
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.SerializerMethodField()

    def get_currency(self, offer) -> str:
        return str(self.context["currency"])


class OfferListQuerySerializer(serializers.Serializer):
    customer = serializers.UUIDField(required=False, help_text=_("The catalogue of this customer's market."))


# --- orders --------------------------------------------------------------------------------------------


def _partner_id(partner_id) -> str | None:
    return None if partner_id is None else str(partner_id.number)


class OrderLineSerializer(serializers.Serializer):
    line_number = serializers.IntegerField()
    offer = serializers.IntegerField(source="offer_id")
    offer_name = serializers.CharField(source="offer.name")
    quantity = serializers.IntegerField()
    term = serializers.ChoiceField(choices=Offer.Term.choices)
    billing_frequency = serializers.ChoiceField(choices=BillingFrequency.choices)
    custom_term_end = serializers.DateField(allow_null=True, help_text=_("The aligned end of the first term, if any."))
    friendly_name = serializers.CharField(allow_blank=True)
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    partner_id_on_record = serializers.SerializerMethodField()
    subscription = serializers.SerializerMethodField()

    def get_partner_id_on_record(self, line) -> str | None:
        return _partner_id(line.partner_of_record)

    def get_subscription(self, line) -> str | None:
        return str(line.subscription.public_id) if line.subscription_id else None


class OrderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField(help_text=_("The order number, #1, #2, … of the partner's own."))
    customer = serializers.UUIDField(source="customer.tenant_id")
    status = serializers.CharField()
    currency = serializers.CharField()
    created_at = serializers.DateTimeField()
    lines = OrderLineSerializer(many=True)


class OrderLineInputSerializer(serializers.Serializer):
    offer = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)
    term = serializers.ChoiceField(
        choices=Offer.Term.choices, required=False, allow_blank=True, default="",
        help_text=_("P1M, P1Y or P3Y, among the offer's `terms`; left out: the offer's default `term`."),
    )  # fmt: skip
    billing_frequency = serializers.ChoiceField(
        choices=BillingFrequency.choices, required=False, allow_blank=True, default="",
        help_text=_(
            "P1M: monthly; P1Y: annual or monthly; P3Y: triennial (upfront) or annual. Left out: the first of these."
        ),
    )  # fmt: skip
    custom_term_end = serializers.DateField(
        required=False, allow_null=True, default=None,
        help_text=_(
            "Co-terminosity: end the first term on the last day of a calendar month (no later than the natural "
            "end) or on the end date of another active subscription of the customer (an annual or triennial "
            "term never on a monthly one's)."
        ),
    )  # fmt: skip
    friendly_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    partner_id_on_record = serializers.CharField(
        max_length=20, required=False, allow_blank=True, allow_null=True,
        help_text=_(
            "The reseller's location partner ID. Left out: the location ID of the reseller the customer is "
            "associated with, as the order form suggests; empty or null: none (you sell directly)."
        ),
    )  # fmt: skip


class OrderCreateSerializer(serializers.Serializer):
    lines = OrderLineInputSerializer(many=True, min_length=1, max_length=MAX_LINES)


class OrderListQuerySerializer(serializers.Serializer):
    customer = serializers.UUIDField(required=False, help_text=_("Only this customer's orders (its tenant ID)."))


# --- subscriptions -------------------------------------------------------------------------------------


class ScheduledChangesSerializer(serializers.Serializer):
    quantity = serializers.IntegerField(source="next_quantity", allow_null=True)
    term = serializers.SerializerMethodField()
    billing_frequency = serializers.SerializerMethodField()
    renews = serializers.SerializerMethodField(help_text=_("False: the subscription expires at its term end."))

    def get_term(self, subscription) -> str | None:
        return subscription.next_term or None

    def get_billing_frequency(self, subscription) -> str | None:
        return subscription.next_billing_frequency or None

    def get_renews(self, subscription) -> bool:
        return subscription.auto_renew and subscription.status == Subscription.Status.ACTIVE


class SubscriptionSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id", help_text=_("The subscription ID."))
    customer = serializers.UUIDField(source="customer.tenant_id")
    offer = serializers.IntegerField(source="offer_id")
    offer_name = serializers.CharField(source="offer.name")
    friendly_name = serializers.CharField(allow_blank=True)
    quantity = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Subscription.Status.values)
    auto_renew = serializers.BooleanField()
    term = serializers.ChoiceField(choices=Offer.Term.choices)
    billing_frequency = serializers.ChoiceField(choices=BillingFrequency.choices)
    term_start = serializers.DateField(help_text=_("The first day of the current term."))
    term_end = serializers.DateField(
        help_text=_("The last day of the current term; it renews or expires the day after.")
    )
    scheduled_changes = ScheduledChangesSerializer(
        source="*", help_text=_("What changes at the next renewal (null: unchanged).")
    )
    upgraded_to = serializers.SerializerMethodField(
        help_text=_("The subscription that replaced this one by an upgrade.")
    )
    end_reason = serializers.CharField(help_text=_("Why it expired or was upgraded; empty while it lives."))
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField()
    seller = serializers.SerializerMethodField(help_text=_("The provider or direct-bill partner that sold it."))
    partner_id_on_record = serializers.SerializerMethodField()
    support_contact = serializers.SerializerMethodField()
    order = serializers.IntegerField(source="order_id")
    created_at = serializers.DateTimeField()
    cancellable_until = serializers.DateTimeField(help_text=_("Cancellation is possible until then (7 days)."))
    decrease_allowed_until = serializers.DateTimeField(
        help_text=_("Licenses can be removed until then (7 days after they were last added).")
    )
    cancelled_at = serializers.DateTimeField(allow_null=True)

    @ORG_REF
    def get_seller(self, subscription) -> dict | None:
        return _org_ref(subscription.partner)

    def get_partner_id_on_record(self, subscription) -> str | None:
        return _partner_id(subscription.partner_of_record)

    @ORG_REF_OR_NULL
    def get_support_contact(self, subscription) -> dict | None:
        return _org_ref(subscription.support_contact)

    def get_upgraded_to(self, subscription) -> uuid.UUID | None:
        return subscription.upgraded_to.public_id if subscription.upgraded_to_id else None


class SubscriptionListQuerySerializer(serializers.Serializer):
    customer = serializers.UUIDField(required=False, help_text=_("Only this customer's subscriptions."))
    status = serializers.ChoiceField(choices=Subscription.Status.values, required=False)


class SubscriptionPatchSerializer(serializers.Serializer):
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY, required=False)
    auto_renew = serializers.BooleanField(required=False)
    friendly_name = serializers.CharField(max_length=100, required=False, allow_blank=True)


class ScheduledChangesPatchSerializer(serializers.Serializer):
    quantity = serializers.IntegerField(
        min_value=1, max_value=MAX_QUANTITY, required=False, allow_null=True,
        help_text=_("The quantity from the next term; null: unchanged."),
    )  # fmt: skip
    term = serializers.ChoiceField(
        choices=Offer.Term.choices, required=False, allow_blank=True, allow_null=True,
        help_text=_("The next term; null or empty: unchanged."),
    )  # fmt: skip
    billing_frequency = serializers.ChoiceField(
        choices=BillingFrequency.choices, required=False, allow_blank=True, allow_null=True,
        help_text=_("The next term's billing frequency; null or empty: unchanged."),
    )  # fmt: skip
    auto_renew = serializers.BooleanField(required=False, help_text=_("False: it expires at its term end."))


class UpgradeSerializer(serializers.Serializer):
    offer = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text=_("The target offer's id."))
