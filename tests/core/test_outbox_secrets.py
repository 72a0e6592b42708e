"""No live secret at rest in the outbox (issue 15).

Every kind of email the app sends is triggered the way the app triggers it, delivered through the real SMTP
path to a local server, and then each token of each link *as delivered* is looked for in the outbox table as
PostgreSQL holds it (raw SQL, every column of every row) and in the admin's outbox pages as staff see them,
before the send (queued, sealed) and after it (sent, redacted). The delivered links still work: a reset link
followed signed out resets the password.

The kinds are enumerated from disk: every `templates/emails/<kind>_subject.txt`, and every allauth account
email whose text carries a link of its own. A new template that this test does not trigger fails it.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta
from email.message import Message
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qsl, unquote, urlsplit

import allauth
import pytest
from allauth.account import app_settings as allauth_settings
from allauth.account.models import EmailAddress
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from access import services as access_services
from agreements import services as agreement_services
from customers import services as customer_services
from customers.services import exports as export_services
from enrollment import services as enrollment_services
from enrollment.models import VerificationCase
from partnerhub.core import outbox_sealing
from partnerhub.core.models import OutboundEmail
from partnerhub.core.outbox import outbound_email_queue_rendered, outbound_email_send
from partnerhub.core.tasks import send_outbound_email_batch_task, send_outbound_email_task
from relationships import services as relationship_services
from tests.conftest import PASSWORD
from tests.factories import UserFactory
from tests.security.world import build_world

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://[^\s<>\"']+")
# The allauth emails whose text is built around a link (a key, or a page of the site): the ones with a
# secret, and the two that link to the sign-up and reset pages.
ALLAUTH_LINK_VARIABLES = re.compile(r"\{\{\s*(activate_url|password_reset_url|signup_url)\s*\}\}")
# The emails whose links carry a secret: each must show at least one token below, or the test checks nothing.
TOKEN_KINDS = {
    "password_reset_key",
    "email_confirmation_signup",
    "email_confirmation",
    "user_invitation",
    "partnership_invitation",
    "customer_invitation",
    "recovery_email_confirm",
    "enrollment_status",  # the contact-verification link
}


def _kinds_on_disk() -> set[str]:
    ours = {
        path.name.removesuffix("_subject.txt")
        for path in Path(settings.BASE_DIR, "templates/emails").glob("*_subject.txt")
    }
    package = Path(allauth.__file__).parent / "templates" / "account" / "email"
    overrides = Path(settings.BASE_DIR, "templates", "account", "email")
    linked = set()
    for path in [*package.glob("*_message.txt"), *overrides.glob("*_message.txt")]:
        if ALLAUTH_LINK_VARIABLES.search(path.read_text()):
            linked.add(path.name.removesuffix("_message.txt"))
    # email_confirmation_signup extends email_confirmation: the same link, sent on sign-up.
    if "email_confirmation" in linked:
        linked.add("email_confirmation_signup")
    return ours | linked


def _parts(message: Message) -> list[str]:
    texts = []
    for part in message.walk():
        if part.get_content_maintype() == "text":
            payload = part.get_payload(decode=True)
            texts.append(payload.decode(part.get_content_charset() or "utf-8"))
    return texts


def _links(message: Message) -> list[str]:
    return [html.unescape(link) for text in _parts(message) for link in LINK.findall(text)]


def _tokens(link: str) -> set[str]:
    """The parts of a link that could be a secret: long path segments and query values with a digit or a capital
    (a token; not a word such as `indirect_reseller`)."""
    parts = urlsplit(link.rstrip(".,;:!?)"))
    candidates = [unquote(segment) for segment in parts.path.split("/")]
    candidates += [value for _, value in parse_qsl(parts.query)]
    return {value for value in candidates if len(value) >= 10 and re.search(r"[0-9A-Z]", value) and not value.isdigit()}


def _raw_rows() -> str:
    """Every column of every outbox row, as the database stores it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT row_to_json(t)::text FROM core_outboundemail t ORDER BY id")
        return "\n".join(row[0] for row in cursor.fetchall())


