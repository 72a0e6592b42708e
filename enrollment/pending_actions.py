"""Dashboard pending actions of enrolment: verify the contact's email, fix a case, associate an ID."""

from django.urls import reverse
from django.utils.translation import gettext as _

from partnerhub.core.pending_actions import PendingAction, register

from .models import ProgramEnrollment, VerificationCase
from .selectors import enrollments_of_request
from .services.suspension import suspension_consequence


@register
def enrollment_actions(request) -> list[PendingAction]:
    organization = request.organization
    actions: list[PendingAction] = []
    legal_info = reverse("enrollment:legal-info")
    every_enrollment = enrollments_of_request(request)
    enrollments = [enrollment for enrollment in every_enrollment if enrollment.closed_at is None]
    if not every_enrollment:
        actions.append(
            PendingAction(
                key="enroll",
                title=_("Enrol in the CSP program"),
                description=_("Choose indirect reseller, indirect provider or direct bill to start selling."),
                url=reverse("enrollment:welcome"),
                link_text=_("Get started"),
            )
        )
    for enrollment in enrollments:
        url = f"{legal_info}?program={enrollment.program}"
        program = enrollment.get_program_display()
        if enrollment.status == ProgramEnrollment.Status.SUSPENDED:
            reason = (
                f"{enrollment.get_suspension_reason_code_display()}: " if enrollment.suspension_reason_code else ""
            ) + enrollment.suspension_reason
            actions.append(
                PendingAction(
                    key=f"suspended_{enrollment.program}",
                    title=_("Your %(program)s program is suspended") % {"program": program},
                    description=str(suspension_consequence(enrollment)) + (f" {reason}" if reason else ""),
                    url=url,
                    link_text=_("See why and what lifts it"),
                    urgent=True,
                )
            )
        if enrollment.status == ProgramEnrollment.Status.EMAIL_PENDING:
            actions.append(
                PendingAction(
                    key=f"verify_email_{enrollment.program}",
                    title=_("Verify the primary contact's email address"),
                    description=_("%(program)s: %(email)s must open the link we emailed before the review starts.")
                    % {"program": program, "email": enrollment.contact_email},
                    url=url,
                    link_text=_("Resend verification email"),
                    urgent=True,
                )
            )
        elif enrollment.recheck_status == VerificationCase.Status.EMAIL_PENDING:
            actions.append(
                PendingAction(
                    key=f"verify_email_{enrollment.program}",
                    title=_("Verify the new primary contact's email address"),
                    description=_(
                        "%(program)s: %(email)s must open the link we emailed so we can check your changed details. "
                        "Your program status doesn't change meanwhile."
                    )
                    % {"program": program, "email": enrollment.contact_email},
                    url=url,
                    link_text=_("Resend verification email"),
                    urgent=True,
                )
            )
        elif enrollment.recheck_status == VerificationCase.Status.ACTION_NEEDED:
            actions.append(
                PendingAction(
                    key=f"fix_case_{enrollment.program}",
                    title=_("Action needed on your changed details"),
                    description=_(
                        "%(program)s: we need a document to confirm your changed details. Answer before the "
                        "deadline to keep your program active."
                    )
                    % {"program": program},
                    url=url,
                    link_text=_("Fix now"),
                    urgent=True,
                )
            )
        elif enrollment.status == ProgramEnrollment.Status.ACTION_NEEDED:
            actions.append(
                PendingAction(
                    key=f"fix_case_{enrollment.program}",
                    title=_("Action needed on your verification"),
                    description=_("%(program)s: we need a document from you to continue.") % {"program": program},
                    url=url,
                    link_text=_("Fix now"),
                    urgent=True,
                )
            )
    qualified = [enrollment for enrollment in enrollments if enrollment.is_authorized]
    if qualified and not organization.partner_ids.filter(csp_associated=True).exists():
        actions.append(
            PendingAction(
                key="associate_partner_id",
                title=_("Associate your partner ID"),
                description=_(
                    "Associate a location partner ID in %(country)s with your CSP account. Until then you can't "
                    "sign the partner agreement or transact."
                )
                % {"country": organization.country.name},
                url=reverse("enrollment:identifiers"),
                link_text=_("Associate partner ID"),
                urgent=True,
            )
        )
    return actions
