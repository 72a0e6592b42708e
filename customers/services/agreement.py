"""The customer agreement: attested by the partner (when adding the customer, or later under Customer
agreement), or accepted directly by the customer's Global admin."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements.models import AgreementType, CustomerAgreementAcceptance
from agreements.selectors import current_version
from partnerhub.accounts.models import Organization, User
from partnerhub.accounts.rules import require_global_admin
from partnerhub.core.audit import audit_record
from partnerhub.core.outbox import outbound_email_queue

from ..models import CustomerRelationship
from .common import CustomersError, require_seller


@dataclass
class AgreementInput:
    """The customer agreement step: attested now by the partner, or left for the customer to accept."""

    attest: bool
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    date_agreed: date | None = None


def check_agreement(agreement: AgreementInput) -> None:
    if not agreement.attest:
        return
    if current_version(type=AgreementType.MCA) is None:
        raise CustomersError(_("The customer agreement isn't published yet; ask PartnerHub support."), field="attest")
    for name, label in (("first_name", _("first name")), ("last_name", _("last name")), ("email", _("email"))):
        if not getattr(agreement, name).strip():
            raise CustomersError(_("Enter the %(field)s of the person who accepted.") % {"field": label}, field=name)
    if agreement.date_agreed is None:
        raise CustomersError(_("Enter the date the customer accepted the agreement."), field="date_agreed")
    if agreement.date_agreed > timezone.now().date():
        raise CustomersError(_("The date agreed can't be in the future."), field="date_agreed")


def record_attestation(
    *, partner: Organization, customer: Organization, actor: User, agreement: AgreementInput
) -> CustomerAgreementAcceptance:
    version = current_version(type=AgreementType.MCA)
    assert version is not None  # check_agreement refused an unpublished customer agreement
    assert agreement.date_agreed is not None  # and an attestation without its date
    acceptance = CustomerAgreementAcceptance.objects.create(
        customer=customer,
        version=version,
        method=CustomerAgreementAcceptance.Method.PARTNER_ATTESTED,
        partner=partner,
        user=actor,
        first_name=agreement.first_name.strip(),
        last_name=agreement.last_name.strip(),
        email=agreement.email.strip().lower(),
        phone=agreement.phone or "",
        date_agreed=agreement.date_agreed,
        document_sha256=version.sha256,
    )
    audit_record(code="partnerhub.customer_agreement.attested", actor=actor, organization=partner, target=acceptance)
    audit_record(code="partnerhub.customer_agreement.attested", actor=actor, organization=customer, target=acceptance)
    outbound_email_queue(
        to=acceptance.email,
        template="customer_agreement_attested",
        organization=customer,
        context={
            "name": acceptance.first_name,
            "customer": customer.legal_name,
            "partner": partner.legal_name,
            "date_agreed": acceptance.date_agreed,
            "version": str(version),
            "url": settings.SITE_URL + reverse("customers:partner-relationships"),
        },
    )
    return acceptance


def customer_agreement_attest(
    *, partner: Organization, customer: Organization, actor: User, agreement: AgreementInput
) -> CustomerAgreementAcceptance:
    """ "Update" under Customer agreement: the partner confirms the customer accepted (duplicates refused)."""
    require_seller(partner)
    agreement.attest = True
    check_agreement(agreement)
    with transaction.atomic():
        Organization.objects.select_for_update().get(pk=customer.pk)
        if not CustomerRelationship.objects.filter(
            partner=partner, customer=customer, status=CustomerRelationship.Status.ACTIVE
        ).exists():
            raise CustomersError(_("You no longer have a relationship with this customer."), code="no_relationship")
        latest = (
            CustomerAgreementAcceptance.objects.filter(customer=customer, partner=partner)
            .order_by("-created_at", "-pk")
            .first()
        )
        unchanged = latest is not None and (
            latest.first_name.casefold(),
            latest.last_name.casefold(),
            latest.email.casefold(),
            str(latest.phone or ""),
        ) == (
            agreement.first_name.strip().casefold(),
            agreement.last_name.strip().casefold(),
            agreement.email.strip().casefold(),
            str(agreement.phone or ""),
        )
        if unchanged:
            raise CustomersError(
                _(
                    "A partner confirmed agreement already exists for the customer. Change the contact's name, "
                    "email or phone to record a new confirmation."
                ),
                code="600061",
            )
        return record_attestation(partner=partner, customer=customer, actor=actor, agreement=agreement)


def customer_agreement_accept(*, customer: Organization, user: User) -> CustomerAgreementAcceptance:
    """The customer's Global admin accepts the customer agreement directly (once per version)."""
    message = _("Only a Global admin of %(customer)s can accept the customer agreement.")
    require_global_admin(
        user, customer, CustomersError(message % {"customer": customer.legal_name}, code="not_global_admin")
    )
    version = current_version(type=AgreementType.MCA)
    if version is None:
        raise CustomersError(_("The customer agreement isn't published yet; ask PartnerHub support."))
    with transaction.atomic():
        Organization.objects.select_for_update().get(pk=customer.pk)
        existing = CustomerAgreementAcceptance.objects.filter(
            customer=customer, version=version, method=CustomerAgreementAcceptance.Method.DIRECT
        ).first()
        if existing is not None:
            return existing
        acceptance = CustomerAgreementAcceptance.objects.create(
            customer=customer,
            version=version,
            method=CustomerAgreementAcceptance.Method.DIRECT,
            user=user,
            first_name=user.first_name or user.email.split("@")[0],
            last_name=user.last_name,
            email=user.email,
            phone=user.phone or "",
            date_agreed=timezone.now().date(),
            document_sha256=version.sha256,
        )
        audit_record(
            code="partnerhub.customer_agreement.accepted", actor=user, organization=customer, target=acceptance
        )
    return acceptance