def _admin_pages(client: Client) -> str:
    pages = [client.get("/admin/core/outboundemail/"), client.get("/admin/core/outboundemail/?q=example")]
    pages += [
        client.get(f"/admin/core/outboundemail/{pk}/change/")
        for pk in OutboundEmail.objects.values_list("pk", flat=True)
    ]
    assert [page.status_code for page in pages] == [200] * len(pages)
    return "\n".join(page.content.decode() for page in pages)


def _trigger_every_kind(world, settings) -> None:
    a, b = world.tenants["a"], world.tenants["b"]
    anonymous = Client()
    # allauth: sign-up confirmation, "already exists", password reset, "unknown account", login confirmation
    signup = {
        "first_name": "Jane",
        "last_name": "Doe",
        "password1": "Str0ng-passphrase-42",
        "password2": "Str0ng-passphrase-42",
    }
    assert anonymous.post("/accounts/signup/", {**signup, "email": "jane@tailspin.example"}).status_code == 302
    assert Client().post("/accounts/signup/", {**signup, "email": a.users["global_admin"].email}).status_code == 302
    assert Client().post("/accounts/password/reset/", {"email": a.users["global_admin"].email}).status_code == 302
    assert Client().post("/accounts/password/reset/", {"email": "nobody@tailspin.example"}).status_code == 302
    unverified = UserFactory(email="una@tailspin.example", verified=False)
    EmailAddress.objects.create(user=unverified, email=unverified.email, verified=False, primary=True)
    Client().post("/accounts/login/", {"login": unverified.email, "password": PASSWORD})
    # the provider's admin access: it resets the password of a reseller user (issue 18)
    from partnerhub.accounts.models import Role
    from relationships.services import reseller_account as reseller_account_services
    from tests.factories import MembershipFactory

    agent = MembershipFactory(organization=a.reseller, user=UserFactory(email="sam@reseller-a.example"),
                              roles=[Role.SALES_AGENT])  # fmt: skip
    reseller_account_services.reseller_user_password_reset(
        relationship=a.objects["partnership"],
        membership=a.users["global_admin"].memberships.get(organization=a.provider),
        user=agent.user,
    )
    # the partnership's end, told to both sides
    relationship_services.partnership_remove_admin_access(
        relationship=b.objects["partnership"], actor=b.users["reseller"], reseller=b.reseller
    )
    relationship_services.partnership_remove(
        relationship=a.objects["partnership"], actor=a.users["global_admin"], acting_organization=a.provider
    )
    # agreements: a colleague asks the Global admins to sign; the re-acceptance reminder
    agreement_services.agreement_request_signature(organization=a.provider, requester=a.users["limited"])
    agreement_services._remind_organization(a.provider, world.mpa)
    # customers: a finished export; an invitation accepted; a partner resets a customer user's password
    export_services._email_ready(a.objects["export_job"])
    customer_services.customer_invitation_accept(
        invitation=b.objects["customer_invitation"], customer=a.objects["customer"], user=a.users["customer"]
    )
    customer = a.users["customer"]
    customer.recovery_email = "it@woodgrove.example"
    customer.recovery_email_verified = True
    customer.save(update_fields=["recovery_email", "recovery_email_verified"])
    access_services.customer_user_password_reset(
        customer=a.objects["customer_relationship"].customer,
        membership=a.users["global_admin"].memberships.get(organization=a.provider),
        user=customer,
    )
    # admin relationships (access/): approved, rejected, terminated; the sweep's reminder, extension and expiry
    from access.models import AdminRelationship

    access_services.admin_relationship_approve(relationship=a.objects["admin_relationship_request"], actor=customer)
    access_services.admin_relationship_reject(
        relationship=b.objects["admin_relationship_request"], actor=b.users["customer"]
    )
    access_services.admin_relationship_terminate(
        relationship=a.objects["admin_relationship_request"], actor=a.users["global_admin"], organization=a.provider
    )
    now = timezone.now()
    AdminRelationship.objects.filter(pk=b.objects["admin_relationship"].pk).update(ends_at=now + timedelta(days=10))
    assert access_services.sweep_admin_relationships()["reminded"] == 1
    AdminRelationship.objects.filter(pk=b.objects["admin_relationship"].pk).update(ends_at=now, auto_extend=True)
    AdminRelationship.objects.filter(pk=a.objects["admin_relationship"].pk).update(ends_at=now)
    assert access_services.sweep_admin_relationships()["extended"] == 1
    # enrolment: a case past its SLA alerts the operators
    settings.OPERATOR_ALERT_EMAIL = "ops@partnerhub.example"
    VerificationCase.objects.filter(pk=a.objects["case"].pk).update(
        status=VerificationCase.Status.IN_REVIEW, overdue_at=None, sla_due_at=timezone.now() - timedelta(minutes=1)
    )
    assert enrollment_services.sweep_flag_overdue_cases()
    # webhooks: an endpoint whose receiver failed every attempt is disabled, its Global admins told
    from api.webhooks.delivery import endpoint_disable

    endpoint_disable(endpoint_id=a.objects["webhook_endpoint"].pk, reason="10 attempts failed: HTTP 500")
    # subscription lifecycle: the renewal reminder, the expiry notice, a renewal refused (issue 18 §2)
    from customers.services import lifecycle

    for template in ("subscription_renewal_reminder", "subscription_expiry_notice", "subscription_renewal_refused"):
        lifecycle._email(a.users["global_admin"], "", a.objects["subscription"], template=template, reason="-")
    # transfers: the receiving partner declines; each side is told
    from transfers.services import transfer_decline

    transfer_decline(transfer=a.objects["transfer"], actor=a.users["reseller"])
    # billing (accounts receivable): new orders blocked and unblocked; an overdue reminder
    from billing.models import BillingProfile
    from billing.services import credit as billing_credit

    profile = BillingProfile.objects.get(issuer=a.provider, recipient=a.reseller)
    profile = billing_credit.orders_block(profile=profile, reason="Overdue", actor=a.users["global_admin"])
    billing_credit.orders_unblock(profile=profile, actor=a.users["global_admin"])
    billing_credit._remind(a.objects["invoice"], a.objects["invoice"].due_on)


