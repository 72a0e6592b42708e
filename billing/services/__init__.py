"""Billing's services: rating (events → charge lines), runs (periods → invoices, credit notes, numbering) and
payments (payments, balances, overdue reminders, blocks, the credit limit)."""
