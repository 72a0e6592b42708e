"""Queue N partnership invitation emails through the real services (the outbox), for `bench/load/run.py --hold`.

Run by the harness with the same production environment as gunicorn:
    python bench/load/hold_mail.py --organization <id> --email <provider user> --count 2000 --out <file.json>
Writes {"first_insert": <unix time>, "last_commit": <unix time>, "keys": [<idempotency key>, …], "errors": [...]}.
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


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--organization", type=int)
    parser.add_argument("--email", required=True)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    from partnerhub.core import rls

    # The app role, under row-level security: this stands in for many web requests, and runs as the platform
    # does outside a request (a management command, a Celery task).
    with rls.system("bench hold mailer"):
        return _queue(args)


def _queue(args: argparse.Namespace) -> int:
    from partnerhub.accounts.models import Membership
    from partnerhub.core.models import OutboundEmail
    from relationships import services

    membership = Membership.objects.select_related("organization", "user").filter(user__email=args.email)
    if args.organization:
        membership = membership.filter(organization_id=args.organization)
    membership = membership.order_by("created_at", "pk").first()
    if membership is None:
        raise SystemExit(f"{args.email} is not a member of organization {args.organization}")
    run = uuid.uuid4().hex[:8]
    domain = f"hold-{run}.bench.example"
    first_insert = time.time()
    errors: list[str] = []
    for n in range(args.count):
        try:
            invitation, token = services.partnership_invitation_create(
                provider=membership.organization, actor=membership.user
            )
            services.partnership_invitation_send(
                invitation=invitation, actor=membership.user, token=token, email=f"reseller{n}@{domain}", message=""
            )
        except Exception as exc:  # noqa: BLE001 - counted and reported, the run goes on
            errors.append(f"{type(exc).__name__}: {exc}")
            if len(errors) > 20:
                break
    last_commit = time.time()
    keys = [
        str(k)
        for k in OutboundEmail.objects.filter(to__endswith=f"@{domain}").values_list("idempotency_key", flat=True)
    ]
    Path(args.out).write_text(
        json.dumps({"first_insert": first_insert, "last_commit": last_commit, "keys": keys, "errors": errors[:20]})
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
