"""Races (reliability.md §7.5): real threads released together by a barrier, each on its own database
connection, through the real views where a person clicks and through the real task bodies where Celery
delivers. However many race, exactly one wins; every other racer gets a clear answer (a 404/409/410 page,
a form error, or a redirect with a message), never a 500; and nothing is done twice."""

from __future__ import annotations

import re
import threading
from collections import Counter
from datetime import timedelta
from functools import partial

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.utils import timezone

from customers import services as customer_services
from customers.models import CustomerRelationship, Order, Subscription
from enrollment import services as enrollment_services
from enrollment.models import PartnerId, ProgramEnrollment, VerificationCase
from enrollment.tasks import sweep_verification_deadlines_task
from partnerhub.accounts.models import Membership, Organization, Role, User, UserInvitation
from partnerhub.accounts.services import user_invitation_create
from partnerhub.core.models import AuditEvent, OutboundEmail
from partnerhub.core.outbox import outbound_email_queue_rendered
from partnerhub.core.tasks import send_outbound_email_batch_task, send_outbound_email_task
from relationships import services as relationship_services
from relationships.models import PartnerRelationship
from tests.factories import OrganizationFactory, UserFactory
from tests.scenarios import ACCOUNT, ENROLLMENT_DATA

THREADS = 8  # racers per iteration
ORDER_THREADS = 10  # "double-click" submissions of one order form
ITERATIONS = 50  # fresh races per test
# Sign-ups race fewer rounds: each losing sign-up re-renders the whole sign-up form with its error (the
# country <select> through crispy templates, ~0.25 s of CPU under the GIL), so a round costs ~1.5 s of
# CPU where the race itself (tenant created, claim lost, all rolled back) takes ~0.15 s.
SIGNUP_ITERATIONS = 10

# Every racer's thread opens its own connection, and the module's tests share one xdist worker, so
# two of these 8-connection races never compete for the 2 cores at once.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("races")]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture(autouse=True)
def _no_throttles(settings):
    """Each race repeats one action dozens of times for one organization: the per-organization throttles
    (tests/core/test_throttle.py, racing hits included) would answer 429 before the race is run."""
    settings.RATELIMIT_ENABLE = False


def race(*calls):
    """Run each call in its own thread, all released at once; return what each returned.

    An exception escaping a view is what a visitor would see as a 500, so any exception fails the test.
    """
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=30)
            outcomes[index] = call()
        except Exception as exc:  # noqa: BLE001 - reported below, with the others
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a racer never finished (a deadlock?)"
    crashed = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    assert crashed == [], f"{len(crashed)} racer(s) crashed (a 500): {crashed!r}"
    return outcomes


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def address(iteration: int, racer: int) -> str:
    """A client address per request: the per-IP rate limits of the links stay on, and out of the way."""
    return f"10.{iteration // 250}.{iteration % 250}.{racer + 1}"


def statuses(responses) -> Counter:
    return Counter(response.status_code for response in responses)


def flashed(response) -> list[str]:
    """The messages this response flashed (the page the redirect leads to shows them)."""
    return [str(message) for message in get_messages(response.wsgi_request)]


def forget_messages(clients) -> None:
    """Drop the messages an earlier round flashed and no page showed, so each round sees only its own."""
    for client in clients:
        client.cookies.pop("messages", None)


def text(response) -> str:
    return response.content.decode()


# --- 1. several accepts of one invitation -------------------------------------------------------------


@pytest.fixture
def resellers(make_reseller):  # noqa: F811
    """THREADS authorized indirect resellers, each with its own Global admin."""
    return [make_reseller(f"Racer {n} LLC") for n in range(THREADS)]


