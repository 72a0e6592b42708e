"""Signals for the apps above accounts, which must not be imported from here."""

from django.dispatch import Signal

# Sent inside organization_create's transaction: kwargs organization, user.
organization_created = Signal()
