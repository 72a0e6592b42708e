"""Accounts receivable: overdue reminders on the due date, +7 and +14 days, once each however often the sweep
runs; automatic blocks past the threshold, lifted by the payment that clears them; bank statement import
(matched, duplicate, unknown invoice, wrong currency, malformed file); a bank reference recorded twice at
once is one payment; another tenant's account is a 404."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import close_old_connections
from django.urls import reverse

from billing.models import BillingProfile, Invoice, Payment
from billing.services import credit, payments
from partnerhub.core.errors import ApplicationError
from partnerhub.core.models import OutboundEmail
from tests.threads import platform_thread

from .ar_helpers import at, invoiced, profile_of

pytestmark = pytest.mark.django_db


def _reminders() -> int:  # to the reseller's admins (the vendor reminds the provider too)
    return OutboundEmail.objects.filter(template="invoice_overdue", subject__contains="Contoso").count()


def test_money_is_written_with_its_symbol_and_minor_unit():
    assert credit.money_format(Decimal("1234.56"), "EUR") == "€1,234.56"
    assert credit.money_format(Decimal("1234.5"), "JPY") == "¥1,235"
    assert credit.money_format(Decimal("12"), "SEK") == "12.00 SEK"


def test_reminders_go_on_the_due_date_then_plus_7_and_plus_14_once_each(seller, make_customer, offers):
    invoice = invoiced(seller, make_customer, offers)
    assert invoice.due_on == date(2026, 5, 1)
    admins = credit.billing_admins(invoice.recipient).count()
    assert admins >= 1
    expected = {(2026, 4, 30): 0, (2026, 5, 1): 1, (2026, 5, 7): 0, (2026, 5, 8): 1, (2026, 5, 14): 0,
                (2026, 5, 15): 1, (2026, 6, 30): 0}  # fmt: skip
    count = 0
    for day, sent in expected.items():
        with at(*day):
            credit.sweep_overdue()
            credit.sweep_overdue()  # the same day again: nothing more
        invoice.refresh_from_db()
        count += sent
        assert invoice.reminders_sent == count, day
    invoice.refresh_from_db()
    assert (invoice.reminders_sent, invoice.next_reminder_on) == (3, None)
    assert _reminders() == 3 * admins
    email = OutboundEmail.objects.filter(template="invoice_overdue", subject__contains="Contoso").order_by("pk").last()
    assert invoice.number in email.subject
    assert "14 days overdue" in email.subject


def test_a_sweep_that_runs_late_sends_one_reminder_not_the_missed_ones(seller, make_customer, offers):
    invoice = invoiced(seller, make_customer, offers)
    with at(2026, 5, 10):
        credit.sweep_overdue()
    invoice.refresh_from_db()
    assert invoice.reminders_sent == 1
    assert invoice.next_reminder_on == date(2026, 5, 15)


def test_a_paid_invoice_gets_no_reminder(seller, make_customer, offers):
    invoice = invoiced(seller, make_customer, offers)
    with at(2026, 4, 20):
        payments.payment_record(invoice=invoice, amount=invoice.total, received_on=date(2026, 4, 20), reference="B1")
    with at(2026, 5, 1):
        credit.sweep_overdue()
    invoice.refresh_from_db()
    assert invoice.reminders_sent == 0
    assert _reminders() == 0


def test_orders_are_blocked_automatically_past_the_threshold_and_the_payment_lifts_it(seller, make_customer, offers):
    provider, user, reseller, _ = seller
    invoice = invoiced(seller, make_customer, offers)
    credit.profile_update(profile=profile_of(seller), actor=user, auto_block_after_days=10)
    with at(2026, 5, 10):
        credit.sweep_overdue()
    assert not profile_of(seller).is_blocked  # 9 days overdue
    with at(2026, 5, 11):
        credit.sweep_overdue()
    profile = profile_of(seller)
    assert profile.is_blocked
    assert profile.blocked_automatically
    assert profile.block_reason == f"Invoice {invoice.number} is 10 days overdue."
    assert OutboundEmail.objects.filter(template="billing_orders_blocked", subject__contains="blocked new").exists()
    with at(2026, 5, 12):
        payments.payment_record(
            invoice=invoice, amount=invoice.total - 1, received_on=date(2026, 5, 12), reference="P1"
        )
        assert profile_of(seller).is_blocked  # not cleared yet
        payments.payment_record(invoice=invoice, amount=Decimal(1), received_on=date(2026, 5, 12), reference="P2")
    profile = profile_of(seller)
    assert not profile.is_blocked
    assert profile.block_reason == ""
    assert OutboundEmail.objects.filter(template="billing_orders_blocked", subject__contains="unblocked").exists()


def test_a_block_by_hand_stays_after_payment_until_unblocked(seller, make_customer, offers):
    _provider, user, _reseller, _ = seller
    invoice = invoiced(seller, make_customer, offers)
    with pytest.raises(ApplicationError) as refused:
        credit.orders_block(profile=profile_of(seller), reason="  ", actor=user)
    assert refused.value.field == "reason"
    credit.orders_block(profile=profile_of(seller), reason="Call us about March", actor=user)
    with at(2026, 5, 12):
        payments.payment_record(invoice=invoice, amount=invoice.total, received_on=date(2026, 5, 12))
    assert profile_of(seller).block_reason == "Call us about March"
    credit.orders_unblock(profile=profile_of(seller), actor=user)
    assert not profile_of(seller).is_blocked


def test_the_currency_is_fixed_once_invoiced_and_terms_are_checked(seller, make_customer, offers):
    _provider, user, _reseller, _ = seller
    invoice = invoiced(seller, make_customer, offers)
    other = "USD" if invoice.currency != "USD" else "EUR"
    with pytest.raises(ApplicationError) as refused:
        credit.profile_update(profile=profile_of(seller), actor=user, currency=other)
    assert refused.value.field == "currency"
    with pytest.raises(ApplicationError):
        credit.profile_update(profile=profile_of(seller), actor=user, billing_day=29)
    profile = credit.profile_update(profile=profile_of(seller), actor=user, credit_limit=Decimal("500"),
                                    payment_terms_days=45)  # fmt: skip
    assert (profile.credit_limit, profile.payment_terms_days, profile.currency) == (500, 45, invoice.currency)


# --- bank statements --------------------------------------------------------------------------------------------


def _statement(*rows: str, header: str = "date,amount,currency,reference,description") -> str:
    return "\n".join([header, *rows]) + "\n"


def test_a_bank_statement_records_matched_rows_and_says_why_others_are_skipped(seller, make_customer, offers):
    provider, user, _reseller, _ = seller
    invoice = invoiced(seller, make_customer, offers)
    other = "USD" if invoice.currency != "USD" else "EUR"
    text = _statement(
        f"2026-04-20,{invoice.total},{invoice.currency},BNK-1,Payment invoice {invoice.number} thanks",
        f"2026-04-21,10.00,{invoice.currency},BNK-2,Invoice 2026-09999",
        f"2026-04-21,10.00,{other},BNK-3,{invoice.number}",
        f"2026-04-21,ten,{invoice.currency},BNK-4,{invoice.number}",
        f"21/04/2026,10.00,{invoice.currency},BNK-5,{invoice.number}",
        f"2026-04-21,10.00,{invoice.currency},BNK-6,no number here",
    )
    with at(2026, 4, 22):
        report = payments.bank_statement_import(issuer=provider, content=text.encode(), actor=user)
    outcomes = [(row.reference, row.outcome, row.reason) for row in report.rows]
    assert outcomes[0] == ("BNK-1", "recorded", "")
    assert outcomes[1] == ("BNK-2", "skipped", "No invoice of yours has this number.")
    assert outcomes[2][2] == f"The currency ({other}) differs from the invoice's ({invoice.currency})."
    assert outcomes[3][2] == "The amount isn't a positive number."
    assert outcomes[4][2] == "The date isn't a date (YYYY-MM-DD)."
    assert outcomes[5][2] == "No invoice number found in the row."
    invoice.refresh_from_db()
    assert invoice.status == "paid"
    payment = Payment.objects.get()
    assert (payment.reference, payment.method, payment.amount) == ("BNK-1", "bank_import", invoice.total)

    with at(2026, 4, 23):  # the same statement again records nothing new
        again = payments.bank_statement_import(issuer=provider, content=text, actor=user)
    assert again.recorded == 0
    assert again.rows[0].reason == "Already recorded (this bank reference was imported before)."
    assert Payment.objects.count() == 1


def test_another_issuers_invoice_number_is_not_yours(seller, make_customer, offers):
    _provider, user, reseller, _ = seller
    invoice = invoiced(seller, make_customer, offers)
    with at(2026, 4, 22):
        report = payments.bank_statement_import(
            issuer=reseller, content=_statement(f"2026-04-20,1.00,{invoice.currency},X1,{invoice.number}"), actor=user
        )
    assert report.rows[0].reason == "No invoice of yours has this number."
    assert not Payment.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The statement is empty."),
        (b"\xff\xfe\x00garbage", "The statement isn't a UTF-8 CSV file."),
        (b"date,amount,reference\n2026-04-01,1,R\n", "missing: currency"),
        (b"date,amount,currency,reference,invoice\n", "The statement has a header but no rows."),
        (b"date,amount,currency,reference,invoice\n2026-04-01,1,EUR,R,2026-00001,extra\n", "more values"),
    ],
)
def test_a_malformed_statement_is_refused_whole(seller, make_customer, offers, content, message):
    provider, user, _reseller, _ = seller
    invoice = invoiced(seller, make_customer, offers)
    good = f"2026-04-20,1.00,{invoice.currency},OK-1,{invoice.number}\n".encode()
    with at(2026, 4, 22), pytest.raises(ApplicationError) as refused:
        payments.bank_statement_import(issuer=provider, content=content + (good if b"extra" in content else b""),
                                       actor=user)  # fmt: skip
    assert message in refused.value.message
    assert not Payment.objects.exists()


# --- the race ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_same_bank_reference_recorded_twice_at_once_is_one_payment(seller, make_customer, offers):
    invoice = invoiced(seller, make_customer, offers)
    barrier, results, errors = threading.Barrier(2), [], []

    def record():
        try:
            barrier.wait()
            results.append(payments.payment_record(invoice=invoice, amount=invoice.total,
                                                   received_on=date(2026, 4, 20), reference="SEPA-42")[1])  # fmt: skip
        except Exception as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)
        finally:
            close_old_connections()

    with at(2026, 4, 22):
        threads = [platform_thread(record) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    assert sorted(results) == [False, True]
    assert Payment.objects.filter(reference="SEPA-42").count() == 1
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_amount) == ("paid", invoice.total)


# --- pages ------------------------------------------------------------------------------------------------------


def test_another_issuers_account_is_a_404_and_the_list_shows_only_yours(seller, make_customer, offers, client):
    provider, user, reseller, reseller_user = seller
    invoiced(seller, make_customer, offers)
    profile = profile_of(seller)
    vendor_profile = BillingProfile.objects.get(issuer=None, recipient=provider)
    client.force_login(user)
    assert client.get(reverse("billing:account-detail", args=[profile.pk])).status_code == 200
    assert client.get(reverse("billing:account-detail", args=[vendor_profile.pk])).status_code == 404
    page = client.get(reverse("billing:accounts")).content.decode()
    assert reseller.legal_name in page
    client.force_login(reseller_user)
    assert client.get(reverse("billing:account-detail", args=[profile.pk])).status_code == 404
    assert client.post(reverse("billing:account-block", args=[profile.pk]), {"reason": "x"}).status_code == 404
    standing = client.get(reverse("billing:standing")).content.decode()
    assert provider.legal_name in standing
    assert not Invoice.objects.filter(recipient=reseller, status="paid").exists()


def test_the_receivables_list_has_a_fixed_query_count(seller, make_customer, offers, client,
                                                      django_assert_max_num_queries):  # fmt: skip
    provider, user, _reseller, _ = seller
    invoiced(seller, make_customer, offers)
    client.force_login(user)
    client.get(reverse("billing:accounts"))
    with django_assert_max_num_queries(25):
        assert client.get(reverse("billing:accounts")).status_code == 200
