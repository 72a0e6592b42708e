"""Signals the customers app sends for apps above it (it imports none of them)."""

from django.dispatch import Signal

# Sent in order_create_locked before anything is written, in the order's transaction, with `partner`,
# `customer`, `lines` (LineInput) and `prices` ({offer pk: the list price per licence per month}). A receiver
# refuses the order by raising CustomersError (billing: the credit limit and blocked orders).
order_checking = Signal()