def test_racing_accepts_of_one_partnership_link_make_one_partnership(active_provider, admin_member, resellers):  # noqa: F811
    clients = [signed_in(user) for _, user in resellers]
    for iteration in range(ITERATIONS):
        invitation, token = relationship_services.partnership_invitation_create(
            provider=active_provider, actor=admin_member.user
        )
        path = f"/partnership/{token}/"

        responses = race(
            *(
                partial(client.post, path, {"authorize": "on"}, REMOTE_ADDR=address(iteration, n))
                for n, client in enumerate(clients)
            )
        )

        counts = statuses(responses)
        assert counts[302] == 1, counts
        assert set(counts) <= {302, 404, 409, 410}, counts
        winner = next(n for n, response in enumerate(responses) if response.status_code == 302)
        assert responses[winner].headers["Location"] == "/partners/providers/"
        assert all(
            "no longer valid" in text(response) or "already partners" in text(response)
            for response in responses
            if response.status_code != 302
        )
        relationship = PartnerRelationship.objects.get(invitation=invitation)
        assert (relationship.reseller, relationship.status) == (resellers[winner][0], "active")
        invitation.refresh_from_db()
        assert (invitation.reseller, invitation.accepted_by) == resellers[winner]
        # End it, so any reseller may win the next link.
        relationship_services.partnership_remove(
            relationship=relationship, actor=admin_member.user, acting_organization=active_provider
        )

    assert PartnerRelationship.objects.count() == ITERATIONS
    assert AuditEvent.objects.filter(code="partnerhub.partnership.created").count() == 2 * ITERATIONS


@pytest.fixture
def customer_admins(seller):  # noqa: F811
    """THREADS customer tenants of the provider's region, no partner yet, each with a Global admin."""
    admins = []
    for n in range(THREADS):
        organization = Organization.objects.create(
            kind="customer", legal_name=f"Racing Customer {n} Inc.", country="US", address_line1="1 Way",
            city="Austin", postal_code="78701", primary_domain=f"racer{n}.onpartnerhub.example",
            csp_region="united_states", currency="USD",
        )  # fmt: skip
        user = UserFactory(email=f"admin@racer{n}.onpartnerhub.example")
        Membership.objects.create(organization=organization, user=user, roles=[Role.GLOBAL_ADMIN])
        admins.append((organization, user))
    return admins


def test_racing_customers_accepting_one_reseller_request_make_one_relationship(seller, customer_admins):  # noqa: F811
    provider, provider_admin = seller[0], seller[1]
    clients = [signed_in(user) for _, user in customer_admins]
    customers = [organization for organization, _ in customer_admins]
    for iteration in range(ITERATIONS):
        invitation, token = customer_services.customer_invitation_create(sender=provider, actor=provider_admin)
        path = f"/customer-invitation/{token}/"

        responses = race(
            *(
                partial(
                    client.post, path, {"authorize": "on", "accept_agreement": "on"}, REMOTE_ADDR=address(iteration, n)
                )
                for n, client in enumerate(clients)
            )
        )

        counts = statuses(responses)
        assert counts[302] == 1, counts
        assert set(counts) <= {200, 302, 410}, counts  # a used link is Gone, as a used partnership link
        assert all(
            "This invitation link is no longer valid" in text(response)
            for response in responses
            if response.status_code != 302
        )
        winner = customers[next(n for n, response in enumerate(responses) if response.status_code == 302)]
        invitation.refresh_from_db()
        assert invitation.customer == winner
        active = CustomerRelationship.objects.filter(partner=provider, customer__in=customers, status="active")
        assert [row.customer for row in active] == [winner]
        customer_services.customer_relationship_remove(relationship=active.get(), actor=provider_admin)

    assert AuditEvent.objects.filter(code="partnerhub.customer_invitation.accepted").count() == ITERATIONS


