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
        # The sender saved the enrolment Qualified in this transaction (its row is locked by that write).
        enrollment.move_to(ProgramEnrollment.Status.ACTIVE)
        enrollment.save(update_fields=["status"])
