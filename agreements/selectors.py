"""Reads of agreements, including the partner agreement status lookup providers rely on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    DateTimeField,
    Exists,
    Expression,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import BaseExpression
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from enrollment.models import PartnerId, ProgramEnrollment
from partnerhub.accounts.models import Membership, Organization
from partnerhub.core import rls
from partnerhub.core.regions import CspRegion
from partnerhub.core.scoping import scoped

from .models import AgreementAcceptance, AgreementType, AgreementVersion


def current_version(*, type: str = AgreementType.MPA) -> AgreementVersion | None:
    """The agreement text in force: the active version with the latest effective date."""
    return AgreementVersion.objects.filter(type=type, active=True).order_by("-effective_date", "-pk").first()


def version_get(*, pk: int) -> AgreementVersion:
    return get_object_or_404(AgreementVersion, pk=pk, active=True)


def acceptance_latest(*, organization: Organization, region: str | None = None) -> AgreementAcceptance | None:
    """The organization's latest partner-agreement acceptance for its (or the given) CSP region."""
    return (
        AgreementAcceptance.objects.filter(organization=organization, csp_region=region or organization.csp_region)
        .select_related("version", "user")
        .order_by("-accepted_at", "-pk")
        .first()
    )


def acceptance_list(*, organization: Organization) -> QuerySet[AgreementAcceptance]:
    return (
        scoped(AgreementAcceptance.objects, organization=organization)
        .select_related("version")
        .order_by("-accepted_at")
    )


def acceptance_get(*, organization: Organization, pk: int) -> AgreementAcceptance:
    return get_object_or_404(
        scoped(AgreementAcceptance.objects.select_related("version"), organization=organization), pk=pk
    )


def global_admins(*, organization: Organization) -> QuerySet[Membership]:
    return (
        Membership.objects.global_admins()
        .filter(organization=organization)
        .select_related("user")
        .order_by("user__email")
    )


def reacceptance_pending(
    *, organization: Organization, latest: AgreementAcceptance | None = None
) -> AgreementVersion | None:
    """A newer partner agreement that requires re-acceptance, if the organization accepted an older one
    (`latest`: its latest acceptance, when the caller has already read it)."""
    latest = latest if latest is not None else acceptance_latest(organization=organization)
    current = current_version()
    if latest is None or current is None or latest.version_id == current.pk:
        return None
    return current if current.requires_reacceptance else None


def deadline_display(moment: datetime | None) -> str:
    """An acceptance deadline as people read it: the localized date and time, in UTC like every time here."""
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT") + " UTC"


# --- may this organization transact? The one rule, for the lookup, the order path and the reseller choices --

NOT_ACCEPTED = "2203"  # Partner Center's agreementstatus code: no partner agreement accepted for the region
VERSION_OVERDUE = "mpa_version_overdue"  # accepted an earlier version; the deadline of the current one passed


@dataclass(frozen=True)
class AgreementStanding:
    """Where an organization stands with the partner agreement of its CSP region.

    `accepted`: its latest acceptance (None: never accepted). `pending`: the newer version it must still
    accept, with `pending.acceptance_deadline`. `code` is "" while it may transact, NOT_ACCEPTED or
    VERSION_OVERDUE otherwise."""

    organization: Organization
    accepted: AgreementAcceptance | None
    pending: AgreementVersion | None
    code: str

    @property
    def in_force(self) -> bool:
        return self.code == ""

    @property
    def own_reason(self) -> str:
        """reason(own=True), for templates."""
        return self.reason(own=True)

    def reason(self, *, own: bool = False) -> str:
        """Why it can't transact, said about a reseller (the lookup, the order form) or to the organization
        itself (`own`: its own orders). The same text wherever the rule refuses."""
        if self.in_force:
            return ""
        name = self.organization.legal_name
        if self.code == NOT_ACCEPTED:
            if own:
                return _(
                    "Your organization hasn't accepted the partner agreement for its CSP region: a Global admin "
                    "must accept it before you can transact."
                )
            return _("%(name)s hasn't accepted the partner agreement for its CSP region.") % {"name": name}
        values = {
            "name": name,
            "version": self.pending.version,  # type: ignore[union-attr]  # set when the code is VERSION_OVERDUE
            "deadline": deadline_display(self.pending.acceptance_deadline),  # type: ignore[union-attr]  # set when the code is VERSION_OVERDUE
        }
        if own:
            return (
                _(
                    "Your organization hasn't accepted version %(version)s of the partner agreement, required since "
                    "%(deadline)s: new orders are refused until a Global admin accepts it."
                )
                % values
            )
        return (
            _(
                "%(name)s hasn't accepted version %(version)s of the partner agreement, required since "
                "%(deadline)s: it can't be named as reseller until its Global admin accepts it."
            )
            % values
        )


