"""Writes of the customers app, one module per concern; import from here."""

from .agreement import AgreementInput, check_agreement, customer_agreement_accept, customer_agreement_attest
from .common import CustomersError, require_seller
from .creation import CreatedCustomer, NewCustomer, customer_create
from .invitations import (
    check_invitation,
    customer_invitation_accept,
    customer_invitation_create,
    customer_invitation_resend,
    customer_invitation_revoke,
    customer_invitation_send,
    customer_signup_and_accept,
    invitation_url,
)
from .orders import (
    LineInput,
    check_lines,
    has_customer_agreement,
    offers_for,
    order_submit,
    partner_of_record_check,
    subscription_cancel,
    subscription_change_quantity,
    subscription_reactivate,
    subscription_set_partner_of_record,
    subscription_set_support_contact,
    subscription_suspend,
    subscription_update,
    support_contact_choices,
)
from .relationships import customer_relationship_remove
from .resellers import check_reseller, eligible_resellers, location_partner_id, reseller_named
from .tenants import ACCOUNT_FIELDS, check_account, domain_available

__all__ = [
    "ACCOUNT_FIELDS",
    "AgreementInput",
    "CreatedCustomer",
    "CustomersError",
    "LineInput",
    "NewCustomer",
    "check_account",
    "check_agreement",
    "check_invitation",
    "check_lines",
    "check_reseller",
    "customer_agreement_accept",
    "customer_agreement_attest",
    "customer_create",
    "customer_invitation_accept",
    "customer_invitation_create",
    "customer_invitation_resend",
    "customer_invitation_revoke",
    "customer_invitation_send",
    "customer_relationship_remove",
    "customer_signup_and_accept",
    "domain_available",
    "eligible_resellers",
    "has_customer_agreement",
    "invitation_url",
    "location_partner_id",
    "offers_for",
    "order_submit",
    "partner_of_record_check",
    "require_seller",
    "reseller_named",
    "subscription_cancel",
    "subscription_change_quantity",
    "subscription_reactivate",
    "subscription_set_partner_of_record",
    "subscription_set_support_contact",
    "subscription_suspend",
    "subscription_update",
    "support_contact_choices",
]