def test_racing_sign_ups_from_one_customer_link_make_one_customer_and_no_half_made_tenant(seller):  # noqa: F811
    provider, provider_admin = seller[0], seller[1]
    clients = [Client() for _ in range(THREADS)]
    tenants_before, users_before = Organization.objects.count(), User.objects.count()
    for iteration in range(SIGNUP_ITERATIONS):
        invitation, token = customer_services.customer_invitation_create(sender=provider, actor=provider_admin)
        path = f"/customer-invitation/{token}/"

        def sign_up(client, n, iteration=iteration, path=path):
            account = {
                **ACCOUNT,
                "company_name": f"Signup {iteration}-{n} Inc.",
                "domain_prefix": f"signup{iteration}x{n}",
                "password": "a-long-enough-passphrase",
                "authorize": "on",
                "accept_agreement": "on",
            }
            return client.post(path, account, REMOTE_ADDR=address(iteration, n))

        responses = race(*(partial(sign_up, client, n) for n, client in enumerate(clients)))

        counts = statuses(responses)
        assert counts[302] == 1, counts
        assert set(counts) <= {200, 302, 410}, counts  # a used link is Gone, as a used partnership link
        assert all(
            "This invitation link is no longer valid" in text(response)
            for response in responses
            if response.status_code != 302
        )
        invitation.refresh_from_db()
        assert invitation.customer.legal_name.startswith(f"Signup {iteration}-")
        # The losers' tenants, admins and memberships were rolled back with their claim.
        assert Organization.objects.count() == tenants_before + iteration + 1
        assert User.objects.count() == users_before + iteration + 1
        for client in clients:
            client.logout()

    assert CustomerRelationship.objects.filter(partner=provider, customer__legal_name__startswith="Signup").count() == (
        SIGNUP_ITERATIONS
    )


INVITATION_LINK = re.compile(r"http://testserver(/invitations/[\w-]+/)")


def test_one_invitee_accepting_a_user_invitation_in_many_tabs_joins_once(admin_member):
    organization = admin_member.organization
    tabs = [Client() for _ in range(THREADS)]
    for iteration in range(ITERATIONS):
        invitee = UserFactory(email=f"joiner{iteration}@contoso.example")
        invitation = user_invitation_create(
            organization=organization, invited_by=admin_member.user, email=invitee.email, roles=[Role.SALES_AGENT]
        )
        email = OutboundEmail.objects.get(to=invitee.email, template="user_invitation")
        path = INVITATION_LINK.search(email.body_text).group(1)
        forget_messages(tabs)
        for tab in tabs:  # a new invitee each round, signed in in every tab
            tab.force_login(invitee)

        responses = race(*(partial(tab.post, path, REMOTE_ADDR=address(iteration, n)) for n, tab in enumerate(tabs)))

        counts = statuses(responses)
        assert counts[302] == 1, counts
        assert set(counts) <= {302, 404, 410}, counts
        joined = next(response for response in responses if response.status_code == 302)
        assert joined.headers["Location"] == "/"
        assert flashed(joined) == [f"Welcome to {organization}."]
        assert all("This invitation link is no longer valid" in text(r) for r in responses if r.status_code != 302)
        assert Membership.objects.filter(organization=organization, user=invitee).count() == 1
        invitation.refresh_from_db()
        assert (invitation.status, invitation.accepted_by) == (UserInvitation.Status.ACCEPTED, invitee)

    assert AuditEvent.objects.filter(code="partnerhub.user_invitation.accepted").count() == ITERATIONS


# --- 2. several tenants link the same partner ID --------------------------------------------------------


