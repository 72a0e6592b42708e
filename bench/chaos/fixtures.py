"""The Django side of the chaos run: load made through the real services, in a process of its own.

Run by bench/chaos/run.py with the app's environment (production settings, the app's DATABASE_URL: its own role,
under row-level security). Each command stands in for many web requests and runs as the platform does outside a
request, in `rls.system()` (as a management command or a Celery task does):

    python bench/chaos/fixtures.py mail --provider <email> --count 2000 --tag f1 [--batch]
        N partnership invitations created and sent through the services (the outbox), one transaction
        each, like a web worker would. --batch: the rows are handed to `send_outbound_email_batch_task`
        (one task per OUTBOX_BATCH_SIZE rows) instead of one task per email, so batches are in flight: the
        per-email tasks this process publishes are routed (Celery's task_routes) to a queue no worker reads.
        A failed transaction (PostgreSQL restarting) is counted and the next one tried: what a user
        would see as an error page. Prints a JSON line {"created": n, "errors": n}.
    python bench/chaos/fixtures.py cases --count 40 --tag f8
        N organizations, each enrolled as an indirect reseller through `enrollment_submit`: N open
        verification cases waiting for the contact's email (the first verification email queued).
        Prints {"cases": [ids]}.
    python bench/chaos/fixtures.py webhook-endpoint --provider <email> --url http://127.0.0.1:<port>/…
        The provider's Global admin registers a webhook endpoint for `test-created` through
        `webhook_endpoint_create`. Prints {"endpoint": id, "secret": "whsec_…"} (the secret is shown once).
    python bench/chaos/fixtures.py webhook-events --provider <email> --endpoint <id> --count 300 --seconds 60
        N `test-created` events sent to it through `webhook_send_test` (one transaction each, paced over the
        seconds given; WEBHOOK_TEST_EVENTS_PER_MINUTE is raised for the run). Each event is written in its
        transaction with its pending delivery, handed to Celery at commit (the sweep finds it otherwise).
        Prints {"created": n, "errors": n}.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _mail(args: argparse.Namespace) -> dict:
    from django.conf import settings
    from django.db import DatabaseError, connections

    from partnerhub.accounts.models import Membership
    from partnerhub.celery import app
    from partnerhub.core import tasks
    from relationships import services

    membership = (
        Membership.objects.select_related("organization", "user")
        .filter(user__email=args.provider)
        .order_by("created_at", "pk")
        .first()
    )
    if membership is None:
        raise SystemExit(f"{args.provider} is not a member of any organization")
    if args.batch:  # the batches below send them instead (a public Celery setting, no private name patched)
        app.conf.task_routes = {tasks.send_outbound_email_task.name: {"queue": f"chaos-{args.tag}-parked"}}
    domain = f"{args.tag}.chaos.example"
    created = errors = 0
    for n in range(args.count):
        try:
            invitation, token = services.partnership_invitation_create(
                provider=membership.organization, actor=membership.user
            )
            services.partnership_invitation_send(
                invitation=invitation, actor=membership.user, token=token, email=f"reseller{n}@{domain}", message=""
            )
            created += 1
        except DatabaseError:
            errors += 1
            connections.close_all()  # a broken connection is replaced by the next query
            time.sleep(0.2)
        if args.batch and created and created % settings.OUTBOX_BATCH_SIZE == 0:
            tasks.send_outbound_email_batch_task.delay()
    if args.batch:
        tasks.send_outbound_email_batch_task.delay()  # the rows after the last full batch
    return {"created": created, "errors": errors}


def _cases(args: argparse.Namespace) -> dict:
    from django.contrib.auth import get_user_model

    from enrollment import services
    from enrollment.models import Program
    from partnerhub.accounts.models import Membership, Organization, Role
    from partnerhub.core.regions import market_for

    market = market_for("US")
    ids = []
    for n in range(args.count):
        domain = f"org{n}.{args.tag}.chaos.example"
        organization = Organization.objects.create(
            legal_name=f"Chaos {args.tag} {n} Inc.",
            country="US",
            primary_domain=domain,
            csp_region=market.region,
            currency=market.currency,
            address_line1="1 Main Street",
            city="Seattle",
            state="WA",
            postal_code="98101",
        )
        user = get_user_model().objects.create_user(email=f"admin@{domain}", password=None)
        Membership.objects.create(organization=organization, user=user, roles=[Role.GLOBAL_ADMIN])
        enrollment = services.enrollment_submit(
            organization=organization,
            actor=user,
            program=Program.INDIRECT_RESELLER,
            data={
                "legal_name": organization.legal_name,
                "address_line1": "1 Main Street",
                "address_line2": "",
                "city": "Seattle",
                "state": "WA",
                "postal_code": "98101",
                "registration_number": "",
                "contact_first_name": "Pat",
                "contact_last_name": f"Lee {n}",
                "contact_email": f"pat.lee@{domain}",
                "contact_phone": "+12065550100",
                "support_email": f"help@{domain}",
                "support_phone": "+12065550101",
                "support_website": f"https://{domain}/support",
            },
        )
        ids.append(enrollment.cases.get().pk)
    return {"cases": ids}


def _provider(email: str):
    from partnerhub.accounts.models import Membership

    membership = (
        Membership.objects.select_related("organization", "user")
        .filter(user__email=email)
        .order_by("created_at", "pk")
        .first()
    )
    if membership is None:
        raise SystemExit(f"{email} is not a member of any organization")
    return membership


def _webhook_endpoint(args: argparse.Namespace) -> dict:
    from api.webhooks.events import TEST_EVENT
    from api.webhooks.services import webhook_endpoint_create

    membership = _provider(args.provider)
    endpoint, secret = webhook_endpoint_create(
        organization=membership.organization, actor=membership.user, url=args.url, event_types=[TEST_EVENT],
        description=f"chaos {args.tag}",
    )  # fmt: skip
    return {"endpoint": endpoint.pk, "secret": secret}


def _webhook_events(args: argparse.Namespace) -> dict:
    from django.db import DatabaseError, connections

    from api.services import ApiError
    from api.webhooks.models import WebhookEndpoint
    from api.webhooks.services import webhook_send_test

    membership = _provider(args.provider)
    endpoint = WebhookEndpoint.objects.get(pk=args.endpoint, organization=membership.organization)
    created = errors = 0
    started = time.monotonic()
    for n in range(args.count):
        time.sleep(max(0.0, started + args.seconds * n / args.count - time.monotonic()))
        try:
            webhook_send_test(endpoint=endpoint, actor=membership.user)
            created += 1
        except (DatabaseError, ApiError) as exc:
            errors += 1
            print(f"event {n}: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
            connections.close_all()
    return {"created": created, "errors": errors}


def main() -> int:
    parser = argparse.ArgumentParser(prog="bench/chaos/fixtures.py")
    commands = parser.add_subparsers(dest="command", required=True)
    mail = commands.add_parser("mail")
    mail.add_argument("--provider", required=True)
    mail.add_argument("--count", type=int, required=True)
    mail.add_argument("--tag", required=True)
    mail.add_argument("--batch", action="store_true")
    cases = commands.add_parser("cases")
    cases.add_argument("--count", type=int, required=True)
    cases.add_argument("--tag", required=True)
    endpoint = commands.add_parser("webhook-endpoint")
    endpoint.add_argument("--provider", required=True)
    endpoint.add_argument("--url", required=True)
    endpoint.add_argument("--tag", default="f9")
    events = commands.add_parser("webhook-events")
    events.add_argument("--provider", required=True)
    events.add_argument("--endpoint", type=int, required=True)
    events.add_argument("--count", type=int, required=True)
    events.add_argument("--seconds", type=float, default=0.0)
    events.add_argument("--tag", default="f9")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.chaos.settings")
    import django

    django.setup()
    from partnerhub.core import rls

    with rls.system(f"chaos fixtures {args.command} {args.tag}"):
        commands = {"mail": _mail, "cases": _cases, "webhook-endpoint": _webhook_endpoint,
                    "webhook-events": _webhook_events}  # fmt: skip
        result = commands[args.command](args)
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
