"""Reactions to enrolment events."""

from django.dispatch import receiver

from enrollment.signals import enrollment_authorized, enrollment_reinstated

from . import selectors, services


@receiver(enrollment_authorized, dispatch_uid="agreements.activate_if_accepted")
@receiver(enrollment_reinstated, dispatch_uid="agreements.activate_reinstated_if_accepted")
def activate_if_already_accepted(sender, enrollment, **kwargs) -> None:
    """A program verified (or reinstated) after the agreement was accepted for the region is Active at once."""
    acceptance = selectors.acceptance_latest(organization=enrollment.organization)
    if acceptance is not None:
        # The sender saved the enrolment Qualified in this transaction (its row is locked by that write); the
        # activation is the platform's consequence of that decision, so its audit row names no actor.
        services.enrollment_activate(enrollment, acceptance=acceptance, actor=None)
