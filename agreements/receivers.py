"""Reactions to enrolment events."""

from django.dispatch import receiver

from enrollment.models import ProgramEnrollment
from enrollment.signals import enrollment_authorized, enrollment_reinstated

from . import selectors


@receiver(enrollment_authorized, dispatch_uid="agreements.activate_if_accepted")
@receiver(enrollment_reinstated, dispatch_uid="agreements.activate_reinstated_if_accepted")
def activate_if_already_accepted(sender, enrollment, **kwargs) -> None:
    """A program verified (or reinstated) after the agreement was accepted for the region is Active at once."""
    if selectors.acceptance_latest(organization=enrollment.organization) is not None:
        ProgramEnrollment.objects.filter(pk=enrollment.pk, status=ProgramEnrollment.Status.QUALIFIED).update(
            status=ProgramEnrollment.Status.ACTIVE
        )
        enrollment.status = ProgramEnrollment.Status.ACTIVE
