"""Per-organization throttles (partnerhub/core/throttle.py): the N+1th request of a window gets the 429 page
naming what was limited and when to try again, with Retry-After, creates no row and queues no email; another
organization is not affected. Real Redis cache; the clock is time-machine's (no sleeps)."""

from __future__ import annotations

import html
import re
import threading
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from enrollment.models import PartnerId, ProgramEnrollment
from partnerhub.accounts.models import Role, UserInvitation
from partnerhub.core import throttle
from partnerhub.core.models import OutboundEmail
from relationships.models import PartnershipInvitation
from tests.redis_cache import redis_cache  # noqa: F401
from tests.scenarios import qualify
from tests.security.snapshots import changed, table_hashes

LOCATION = {
    "business_name": "Contoso Austin",
    "country": "US",
    "address_line1": "1 Congress Avenue",
    "city": "Austin",
    "state": "TX",
    "postal_code": "78701",
    "contact_name": "Pat Lee",
    "contact_email": "pat.lee@contoso.example",
}

pytestmark = pytest.mark.usefixtures("redis_cache")


@pytest.fixture
def clock(time_machine):
    """Held at the start of a UTC day: every window starts with the test."""
    start = (timezone.now() + timedelta(days=1)).replace(hour=0, minute=0, second=1, microsecond=0)
    time_machine.move_to(start, tick=False)
    return time_machine


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _refused(response, what: str) -> None:
    assert response.status_code == 429
    page = html.unescape(response.content.decode())
    assert f"You've reached the limit for {what}. Nothing was changed or sent." in page
    assert re.search(r"Try again in \d+ (seconds?|minutes?|hours?)\.", page)
    assert int(response["Retry-After"]) > 0


# --- the limiter -----------------------------------------------------------------------------------------


def test_a_rate_has_steps_and_the_settings_override_it(settings):
    assert throttle.parse_rate("20/h,100/d") == (throttle.Step(20, 3600), throttle.Step(100, 86400))
    assert throttle.parse_rate("5/10m") == (throttle.Step(5, 600),)
    for bad in ("", "x/h", "5/", "5/w", "5/0m", "-1/h"):
        with pytest.raises(ValueError, match="bad throttle rate"):
            throttle.parse_rate(bad)
    settings.THROTTLE_RATES = {"location_add": "1/s"}
    assert throttle.rate_of("location_add") == (throttle.Step(1, 1),)
    assert throttle.rate_of("export") == throttle.parse_rate(throttle.RATES["export"])


def test_every_named_limit_parses_and_says_what_it_limits():
    for action, rate in throttle.RATES.items():
        assert throttle.parse_rate(rate)
        assert str(throttle.LABELS[action])


def test_the_window_counts_per_scope_and_says_when_it_reopens(clock, settings):
    settings.THROTTLE_RATES = {"export": "2/h,3/d"}
    throttle.hit("export", "org:1")
    throttle.hit("export", "org:1")
    with pytest.raises(throttle.Throttled) as refused:
        throttle.hit("export", "org:1")
    assert refused.value.retry_after == 3599
    throttle.hit("export", "org:2")  # another organization: its own count

    clock.shift(timedelta(hours=1))
    throttle.hit("export", "org:1")
    with pytest.raises(throttle.Throttled) as refused:
        throttle.hit("export", "org:1")  # 3 today: the day step, until midnight
    assert refused.value.retry_after == 24 * 3600 - 3600 - 1


def test_refused_hits_are_not_counted_and_a_rolled_back_hit_is_given_back(clock, settings):
    settings.THROTTLE_RATES = {"export": "2/h"}
    first = throttle.hit("export", "org:1")
    throttle.hit("export", "org:1")
    for _ in range(5):
        with pytest.raises(throttle.Throttled):
            throttle.hit("export", "org:1")
    first.rollback()
    throttle.hit("export", "org:1")  # room for exactly one again
    with pytest.raises(throttle.Throttled):
        throttle.hit("export", "org:1")


