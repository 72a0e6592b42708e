"""Signals for the apps above enrollment (relationships, customers), which must not be imported here."""

from django.dispatch import Signal

# Sent inside the transaction that authorizes an enrolment: kwargs enrollment.
enrollment_authorized = Signal()