def agreement_standing(*, organization: Organization, now: datetime | None = None) -> AgreementStanding:
    """Has the organization accepted the partner agreement in force for its CSP region?

    Accepted once, it stays in force, except when a newer version requires re-acceptance and its deadline
    has passed without the organization accepting it (AgreementVersion.deadline_passed)."""
    latest = acceptance_latest(organization=organization)
    if latest is None:
        return AgreementStanding(organization, None, None, NOT_ACCEPTED)
    pending = reacceptance_pending(organization=organization, latest=latest)
    overdue = pending is not None and pending.deadline_passed(now)
    return AgreementStanding(organization, latest, pending, VERSION_OVERDUE if overdue else "")


def agreement_in_force_q(*, now: datetime | None = None) -> Q:
    """The same rule as agreement_standing, as a filter on Organization (for lists such as the resellers a
    provider may name): an acceptance for its region, and of the current version once its deadline passed."""
    return _in_force_q(current_version(), now)


def _in_force_q(
    current: AgreementVersion | None, now: datetime | None, accepted: QuerySet[AgreementAcceptance] | None = None
) -> Q:
    """The rule itself, over `accepted` (the organization's acceptances for its region; by default those of
    the Organization the filter runs on)."""
    if accepted is None:
        accepted = AgreementAcceptance.objects.filter(organization=OuterRef("pk"), csp_region=OuterRef("csp_region"))
    condition = Q(Exists(accepted))
    if current is not None and current.deadline_passed(now):
        condition &= Q(Exists(accepted.filter(version=current)))
    return condition


def agreement_standing_annotations(*, organization: str, now: datetime | None = None) -> dict[str, BaseExpression]:
    """agreement_standing for every row of a list, as annotations: one query (the version in force) whatever
    the rows. `organization` is the path from the listed model to the organization ("reseller").

    `agreement_accepted`: it accepted a version for its region (standing.accepted); `agreement_in_force`:
    agreement_in_force_q (standing.in_force); `agreement_pending_version` and `agreement_pending_deadline`:
    the newer version it must still accept and its deadline (standing.pending), else None."""
    current = current_version()
    accepted = AgreementAcceptance.objects.filter(
        organization=OuterRef(organization), csp_region=OuterRef(f"{organization}__csp_region")
    )
    # The rule over this row's own acceptances: no subquery over organizations, so each EXISTS is an index
    # probe on (organization, region) rather than a read of the whole acceptance index.
    in_force = ExpressionWrapper(_in_force_q(current, now, accepted), output_field=BooleanField())
    version: Expression = Value(None, output_field=CharField())
    deadline: Expression = Value(None, output_field=DateTimeField())
    if current is not None and current.requires_reacceptance:
        pending = Q(Exists(accepted)) & ~Q(Exists(accepted.filter(version=current)))
        version = Case(When(pending, then=Value(current.version)), default=version, output_field=CharField())
        deadline = Case(
            When(pending, then=Value(current.acceptance_deadline)), default=deadline, output_field=DateTimeField()
        )
    return {
        "agreement_accepted": Exists(accepted),
        "agreement_in_force": in_force,
        "agreement_pending_version": version,
        "agreement_pending_deadline": deadline,
    }


@dataclass(frozen=True)
class AgreementStatus:
    """The answer of the status lookup; `code` follows Partner Center's agreementstatus errors.

    It names the organization (`organization`, `country`, `region`) only on success: a failure says why in
    a code and a message that name no one, so a partner ID typed at random tells nothing about whose it is.
    For a reseller of the caller's region each fact is reported on its own: the program (`program_code`: ""
    or 800039) and the partner agreement (`agreement_code`: "", 2203 or mpa_version_overdue). `code` and
    `message` are the first that stops the reseller being named; `reasons` lists every one."""

    ok: bool
    code: str
    message: str
    number: int | None = None
    organization: str = ""
    country: str = ""
    region: str = ""
    program_status: str = ""
    program_code: str = ""
    agreement_accepted: bool = False
    agreement_code: str = ""
    agreement_status: str = ""
    region_code: str = ""
    reasons: tuple[tuple[str, str], ...] = ()


def _agreement_status_text(standing: AgreementStanding) -> str:
    if standing.accepted is None:
        return _("Not accepted")
    accepted = _("Accepted (version %(version)s, %(date)s)") % {
        "version": standing.accepted.version.version,
        "date": date_format(standing.accepted.accepted_at, "DATE_FORMAT"),
    }
    if standing.pending is None:
        return accepted
    values = {"version": standing.pending.version, "deadline": deadline_display(standing.pending.acceptance_deadline)}
    if standing.in_force:
        return accepted + " · " + _("version %(version)s due by %(deadline)s") % values
    return accepted + " · " + _("version %(version)s overdue since %(deadline)s") % values


