"""Billing's pages, one module per area: invoices (issued and received, documents, credit notes), accounts
(what each recipient owes: balances, payments, bank statements, billing profiles, blocks), prices (price lists
and tax rates) and insights (charts with their numbers)."""
