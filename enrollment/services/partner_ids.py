"""Partner IDs: the global ID of every organization, location IDs, and the CSP association."""

from __future__ import annotations

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from partnerhub.accounts.models import Organization, User
from partnerhub.core.audit import audit_record

from ..models import EnrollmentError, PartnerId

SEQUENCE = "enrollment_partner_id_number_seq"


def _next_number() -> int:
    """The next partner ID number: a sequence never hands out the same value twice."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s)", [SEQUENCE])
        return int(cursor.fetchone()[0])


def partner_id_issue_global(*, organization: Organization) -> PartnerId:
    """Issue the organization's global (headquarters) partner ID; a no-op when it has one."""
    existing = PartnerId.objects.filter(organization=organization, kind=PartnerId.Kind.GLOBAL).first()
    if existing is not None:
        return existing
    partner_id = PartnerId.objects.create(
        organization=organization,
        kind=PartnerId.Kind.GLOBAL,
        number=_next_number(),
        business_name=organization.legal_name,
        country=organization.country,
        address_line1=organization.address_line1,
        address_line2=organization.address_line2,
        city=organization.city,
        state=organization.state,
        postal_code=organization.postal_code,
    )
    audit_record(
        code="partnerhub.partner_id.issued", organization=organization, target=partner_id, data={"kind": "global"}
    )
    return partner_id


def partner_id_add_location(
    *,
    organization: Organization,
    actor: User | None,
    business_name: str,
    country: str,
    address_line1: str,
    address_line2: str = "",
    city: str,
    state: str = "",
    postal_code: str,
    contact_name: str,
    contact_email: str,
    contact_phone: str = "",
) -> PartnerId:
    """ "Add location": a new business location and its location partner ID."""
    with transaction.atomic():
        partner_id = PartnerId.objects.create(
            organization=organization,
            kind=PartnerId.Kind.LOCATION,
            number=_next_number(),
            business_name=business_name.strip(),
            country=country,
            address_line1=address_line1.strip(),
            address_line2=address_line2.strip(),
            city=city.strip(),
            state=state.strip(),
            postal_code=postal_code.strip(),
            contact_name=contact_name.strip(),
            contact_email=contact_email.strip().lower(),
            contact_phone=contact_phone or "",
        )
        audit_record(
            code="partnerhub.partner_id.location_added",
            actor=actor,
            organization=organization,
            target=partner_id,
            data={"number": partner_id.number, "country": str(country)},
        )
    return partner_id


def partner_id_associate(*, organization: Organization, actor: User | None, partner_id_pk: int) -> PartnerId:
    """Associate a location partner ID of the organization's own country with its CSP account.

    A global ID is never associated, nor a location in another country (incentives are paid per
    country): the same country, not just the same CSP region.
    """
    with transaction.atomic():
        Organization.objects.select_for_update().get(pk=organization.pk)
        chosen = PartnerId.objects.filter(organization=organization, pk=partner_id_pk).first()
        if chosen is None:
            raise EnrollmentError(_("Choose one of your own location partner IDs."), field="partner_id")
        if chosen.kind != PartnerId.Kind.LOCATION:
            raise EnrollmentError(
                _("A global partner ID can't be associated with a CSP account; choose a location partner ID."),
                field="partner_id",
            )
        if chosen.country != organization.country:
            raise EnrollmentError(
                _(
                    "Partner ID %(number)s is in %(theirs)s, but your CSP account is in %(ours)s. They must be in "
                    "the same country/region: add a location in %(ours)s."
                )
                % {"number": chosen.number, "theirs": chosen.country.name, "ours": organization.country.name},  # type: ignore[attr-defined]
                field="partner_id",
            )
        if chosen.csp_associated:
            return chosen
        previous = PartnerId.objects.filter(organization=organization, csp_associated=True).first()
        if previous is not None:
            previous.csp_associated = False
            previous.save(update_fields=["csp_associated"])
        chosen.csp_associated = True
        chosen.associated_at = timezone.now()
        chosen.save(update_fields=["csp_associated", "associated_at"])
        audit_record(
            code="partnerhub.partner_id.associated",
            actor=actor,
            organization=organization,
            target=chosen,
            data={"number": chosen.number, "previous": previous.number if previous else None},
        )
    return chosen