def _agreement_reason(standing: AgreementStanding, number: str) -> str:
    """Why the reseller behind `number` can't be named as to its partner agreement, naming no one."""
    if standing.code == NOT_ACCEPTED:
        return _(
            "Partner ID %(number)s has not accepted the partner agreement for its CSP region. "
            "Ask the reseller to accept it to continue."
        ) % {"number": number}
    return _(
        "Partner ID %(number)s hasn't accepted version %(version)s of the partner agreement, required since "
        "%(deadline)s: it can't be named as reseller until its Global admin accepts it."
    ) % {
        "number": number,
        "version": standing.pending.version,  # type: ignore[union-attr]  # set when the code is VERSION_OVERDUE
        "deadline": deadline_display(standing.pending.acceptance_deadline),  # type: ignore[union-attr]  # set when the code is VERSION_OVERDUE
    }


@rls.elevated("partner-id-registry")  # the partner ID registry is global: answer one narrow question
def agreement_status_lookup(*, number: str, provider_region: str) -> AgreementStatus:
    """May a provider of `provider_region` name this partner ID as reseller? With the reason if not.

    It answers only for the location partner ID of an enrolled indirect reseller of the provider's own CSP
    region, and names that reseller (legal name, country) only when it may be named. Every failure is a code
    and a message naming no one: 2000 malformed, 2200 unknown, 2202 global rather than location, 2204 not an
    indirect reseller's associated location, 2201 another CSP region (nothing more is said about it); then,
    for a reseller of the provider's region, each checked independently of the other: 800039 program not
    authorized, 2203 agreement not accepted, mpa_version_overdue a required new version not accepted by its
    deadline.
    """
    text = str(number).strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 12:  # '²'.isdigit(), but int('²') fails
        return AgreementStatus(False, "2000", _("A partner ID is a number, such as 6100123."))
    partner_id = PartnerId.objects.select_related("organization").filter(number=int(text)).first()
    if partner_id is None:
        return AgreementStatus(
            False, "2200", _("Partner ID %(number)s is either invalid or does not exist.") % {"number": text}
        )
    if partner_id.kind != PartnerId.Kind.LOCATION:
        return AgreementStatus(
            False,
            "2202",
            _(
                "%(number)s is a global partner ID. Ask the reseller for the location partner ID "
                "associated with its CSP account."
            )
            % {"number": text},
        )
    organization = partner_id.organization
    enrollment = (
        ProgramEnrollment.objects.resellers().open().filter(organization=organization).first()
        if partner_id.csp_associated
        else None
    )
    if enrollment is None:
        return AgreementStatus(
            False,
            "2204",
            _(
                "Partner ID %(number)s is not associated with any CSP indirect reseller account. Ask the reseller "
                "to enrol as an indirect reseller and associate this partner ID."
            )
            % {"number": text},
        )
    if provider_region != organization.csp_region:
        return AgreementStatus(
            False,
            "2201",
            _(
                "The CSP region of partner ID %(number)s doesn't match your CSP region, %(ours)s: you can only "
                "name resellers of your own CSP region."
            )
            % {"number": text, "ours": CspRegion(provider_region).label},
            region_code="2201",
        )
    reasons: list[tuple[str, str]] = []
    # The program: its status is reported whatever the agreement says, and the other way round.
    program_code = ""
    if not enrollment.is_authorized:
        program_code = "800039"
        reasons.append(
            (
                program_code,
                _("The reseller's program status isn't active (%(status)s).")
                % {"status": enrollment.get_status_display()},
            )
        )
    # The partner agreement: the one rule every transaction path applies.
    standing = agreement_standing(organization=organization)
    if standing.code:
        reasons.append((standing.code, _agreement_reason(standing, text)))
    facts: dict[str, Any] = {
        "number": partner_id.number,
        "program_status": enrollment.get_status_display(),
        "program_code": program_code,
        "agreement_accepted": standing.accepted is not None,
        "agreement_code": standing.code,
        "agreement_status": _agreement_status_text(standing),
        "reasons": tuple(reasons),
    }
    if reasons:
        code, message = reasons[0]
        return AgreementStatus(False, code, message, **facts)
    return AgreementStatus(
        True,
        "",
        _("Partner ID %(number)s may be used: the agreement is accepted.") % {"number": text},
        organization=organization.legal_name,
        country=str(organization.country.name),  # type: ignore[attr-defined]
        region=str(CspRegion(organization.csp_region).label),
        **facts,
    )
