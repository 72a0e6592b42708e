"""Demo enrolments for seed_demo: one in each state of the verification workflow."""

from __future__ import annotations

from datetime import date, timedelta

from allauth.account.models import EmailAddress
from django.utils import timezone

from agreements.models import AgreementType, AgreementVersion
from agreements.selectors import current_version
from agreements.services import agreement_sign, agreement_version_create
from demo.pdf import CUSTOMER_AGREEMENT, PARTNER_AGREEMENT, text_pdf
from demo.world import OPERATOR_EMAIL, QUEUE_ORGANIZATIONS
from enrollment import services
from enrollment.models import Program, ProgramEnrollment
from partnerhub.accounts.models import Organization, User
from partnerhub.accounts.services import organization_create
from relationships.models import PartnerRelationship, ProviderListing
from relationships.services import partnership_accept, partnership_invitation_create, provider_listing_publish


def _data(organization: Organization, first: str, last: str, phone: str) -> dict:
    domain = organization.primary_domain
    return {
        "legal_name": organization.legal_name,
        "address_line1": organization.address_line1,
        "address_line2": "",
        "city": organization.city,
        "state": organization.state,
        "postal_code": organization.postal_code,
        "registration_number": "",
        "contact_first_name": first,
        "contact_last_name": last,
        "contact_email": f"{first.lower()}.{last.lower()}@{domain}",
        "contact_phone": phone,
        "support_email": f"help@{domain}",
        "support_phone": phone,
        "support_website": f"https://{domain}/support",
    }


def enrol(organization: Organization, program: str, first: str, last: str, phone: str):
    actor = organization.memberships.first().user
    enrollment = services.enrollment_submit(
        organization=organization, actor=actor, program=program, data=_data(organization, first, last, phone)
    )
    return enrollment, enrollment.cases.get()


def authorize_and_associate(organization: Organization, case, operator: User) -> None:
    services.contact_email_verify(case_pk=case.pk)
    for _ in range(3):
        case = services.case_approve_step(case=case, reviewer=operator)
    actor = organization.memberships.first().user
    location = services.partner_id_add_location(
        organization=organization,
        actor=actor,
        business_name=organization.legal_name,
        country=organization.country.code,
        address_line1=organization.address_line1,
        city=organization.city,
        state=organization.state,
        postal_code=organization.postal_code,
        contact_name=actor.get_full_name(),
        contact_email=actor.email,
    )
    services.partner_id_associate(organization=organization, actor=actor, partner_id_pk=location.pk)


def seed_agreements() -> None:
    """An MPA and an MCA version with real PDF documents."""
    for type_, version, title, text in (
        (AgreementType.MPA, "2026-01", "Partner Agreement (version 2026-01)", PARTNER_AGREEMENT),
        (AgreementType.MCA, "2026-01", "Customer Agreement (version 2026-01)", CUSTOMER_AGREEMENT),
    ):
        if not AgreementVersion.objects.filter(type=type_, version=version).exists():
            agreement_version_create(
                type=type_,
                version=version,
                language="en",
                effective_date=date(2026, 1, 1),
                content=text_pdf(title, text),
            )


def sign(organization: Organization) -> None:
    actor = organization.memberships.first().user
    agreement_sign(
        organization=organization, user=actor, version=current_version(), first_name=actor.first_name,
        last_name=actor.last_name, email=actor.email, accepted=True, user_agent="PartnerHub demo seed",
    )  # fmt: skip


def seed_enrollments(password: str) -> None:
    operator = User.objects.get(email=OPERATOR_EMAIL)
    by_domain = {org.primary_domain: org for org in Organization.objects.all()}

    provider = by_domain["contoso-distribution.example"]
    if not ProgramEnrollment.objects.filter(organization=provider).exists():
        _, case = enrol(provider, Program.INDIRECT_PROVIDER, "Megan", "Bowen", "+14255550100")
        authorize_and_associate(provider, case, operator)
        sign(provider)
        provider_listing_publish(listing=ProviderListing.objects.get(organization=provider), actor=operator)

    reseller = by_domain["fabrikam-solutions.example"]
    if not ProgramEnrollment.objects.filter(organization=reseller).exists():
        _, case = enrol(reseller, Program.INDIRECT_RESELLER, "Alex", "Wilber", "+12065550100")
        authorize_and_associate(reseller, case, operator)
        sign(reseller)

    if not PartnerRelationship.objects.filter(provider=provider, reseller=reseller).exists():
        provider_admin = provider.memberships.first().user
        invitation, _token = partnership_invitation_create(provider=provider, actor=provider_admin)
        partnership_accept(invitation=invitation, reseller=reseller, user=reseller.memberships.first().user)

    fixing = by_domain["northwind-it.example"]
    if not ProgramEnrollment.objects.filter(organization=fixing).exists():
        _, case = enrol(fixing, Program.INDIRECT_RESELLER, "Lee", "Gu", "+15125550100")
        services.contact_email_verify(case_pk=case.pk)
        case = services.case_approve_step(case=case, reviewer=operator)
        services.case_reject_step(
            case=case,
            reviewer=operator,
            reason_code="BUS-02",
            reason_text="The address differs from the Texas registration record: please upload it.",
        )

    for state, name, country, city, postal, domain, first, last in QUEUE_ORGANIZATIONS:
        email = f"{first.lower()}.{last.lower()}@{domain}"
        user = User.objects.filter(email=email).first() or User.objects.create_user(
            email, password, first_name=first, last_name=last
        )
        EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
        organization = Organization.objects.filter(primary_domain=domain).first() or organization_create(
            user=user,
            legal_name=name,
            country=country,
            address_line1="1 High Street",
            city=city,
            postal_code=postal,
            primary_domain=domain,
        )
        if ProgramEnrollment.objects.filter(organization=organization).exists():
            continue
        phone = {"GB": "+442079460000", "FR": "+33140000000", "DE": "+4930000000"}[country]
        _, case = enrol(organization, Program.INDIRECT_RESELLER, first, last, phone)
        if state in ("in_review", "overdue"):
            services.contact_email_verify(case_pk=case.pk)
        if state == "overdue":  # verified long ago: its decision date has passed
            case.refresh_from_db()
            past = timezone.now() - timedelta(days=9)
            type(case).objects.filter(pk=case.pk).update(
                submitted_at=past, email_verified_at=past, email_passed_at=past, sla_due_at=past + timedelta(days=7)
            )
