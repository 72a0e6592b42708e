"""Pending actions: sign the partner agreement, or accept its new version."""

from django.urls import reverse
from django.utils.translation import gettext as _

from enrollment.selectors import enrollments_of_request
from partnerhub.core.pending_actions import PendingAction, register

from . import selectors


@register
def agreement_actions(request) -> list[PendingAction]:
    organization = request.organization
    verified = [enrollment for enrollment in enrollments_of_request(request) if enrollment.is_authorized]
    if not verified:
        return []
    latest = selectors.acceptance_latest(organization=organization)
    reacceptance = selectors.reacceptance_pending(organization=organization, latest=latest) if latest else None
    if reacceptance is not None:
        values = {"version": reacceptance.version}
        if reacceptance.deadline_passed():
            values["deadline"] = selectors.deadline_display(reacceptance.acceptance_deadline)
            description = (
                _(
                    "Version %(version)s of the partner agreement had to be accepted by %(deadline)s: new orders "
                    "are refused until a Global admin accepts it."
                )
                % values
            )
        elif reacceptance.acceptance_deadline:
            values["deadline"] = selectors.deadline_display(reacceptance.acceptance_deadline)
            description = (
                _(
                    "Version %(version)s of the partner agreement requires your acceptance by %(deadline)s; after "
                    "that, new orders are refused until it is accepted."
                )
                % values
            )
        else:
            description = _("Version %(version)s of the partner agreement requires your acceptance.") % values
        return [
            PendingAction(
                key="reaccept_mpa",
                title=_("Accept the new partner agreement"),
                description=description,
                url=reverse("agreements:list"),
                link_text=_("Review and accept"),
                urgent=True,
            )
        ]
    if latest is None:
        return [
            PendingAction(
                key="sign_mpa",
                title=_("Sign the partner agreement"),
                description=_("A Global admin must accept the partner agreement to complete the CSP enrolment."),
                url=reverse("agreements:list"),
                link_text=_("Go to agreements"),
                urgent=True,
            )
        ]
    return []
