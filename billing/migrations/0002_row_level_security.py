# ruff: noqa: S608 - policy conditions built from the helper's constants
"""Row-level security of billing, and the immutability of what was issued.

Each party of a pair reads its rows: the issuer and the recipient see their billing profile, invoices, charge
lines and payments, so a reseller never sees its provider's cost (the vendor's lines to the provider name
neither it) nor another reseller's prices. Price lists and tax rates are the issuer's alone. Only the
platform writes charges, invoices, payments and numbers (billing's services elevate, after checking the
acting organization); an issuer edits its own profiles, price rules and tax rates.

Issued invoices and credit notes never change what they bill and are never deleted (CGI art. 242 nonies A):
a trigger refuses it, whoever asks; an invoiced charge line likewise. Only an invoice's payment standing and
reminders move."""

from django.db import migrations

from partnerhub.core.rls_migrations import A, PLATFORM, PlatformOnly, TenantPolicies

PARTIES = f"{A} IN (issuer_id, recipient_id)"
ISSUER = f"issuer_id = {A}"

IMMUTABLE_COLUMNS = (
    "issuer_id", "recipient_id", "kind", "number", "year", "sequence", "currency", "period_start", "period_end",
    "issued_at", "due_on", "subtotal", "tax", "total", "tax_rate", "tax_wording", "reverse_charge", "issuer_name",
    "issuer_address", "recipient_name", "recipient_address", "credits_id", "reason",
)  # fmt: skip
_CHANGED = " OR ".join(f"NEW.{column} IS DISTINCT FROM OLD.{column}" for column in IMMUTABLE_COLUMNS)

IMMUTABLE_SQL = f"""
CREATE OR REPLACE FUNCTION billing_invoice_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'invoice % is issued: it is never deleted (issue a credit note)', OLD.number
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF {_CHANGED} THEN
        RAISE EXCEPTION 'invoice % is issued: what it bills never changes (issue a credit note)', OLD.number
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER billing_invoice_immutable BEFORE UPDATE OR DELETE ON billing_invoice
    FOR EACH ROW EXECUTE FUNCTION billing_invoice_immutable();

CREATE OR REPLACE FUNCTION billing_chargeline_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.invoice_id IS NOT NULL THEN
        RAISE EXCEPTION 'charge line % is on an issued invoice: it never changes', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE TRIGGER billing_chargeline_immutable BEFORE UPDATE OR DELETE ON billing_chargeline
    FOR EACH ROW EXECUTE FUNCTION billing_chargeline_immutable();
"""

IMMUTABLE_REVERSE_SQL = """
DROP TRIGGER IF EXISTS billing_invoice_immutable ON billing_invoice;
DROP FUNCTION IF EXISTS billing_invoice_immutable();
DROP TRIGGER IF EXISTS billing_chargeline_immutable ON billing_chargeline;
DROP FUNCTION IF EXISTS billing_chargeline_immutable();
"""


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial"), ("core", "0004_per_command_policies")]

    operations = [
        TenantPolicies("billing_billingprofile", read=PARTIES, write=ISSUER),
        TenantPolicies("billing_taxrate", read=ISSUER, write=ISSUER),
        TenantPolicies("billing_pricerule", read=ISSUER, write=ISSUER),
        TenantPolicies("billing_invoice", read=PARTIES, write=PLATFORM),
        PlatformOnly("billing_invoicesequence"),
        TenantPolicies("billing_chargeline", read=PARTIES, write=PLATFORM),
        PlatformOnly("billing_cycleschedule"),
        TenantPolicies("billing_payment", read=PARTIES, write=PLATFORM),
        migrations.RunSQL(IMMUTABLE_SQL, IMMUTABLE_REVERSE_SQL),
    ]