def test_forty_racing_hits_let_exactly_the_rate_through(clock, settings):
    """cache.add + cache.incr in Redis: no two requests read the same count."""
    settings.THROTTLE_RATES = {"export": "10/h"}
    barrier, allowed, lock = threading.Barrier(40), [], threading.Lock()

    def race():
        barrier.wait()
        try:
            throttle.hit("export", "org:7")
        except throttle.Throttled:
            return
        with lock:
            allowed.append(1)

    threads = [threading.Thread(target=race) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(allowed) == 10


# --- the actions -------------------------------------------------------------------------------------------


def test_send_from_partnerhub_partnership_emails_stop_at_the_limit(active_provider, admin_member, settings, clock):
    settings.THROTTLE_RATES = {"partner_email_send": "2/h"}
    client = _client(admin_member.user)
    drafts = [client.post("/partners/resellers/invitations/new/")["Location"] for _ in range(3)]
    for n, draft in enumerate(drafts[:2]):
        response = client.post(draft, {"email": f"alex{n}@fabrikam.example", "message": "Let's work together."})
        assert response.status_code == 302
    before = table_hashes()

    response = client.post(drafts[2], {"email": "spam@victim.example", "message": "Buy now"})

    _refused(response, "emails sent from PartnerHub")
    assert 3000 < int(response["Retry-After"]) <= 3600
    assert changed(before, table_hashes()) == []
    assert not OutboundEmail.objects.filter(to="spam@victim.example").exists()
    assert OutboundEmail.objects.filter(template="partnership_invitation").count() == 2
    assert client.get(drafts[2]).status_code == 200  # the draft page itself is not counted


def test_send_from_partnerhub_customer_emails_stop_at_the_limit(seller, settings, clock):
    settings.THROTTLE_RATES = {"partner_email_send": "2/h"}
    client = _client(seller[1])
    drafts = [client.post("/customers/invitations/new/", {})["Location"] for _ in range(3)]
    for n, draft in enumerate(drafts[:2]):
        assert client.post(draft, {"email": f"it{n}@tailspin.example", "message": "Hello"}).status_code == 302

    response = client.post(drafts[2], {"email": "spam@victim.example", "message": "Buy now"})

    _refused(response, "emails sent from PartnerHub")
    assert not OutboundEmail.objects.filter(to="spam@victim.example").exists()
    assert OutboundEmail.objects.filter(template="customer_invitation").count() == 2


def test_add_location_stops_at_the_limit_for_that_organization_only(admin_member, outsider_member, settings, clock):
    settings.THROTTLE_RATES = {"location_add": "2/h"}
    client = _client(admin_member.user)
    for n in range(2):
        assert (
            client.post("/settings/identifiers/locations/new/", {**LOCATION, "city": f"Austin {n}"}).status_code == 302
        )
    locations = PartnerId.objects.filter(kind=PartnerId.Kind.LOCATION)
    assert locations.count() == 2

    _refused(client.post("/settings/identifiers/locations/new/", LOCATION), "new locations")
    assert locations.count() == 2

    other = _client(outsider_member.user)
    assert other.post("/settings/identifiers/locations/new/", LOCATION).status_code == 302
    assert PartnerId.objects.filter(kind=PartnerId.Kind.LOCATION, organization=outsider_member.organization).count()


def test_partner_id_lookups_stop_at_the_limit_and_the_empty_page_does_not_count(
    admin_member, staff, mpa, settings, clock
):
    settings.THROTTLE_RATES = {"partner_id_lookup": "2/h"}
    qualify(admin_member.organization, admin_member.user, staff, program="indirect_provider", associate=False)
    # Only an active provider may look partner IDs up (its agreement signed): the set-up skips the signing.
    ProgramEnrollment.objects.filter(organization=admin_member.organization).update(
        status=ProgramEnrollment.Status.ACTIVE
    )
    client = _client(admin_member.user)
    for number in ("1000001", "1000002"):
        assert client.get(f"/programs/csp/agreement-status/?number={number}").status_code == 200
    assert client.get("/programs/csp/agreement-status/").status_code == 200

    _refused(client.get("/programs/csp/agreement-status/?number=1000003"), "partner ID lookups")


def test_user_invitations_stop_at_the_limit_and_another_organization_still_invites(
    admin_member, outsider_member, settings, clock
):
    settings.THROTTLE_RATES = {"invitation_create": "2/h"}
    client = _client(admin_member.user)
    for n in range(2):
        invite = {"email": f"new{n}@contoso.example", "roles": [Role.SALES_AGENT]}
        assert client.post("/settings/users/invite/", invite).status_code == 302
    emails = OutboundEmail.objects.count()

    response = client.post("/settings/users/invite/", {"email": "new9@contoso.example", "roles": [Role.SALES_AGENT]})

    _refused(response, "invitations")
    assert not UserInvitation.objects.filter(email="new9@contoso.example").exists()
    assert OutboundEmail.objects.count() == emails
    invitation = UserInvitation.objects.filter(organization=admin_member.organization).first()
    _refused(client.post(f"/settings/users/invitations/{invitation.pk}/resend/"), "invitations")
    assert OutboundEmail.objects.count() == emails

    other = _client(outsider_member.user)
    assert (
        other.post("/settings/users/invite/", {"email": "a@outsider.example", "roles": ["sales_agent"]}).status_code
        == 302
    )

    clock.shift(timedelta(hours=1))
    assert (
        client.post("/settings/users/invite/", {"email": "new9@contoso.example", "roles": ["sales_agent"]}).status_code
        == 302
    )


def test_partnership_links_stop_at_the_limit(active_provider, admin_member, settings, clock):
    settings.THROTTLE_RATES = {"invitation_create": "2/h"}
    client = _client(admin_member.user)
    assert [client.post("/partners/resellers/invitations/new/").status_code for _ in range(2)] == [302, 302]

    _refused(client.post("/partners/resellers/invitations/new/"), "invitations")
    assert PartnershipInvitation.objects.count() == 2


def test_a_customer_users_temporary_passwords_stop_at_the_limit(customer, seller, settings, clock):
    settings.THROTTLE_RATES = {"customer_password_reset": "1/h"}
    client = _client(seller[1])
    users_page = f"/customers/{customer.organization.tenant_id}/users/"
    path = re.search(r"(/customers/[^\"]+/users/\d+/reset-password/)", client.get(users_page).content.decode())
    assert path, "the users page links a password reset"
    assert client.post(path.group(1)).status_code == 200  # the temporary password, shown once
    emails = OutboundEmail.objects.count()

    _refused(client.post(path.group(1)), "password resets")
    assert OutboundEmail.objects.count() == emails


def test_htmx_requests_get_the_message_alone(admin_member, settings, clock):
    settings.THROTTLE_RATES = {"invitation_create": "0/h"}
    client = _client(admin_member.user)

    response = client.post(
        "/settings/users/invite/", {"email": "x@contoso.example", "roles": ["sales_agent"]}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 429
    assert "<html" not in response.content.decode()
    assert 'data-testid="throttled"' in response.content.decode()
    assert response["Retry-After"]


# Every other decorated view: refused before it runs (rate 0), with the page, and nothing changed.

REFUSED_POSTS = [
    ("enrollment_change", "enrolment changes", "/programs/csp/enroll/indirect_reseller/"),
    ("enrollment_change", "enrolment changes", "/settings/identifiers/"),
    ("enrollment_change", "enrolment changes", "/settings/agreements/partner-agreement/"),
    ("enrollment_change", "enrolment changes", "/directory/mine/"),
    ("reminder_email", "reminder emails", "/settings/agreements/request-signature/"),
    ("organization_create", "new company accounts", "/organization/new/"),
    ("customer_create", "new customers", "/customers/new/review/"),
    ("export", "exports", "/customers/export/"),
    ("invitation_create", "invitations", "/customers/invitations/new/"),
]


@pytest.mark.parametrize(("action", "what", "path"), REFUSED_POSTS)
def test_each_throttled_view_refuses_before_it_runs(seller, settings, clock, action, what, path):
    settings.THROTTLE_RATES = {action: "0/h"}
    client = _client(seller[1])
    before = table_hashes()

    _refused(client.post(path, {"confirm": "on", "accept": "on"}), what)

    assert changed(before, table_hashes()) == []


def test_the_seller_customer_pages_refuse_before_they_run(customer, seller, settings, clock):
    settings.THROTTLE_RATES = {"order_submit": "0/h", "subscription_change": "0/h", "export": "0/h"}
    client = _client(seller[1])
    base = f"/customers/{customer.organization.tenant_id}"
    subscription = customer.organization.subscriptions.first()
    before = table_hashes()

    _refused(client.post(f"{base}/subscriptions/new/", {"offer": "x", "quantity": "1"}), "orders")
    _refused(client.post(f"{base}/agreement/", {}), "orders")
    _refused(
        client.post(f"{base}/subscriptions/{subscription.public_id}/", {"action": "quantity"}), "subscription changes"
    )
    _refused(client.post(f"{base}/subscriptions/export/"), "exports")

    assert changed(before, table_hashes()) == []
