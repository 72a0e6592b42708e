"""The producer of `make bench-webhooks`: N webhook events into the outbox through the real services, as the app role.

Run by bench/load/webhooks.py with the same production environment as the worker:
    python bench/load/webhook_producer.py --url <receiver> --n 2000 --out <file.json> [--endpoint ID --actor ID]

Without --endpoint it first makes a partner organization with its Global admin (`organization_create`) and
registers one endpoint at the receiver's URL (`webhook_endpoint_create`: the URL checks, the sealed secret, the
audit line). Then it sends N test events with `webhook_send_test` ("Send test event"), one transaction each, as a
web request would: the endpoint's row lock, the per-minute limit's count (WEBHOOK_TEST_EVENTS_PER_MINUTE, raised
by the bench), the event and its delivery row, the audit line, and `webhook_deliver_task` handed to Celery when
the transaction commits. Each test event is its own resource, so the deliveries do not wait for one another.
Writes {"endpoint": id, "actor": id, "secret": … (only when it made the endpoint), "event_ids": [...],
"started": unix time, "finished": unix time, "cpu_seconds": …}.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _endpoint(url: str) -> tuple[object, object, str]:
    from api.webhooks.events import TEST_EVENT
    from api.webhooks.services import webhook_endpoint_create
    from partnerhub.accounts.models import User
    from partnerhub.accounts.services import organization_create

    run = uuid.uuid4().hex[:8]
    domain = f"webhooks-{run}.bench.example"
    user = User.objects.create_user(f"wendy@{domain}", None, first_name="Wendy", last_name="Webhooks")
    organization = organization_create(
        user=user, legal_name=f"Webhook Bench {run} Inc.", country="US", address_line1="1 Microsoft Way",
        city="Redmond", state="WA", postal_code="98052", primary_domain=domain,
    )  # fmt: skip
    endpoint, secret = webhook_endpoint_create(
        organization=organization, actor=user, url=url, event_types=[TEST_EVENT], description="make bench-webhooks"
    )
    return endpoint, user, secret


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--endpoint", type=int)
    parser.add_argument("--actor", type=int)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    from api.webhooks.models import WebhookEndpoint
    from api.webhooks.services import webhook_send_test
    from partnerhub.accounts.models import User
    from partnerhub.celery import app
    from partnerhub.core import rls

    result: dict = {}
    # The app role, under row-level security, as the platform runs outside a request (hold_mail.py does the same):
    # this one process stands in for the many web requests that would make these events.
    with rls.system("bench webhooks producer"):
        if args.endpoint:
            endpoint = WebhookEndpoint.objects.select_related("organization").get(pk=args.endpoint)
            user = User.objects.get(pk=args.actor)
        else:
            endpoint, user, result["secret"] = _endpoint(args.url)
        app.connection_for_write().ensure_connection()  # the broker connection is not part of the timing
        event_ids: list[str] = []
        started, cpu = time.time(), time.process_time()
        for _ in range(args.n):
            delivery = webhook_send_test(endpoint=endpoint, actor=user)
            event_ids.append(delivery.event.event_id)
        finished = time.time()
    result |= {
        "endpoint": endpoint.pk,
        "actor": user.pk,
        "event_ids": event_ids,
        "started": started,
        "finished": finished,
        "cpu_seconds": time.process_time() - cpu,
    }
    out = Path(args.out)
    out.write_text(json.dumps(result))
    out.chmod(0o600)  # the endpoint's signing secret
    return 0


if __name__ == "__main__":
    sys.exit(main())
