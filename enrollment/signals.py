"""Signals for the apps above enrollment (relationships, customers), which must not be imported here."""

from django.dispatch import Signal

# Sent inside the transaction that authorizes an enrolment: kwargs enrollment.
enrollment_authorized = Signal()

# Sent inside the transaction that reinstates a suspended enrolment as Qualified with a partner ID
# associated: the agreements app makes it Active if the partner agreement is accepted. kwargs enrollment.
enrollment_reinstated = Signal()

# Asked when a direct-bill → indirect-reseller move may complete: each receiver (the transfers app) answers
# how many of the partner's customers still have to move. kwargs enrollment (the direct-bill enrolment).
transition_customers_waiting = Signal()