def test_no_live_token_of_any_email_kind_is_readable_in_the_database_or_the_admin(smtp_server, settings):
    assert not allauth_settings.LOGIN_BY_CODE_ENABLED  # a code is no link: redaction would not cut it
    assert not allauth_settings.PASSWORD_RESET_BY_CODE_ENABLED
    assert not allauth_settings.EMAIL_VERIFICATION_BY_CODE_ENABLED
    world = build_world()
    _trigger_every_kind(world, settings)
    staff = Client()
    staff.force_login(world.staff)
    queued = list(OutboundEmail.objects.filter(status="queued").values_list("pk", flat=True))
    assert len(queued) == OutboundEmail.objects.count()  # nothing left yet: the test client commits nothing
    before = _raw_rows() + _admin_pages(staff)

    for pk in queued:  # the production path: one task per email, over SMTP
        assert send_outbound_email_task.apply(args=[pk]).get() is True
    after = _raw_rows() + _admin_pages(staff)
    decrypted = "\n".join(
        f"{subject}\n{text}\n{body}"
        for subject, text, body in OutboundEmail.objects.values_list("subject", "body_text", "body_html")
    )

    rows = {str(email.idempotency_key): email for email in OutboundEmail.objects.all()}
    assert len(smtp_server.messages) == len(rows)
    tokens_by_kind: dict[str, set[str]] = {}
    for message in smtp_server.messages:
        email = rows[message["X-PartnerHub-Idempotency-Key"]]
        assert email.status == "sent"
        tokens_by_kind.setdefault(email.template, set()).update(t for link in _links(message) for t in _tokens(link))
    assert _kinds_on_disk() - set(tokens_by_kind) == set(), "a kind of email this test does not trigger"
    assert {kind for kind in TOKEN_KINDS if not tokens_by_kind.get(kind)} == set(), "no token found in the link"
    tokens = {token: kind for kind, found in tokens_by_kind.items() for token in found}
    assert len(tokens) >= 20
    assert {f"{kind}: {token}" for token, kind in tokens.items() if token in before} == set()
    assert {f"{kind}: {token}" for token, kind in tokens.items() if token in after} == set()
    assert {f"{kind}: {token}" for token, kind in tokens.items() if token in decrypted} == set()
    assert "[link removed]" in after

    # The emails themselves still work: the reset link, followed signed out, sets a new password.
    reset = next(
        m for m in smtp_server.messages if rows[m["X-PartnerHub-Idempotency-Key"]].template == "password_reset_key"
    )
    path = urlsplit(next(link for link in _links(reset) if "/password/reset/key/" in link)).path
    browser = Client()
    form = browser.get(path, follow=True)
    assert 'name="password1"' in form.content.decode()
    done = browser.post(
        form.redirect_chain[-1][0], {"password1": "N3w-passphrase-77", "password2": "N3w-passphrase-77"}
    )
    assert done.status_code == 302
    admin = world.tenants["a"].users["global_admin"]
    admin.refresh_from_db()
    assert admin.check_password("N3w-passphrase-77")


