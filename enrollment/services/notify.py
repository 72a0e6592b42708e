"""Status emails to the primary contact, and the matching in-app notifications."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise

from partnerhub.accounts.models import Membership
from partnerhub.core.notifications import notification_create
from partnerhub.core.outbox import outbound_email_queue

from ..models import ProgramEnrollment


def enrollment_language(enrollment: ProgramEnrollment) -> str:
    """Emails about an enrolment speak the enrolling user's language."""
    user = enrollment.enrolled_by
    return (user.language if user and user.language else None) or settings.LANGUAGE_CODE


def legal_info_url(enrollment: ProgramEnrollment) -> str:
    return str(settings.SITE_URL) + reverse("enrollment:legal-info") + f"?program={enrollment.program}"


def notify_contact(
    enrollment: ProgramEnrollment,
    *,
    subject: str | Promise,
    paragraphs: Sequence[str | Promise],
    action_url: str = "",
    action_label: str | Promise = "",
    template: str = "enrollment_status",
) -> None:
    """Email the primary contact (through the outbox) and tell the Global admins under the bell.

    `subject` and `paragraphs` are lazy translations, rendered in the enrolment's language.
    """
    language = enrollment_language(enrollment)
    with translation.override(language):
        context = {
            "subject": str(subject),
            "contact_name": enrollment.contact_first_name,
            "organization": enrollment.organization.legal_name,
            "program": enrollment.get_program_display(),
            "paragraphs": [str(paragraph) for paragraph in paragraphs],
            "action_url": action_url,
            "action_label": str(action_label),
        }
        outbound_email_queue(
            to=enrollment.contact_email,
            template=template,
            context=context,
            organization=enrollment.organization,
            language=language,
        )
        admins = Membership.objects.global_admins().filter(organization=enrollment.organization).select_related("user")
        for membership in admins:
            notification_create(
                user=membership.user,
                organization=enrollment.organization,
                title=f"{context['program']}: {context['subject']}",
                body=context["paragraphs"][0] if context["paragraphs"] else "",
                url=reverse("enrollment:legal-info") + f"?program={enrollment.program}",
            )
