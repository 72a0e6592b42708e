"""The producer of `make bench-mail`: a process of its own (so it does not share the sink's GIL) that queues one
partnership invitation per index through the outbox service, one transaction each, like a web worker.
"""

from __future__ import annotations

import os
import time

PROVIDER = "Contoso Distribution Inc."
SENDER = "Megan Bowen"


def invitation_context(index: int) -> dict:
    """What `partnership_invitation_send` passes to the template, with a fresh personal link."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from partnerhub.core.invitations import new_token
    from relationships.services import invitation_url

    link = invitation_url(new_token()[0])
    message = (
        f"Hello,\n\n{PROVIDER} invites you to become one of its indirect resellers in the CSP program. As your "
        "indirect provider we can place orders and add subscriptions for your customers.\n\nA Global admin of your "
        f"company can accept with this personal link:\n{link}\n\nBest regards,\n{SENDER}\n{PROVIDER}"
    )
    return {
        "provider": PROVIDER,
        "sender": SENDER,
        "message": message,
        "accept_url": link,
        "expires_at": timezone.now() + timedelta(days=settings.PARTNERSHIP_INVITATION_TTL_DAYS),
    }


def produce(mode: str, indexes: range, batch: int, ready, go, result) -> None:
    """Queue one invitation per index, one transaction each; send back the wall-clock start and end."""
    import django

    django.setup()
    from django.db import transaction

    from partnerhub.accounts.models import Organization
    from partnerhub.core import outbox, rls, tasks

    with rls.system("bench-mail producer"):  # finding the provider is set-up; the queuing below is a request's
        provider = Organization.objects.get(legal_name=PROVIDER)
    if mode == "batch":
        committed = 0

        def enqueue_batch(email_id: int) -> None:
            nonlocal committed
            committed += 1
            if committed % batch == 0:
                tasks.send_outbound_email_batch_task.delay()

        # Instead of the per-email task (see the module docstring): the outbox hands each committed row to the
        # public `send_outbound_email_task`, whose `delay` this producer process alone replaces.
        tasks.send_outbound_email_task.delay = enqueue_batch
    tasks.send_outbound_email_batch_task.app.connection_for_write().ensure_connection()
    ready.put(os.getpid())
    go.wait()
    started, cpu = time.time(), time.process_time()
    for index in indexes:
        with transaction.atomic():
            outbox.outbound_email_queue(
                to=f"admin@reseller{index}.example",
                template="partnership_invitation",
                context=invitation_context(index),
                organization=provider,
                language="en",
            )
    if mode == "batch" and committed != len(indexes):
        raise RuntimeError(f"batch mode: {committed} of {len(indexes)} committed rows reached the batch hand-off")
    if mode == "batch" and len(indexes) % batch:
        tasks.send_outbound_email_batch_task.delay()  # the rows after the last full batch
    result.put((started, time.time(), time.process_time() - cpu))