def _queue(body="Reset: http://testserver/accounts/password/reset/key/4-abc123DEF456ghi/ (signed out)"):
    return outbound_email_queue_rendered(
        to="sam@contoso.example",
        template="test",
        subject="Reset",
        body_text=body,
        body_html=f'<a href="{body.split()[1]}">go</a>',
    )


def _stored(pk: int) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT body_text, body_html FROM core_outboundemail WHERE id = %s", [pk])
        return cursor.fetchone()


def test_a_failed_attempt_keeps_the_body_sealed_and_the_retry_delivers_the_live_link(smtp_server, settings):
    email = _queue()
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = 9  # discard: nothing listens

    assert outbound_email_send(email_id=email.pk) is False
    failed = OutboundEmail.objects.get(pk=email.pk)
    assert (failed.status, failed.attempts) == ("queued", 1)
    assert all(value.startswith("fernet:") and "abc123DEF456ghi" not in value for value in _stored(email.pk))
    assert "abc123DEF456ghi" in failed.body_text  # still sealed whole: the retry must send the real link

    settings.EMAIL_PORT = port
    OutboundEmail.objects.filter(pk=email.pk).update(send_after=timezone.now())
    assert outbound_email_send(email_id=email.pk) is True
    assert "/accounts/password/reset/key/4-abc123DEF456ghi/" in smtp_server.messages[0].get_payload()[0].get_payload()
    sent = OutboundEmail.objects.get(pk=email.pk)
    assert sent.body_text == "Reset: http://testserver/accounts/…[link removed] (signed out)"
    assert "abc123DEF456ghi" not in sent.body_html


def test_sending_again_sends_nothing_and_reads_the_redacted_row(smtp_server):
    email = _queue()

    assert send_outbound_email_task.apply(args=[email.pk]).get() is True
    assert send_outbound_email_task.apply(args=[email.pk]).get() is False
    OutboundEmail.objects.filter(pk=email.pk).update(send_after=timezone.now() - timedelta(hours=1))
    assert send_outbound_email_batch_task.apply().get() == 0

    assert len(smtp_server.messages) == 1
    assert OutboundEmail.objects.get(pk=email.pk).body_text.startswith("Reset: http://testserver/accounts/…")


def test_a_body_sealed_with_a_dropped_key_is_neither_sent_nor_breaks_the_admin(smtp_server, settings, client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    old = Fernet.generate_key().decode()
    settings.OUTBOX_ENCRYPTION_KEYS = [old]
    email = _queue()
    settings.OUTBOX_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]

    listing = client.get("/admin/core/outboundemail/")
    detail = client.get(f"/admin/core/outboundemail/{email.pk}/change/").content.decode()
    assert listing.status_code == 200
    assert "sealed with a key that is not in OUTBOX_ENCRYPTION_KEYS" in detail
    assert outbound_email_send(email_id=email.pk) is False
    row = OutboundEmail.objects.get(pk=email.pk)
    assert (row.status, row.attempts, smtp_server.messages) == ("queued", 1, [])
    assert "cannot be decrypted" in row.last_error

    settings.OUTBOX_ENCRYPTION_KEYS = [*settings.OUTBOX_ENCRYPTION_KEYS, old]  # the old key is back: it leaves
    OutboundEmail.objects.filter(pk=email.pk).update(send_after=timezone.now())
    assert outbound_email_send(email_id=email.pk) is True
    assert len(smtp_server.messages) == 1