def test_tenants_racing_to_link_one_partner_id_make_one_link(make_member):
    owner = OrganizationFactory(legal_name="Owner Partners Inc.")
    owner_admins = [make_member(owner, Role.GLOBAL_ADMIN).user for _ in range(THREADS // 2)]
    others = [make_member(OrganizationFactory(), Role.GLOBAL_ADMIN) for _ in range(THREADS - THREADS // 2)]
    clients = [signed_in(user) for user in owner_admins] + [signed_in(member.user) for member in others]
    for iteration in range(ITERATIONS):
        forget_messages(clients)
        location = enrollment_services.partner_id_add_location(
            organization=owner, actor=owner_admins[0], business_name=f"Owner branch {iteration}", country="US",
            address_line1="1 Main Street", city="Seattle", postal_code="98101", contact_name="Pat",
            contact_email="pat@owner.example",
        )  # fmt: skip

        responses = race(
            *(partial(client.post, "/settings/identifiers/", {"partner_id": location.pk}) for client in clients)
        )

        owners, outsiders = responses[: len(owner_admins)], responses[len(owner_admins) :]
        assert [response.status_code for response in owners] == [302] * len(owners)
        linked = f"Partner ID {location.number} is now associated with your CSP account."
        assert all(flashed(response) == [linked] for response in owners)
        assert [response.status_code for response in outsiders] == [200] * len(outsiders)
        assert all("Choose one of your own location partner IDs." in text(response) for response in outsiders)
        assert list(PartnerId.objects.filter(csp_associated=True)) == [location]
        assert (
            AuditEvent.objects.filter(code="partnerhub.partner_id.associated", object_id=str(location.pk)).count() == 1
        )

    assert AuditEvent.objects.filter(code="partnerhub.partner_id.associated").count() == ITERATIONS
    assert not PartnerId.objects.filter(organization__in=[member.organization for member in others]).filter(
        csp_associated=True
    )


# --- 3. one order form submitted many times at once -----------------------------------------------------------


KEY_FIELD = re.compile(r'name="key" value="([0-9a-f-]{36})"')


def test_a_double_clicked_order_is_one_order_and_every_answer_names_it(seller, customer, offers):  # noqa: F811
    form_url = f"/customers/{customer.organization.tenant_id}/subscriptions/new/"
    browser = signed_in(seller[1])
    clicks = [Client() for _ in range(ORDER_THREADS)]  # one browser session: each click a request of its own
    session = browser.cookies[settings.SESSION_COOKIE_NAME].value
    orders_before = Order.objects.count()
    for _ in range(ITERATIONS):
        key = KEY_FIELD.search(text(browser.get(form_url))).group(1)
        data = {"offer": offers["standard"].pk, "quantity": 2, "partner_of_record": "", "key": key, "confirm": "on"}
        for click in clicks:
            click.cookies.clear()
            click.cookies[settings.SESSION_COOKIE_NAME] = session

        responses = race(*(partial(click.post, form_url, data) for click in clicks))

        assert statuses(responses) == {302: ORDER_THREADS}
        assert {response.headers["Location"] for response in responses} == {
            f"/customers/{customer.organization.tenant_id}/"
        }
        order = Order.objects.get(idempotency_key=key)
        assert all(flashed(response) == [f"Order #{order.number} placed."] for response in responses)
        assert Subscription.objects.filter(order=order).count() == 1

    assert Order.objects.count() == orders_before + ITERATIONS
    assert AuditEvent.objects.filter(code="partnerhub.order.placed").count() == 2 * (orders_before + ITERATIONS)


# --- 4. staff approve and reject one verification case at once -----------------------------------------------


@pytest.fixture
def reviewers(staff):  # noqa: F811
    """Two staff members: one approves the case while the other rejects it, each from several tabs."""
    other = UserFactory(email="omar@partnerhub.example", is_staff=True, is_superuser=True)
    return staff, other


def _case_at_decision(actor, reviewer) -> VerificationCase:
    organization = OrganizationFactory(primary_domain="contoso.example")
    enrollment = enrollment_services.enrollment_submit(
        organization=organization, actor=actor, program="indirect_reseller", data=ENROLLMENT_DATA
    )
    case = enrollment_services.contact_email_verify(case_pk=enrollment.cases.get().pk)
    for _ in range(2):  # employment, business: the decision is next
        case = enrollment_services.case_approve_step(case=case, reviewer=reviewer)
    assert (case.status, case.step) == ("in_review", "decision")
    return case


def test_approve_and_reject_of_one_case_at_once_end_in_one_decision(admin_member, reviewers):
    approver, rejecter = reviewers
    approvals = [signed_in(approver) for _ in range(THREADS // 2)]
    rejections = [signed_in(rejecter) for _ in range(THREADS - THREADS // 2)]
    decisions = Counter()
    for _ in range(ITERATIONS):
        forget_messages(approvals + rejections)
        case = _case_at_decision(admin_member.user, approver)
        emails_before = OutboundEmail.objects.filter(organization=case.organization).count()
        review = f"/admin/enrollment/verificationcase/{case.pk}/review/"
        reject = {"action": "reject_final", "reason_code": "BUS-01", "reason_text": "The name differs."}

        responses = race(
            *(partial(tab.post, review, {"action": "approve"}) for tab in approvals),
            *(partial(tab.post, review, reject) for tab in rejections),
        )

        assert statuses(responses) == {302: THREADS}
        done = [message for response in responses for message in flashed(response) if message.startswith("Done")]
        refused = [m for r in responses for m in flashed(r) if "that action isn't possible now" in m]
        assert (len(done), len(refused)) == (1, THREADS - 1), (done, refused)
        case.refresh_from_db()
        decisions[case.status] += 1
        expected = {"authorized": ("Done: Approve the current step.", "qualified", "Your company has been verified")}
        expected["rejected"] = ("Done: Final rejection.", "rejected", "We've ended the verification of your company")
        message, enrollment_status, subject = expected[case.status]
        assert done == [message]
        assert ProgramEnrollment.objects.get(pk=case.enrollment_id).status == enrollment_status
        decided = AuditEvent.objects.filter(
            object_id=str(case.pk), code__in=["partnerhub.verification.authorized", "partnerhub.verification.rejected"]
        )
        assert [event.code for event in decided] == [f"partnerhub.verification.{case.status}"]
        emails = OutboundEmail.objects.filter(organization=case.organization).order_by("pk")[emails_before:]
        assert [email.subject for email in emails] == [subject]

    assert decisions.total() == ITERATIONS


# --- 5. the same task body delivered several times at once --------------------------------------------------


def _sink_copies(smtp_server, email: OutboundEmail) -> int:
    key = str(email.idempotency_key)
    return sum(1 for message in smtp_server.messages if message["X-PartnerHub-Idempotency-Key"] == key)


def _deliver_at_once(email: OutboundEmail) -> list:
    """The per-email task redelivered to several workers, while batch sweeps run too."""
    singles = [lambda: send_outbound_email_task.apply(args=[email.pk]).get()] * (THREADS - 2)
    batches = [lambda: send_outbound_email_batch_task.apply().get()] * 2
    return race(*singles, *batches)


def test_the_send_task_delivered_several_times_at_once_sends_one_email(smtp_server):
    for iteration in range(ITERATIONS):
        email = outbound_email_queue_rendered(
            to=f"sam{iteration}@contoso.example", template="race", subject=f"Race {iteration}", body_text="Hello\n"
        )

        outcomes = _deliver_at_once(email)

        assert sum(outcomes) == 1, outcomes  # True (or 1 for a batch) only for the racer that sent it
        assert _sink_copies(smtp_server, email) == 1
        email.refresh_from_db()
        assert (email.status, email.attempts) == ("sent", 1)

    assert len(smtp_server.messages) == ITERATIONS


def test_the_deadline_sweep_delivered_several_times_at_once_reminds_once(admin_member, smtp_server):
    for _ in range(ITERATIONS):
        organization = OrganizationFactory(primary_domain="contoso.example")
        enrollment = enrollment_services.enrollment_submit(
            organization=organization, actor=admin_member.user, program="indirect_reseller", data=ENROLLMENT_DATA
        )
        case = enrollment.cases.get()
        VerificationCase.objects.filter(pk=case.pk).update(remind_at=timezone.now() - timedelta(minutes=1))
        emails_before = set(OutboundEmail.objects.filter(organization=organization).values_list("pk", flat=True))

        results = race(*[lambda: sweep_verification_deadlines_task.apply().get()] * THREADS)

        assert sum(result["reminded"] for result in results) == 1, results
        assert (
            AuditEvent.objects.filter(code="partnerhub.verification.reminder_sent", object_id=str(case.pk)).count() == 1
        )
        reminders = OutboundEmail.objects.filter(organization=organization).exclude(pk__in=emails_before)
        reminder = reminders.get()
        assert reminder.subject.startswith("Reminder: verify your email address")

        _deliver_at_once(reminder)

        assert _sink_copies(smtp_server, reminder) == 1
        reminder.refresh_from_db()
        assert (reminder.status, reminder.attempts) == ("sent", 1)