def test_rotation_reseals_under_the_new_key_then_the_old_one_can_go(settings):
    email = _queue()  # under the default key, derived from SECRET_KEY
    new = Fernet.generate_key().decode()
    settings.OUTBOX_ENCRYPTION_KEYS = [new, "derived"]
    assert "abc123DEF456ghi" in OutboundEmail.objects.get(pk=email.pk).body_text

    call_command("outbox_reseal", stdout=SimpleNamespace(write=lambda *_: None))
    settings.OUTBOX_ENCRYPTION_KEYS = [new]

    assert "abc123DEF456ghi" in OutboundEmail.objects.get(pk=email.pk).body_text
    text, _ = _stored(email.pk)
    assert Fernet(new.encode()).decrypt(text.removeprefix("fernet:").encode()).decode() == email.body_text


def test_a_key_that_is_no_fernet_key_is_named_in_the_error(settings):
    settings.OUTBOX_ENCRYPTION_KEYS = ["derived", "not-a-key"]
    with pytest.raises(Exception, match="OUTBOX_ENCRYPTION_KEYS: entry 2 is not a Fernet key"):
        _queue()
    assert not OutboundEmail.objects.exists()


def test_rows_written_in_clear_before_the_migration_are_sealed_or_redacted():
    from importlib import import_module

    from django.apps import apps

    migration = import_module("partnerhub.core.migrations.0003_outbox_sealed")
    queued, sent = _queue(), _queue()
    with connection.cursor() as cursor:  # as the table held them before 0003
        cursor.execute(
            "UPDATE core_outboundemail SET body_text = %s, body_html = %s,"
            " status = CASE WHEN id = %s THEN 'sent' ELSE status END WHERE id IN (%s, %s)",
            [queued.body_text, queued.body_html, sent.pk, queued.pk, sent.pk],
        )

    migration.seal_existing(apps, SimpleNamespace(connection=connection))

    assert all(
        value.startswith("fernet:") and "abc123DEF456ghi" not in value
        for value in _stored(queued.pk) + _stored(sent.pk)
    )
    assert OutboundEmail.objects.get(pk=queued.pk).body_text == queued.body_text  # it can still be sent
    assert (
        "abc123DEF456ghi"
        not in OutboundEmail.objects.get(pk=sent.pk).body_text + OutboundEmail.objects.get(pk=sent.pk).body_html
    )


@pytest.mark.parametrize(
    ("link", "shown"),
    [
        (
            "https://portal.example/accounts/password/reset/key/4-abcDEF123/",
            "https://portal.example/accounts/…[link removed]",
        ),
        ("https://portal.example/invitations/Zx9_kq-tt/", "https://portal.example/invitations/…[link removed]"),
        ("https://portal.example/Zx9kqTT12/go/", "https://portal.example/…[link removed]"),  # a token first: cut
        ("https://portal.example/x?token=abcDEF123", "https://portal.example/x/…[link removed]"),
        ("https://other.example/", "https://other.example/"),
    ],
)
def test_a_link_is_cut_to_its_host_and_first_word(link, shown, settings):
    settings.SITE_URL = "https://portal.example"

    assert outbox_sealing.redact_text(f"Open {link}.") == f"Open {shown}."
    assert outbox_sealing.redact_text(outbox_sealing.redact_text(link)) == shown  # redaction is idempotent


@pytest.mark.parametrize(
    "link", ["https://portal.example/accounts/login/", "https://portal.example/admin/enrollment/verificationcase/12/"]
)
def test_a_link_of_words_and_ids_is_kept_whole(link, settings):
    settings.SITE_URL = "https://portal.example"

    assert outbox_sealing.redact_text(f"See {link}") == f"See {link}"


def test_a_body_that_looks_sealed_is_sealed_all_the_same(smtp_server):
    email = _queue(body="fernet:gAAAA http://testserver/invitations/Zx9kqTT12abc/ is what I typed")

    text, _ = _stored(email.pk)
    assert text.startswith("fernet:gAAAAA")
    assert "Zx9kqTT12abc" not in text
    assert outbound_email_send(email_id=email.pk) is True
    assert "fernet:gAAAA http://testserver/invitations/Zx9kqTT12abc/" in smtp_server.messages[0].as_string()
