"""Exports too large to stream within a request: a job row, a Celery task that writes the file, a sweep.

The rule is that nothing a user downloads is ever silently cut short. So a large export is written by a
worker, never by the request, and the job says `done` only when the whole file is stored: the task writes a
local temporary file chunk by chunk (keyset-paged, many rows a chunk), counts the records it wrote back
from the file, stores it under a name of its own attempt and only then marks the job done, with a
conditional UPDATE that also checks that the attempt is still the job's. A worker that dies on the way
leaves a `running` job whose heartbeat stops: the sweep gives it to a new attempt (up to
EXPORT_MAX_ATTEMPTS) or fails it with an error the page shows. A task delivered twice finds the job no
longer queued and does nothing.
"""

from __future__ import annotations

import csv
import io
import logging
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from partnerhub.accounts.models import Membership, Organization, User
from partnerhub.core import rls
from partnerhub.core.audit import audit_record
from partnerhub.core.outbox import outbound_email_queue
from partnerhub.core.pagination import keyset_chunks

from .. import selectors
from ..csv_export import csv_chunks
from ..models import CustomerRelationship, ExportJob, Subscription
from .common import CustomersError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExportSpec:
    """What one kind of export reads and writes (the same for the streamed and the background path)."""

    header: Any  # () -> list[str], translated when called
    queryset: Any  # (organization, filters) -> QuerySet, tenant-scoped
    keys: tuple[str, ...]
    descending: bool
    row: Any  # (instance) -> tuple


def _customers(organization: Organization, filters: dict[str, Any]) -> QuerySet[CustomerRelationship]:
    return selectors.customer_list(partner=organization)


def _subscriptions(organization: Organization, filters: dict[str, Any]) -> QuerySet[Subscription]:
    relationship = selectors.relationship_get(partner=organization, tenant_id=filters["tenant_id"])
    return selectors.visible_subscriptions(relationship=relationship)


EXPORTS: dict[str, ExportSpec] = {
    ExportJob.Kind.CUSTOMERS: ExportSpec(
        header=lambda: [_("Tenant ID"), _("Company name"), _("Primary domain name"), _("Relationship"),
                        _("Indirect reseller")],
        queryset=_customers,
        keys=selectors.CUSTOMER_LIST_KEYS,
        descending=False,
        row=lambda r: (r.customer.tenant_id, r.customer_name, r.customer.primary_domain, r.get_kind_display(),
                       r.reseller.legal_name if r.reseller else ""),
    ),
    ExportJob.Kind.SUBSCRIPTIONS: ExportSpec(
        header=lambda: [_("Subscription ID"), _("Subscription"), _("Quantity"), _("Status"), _("Reseller")],
        queryset=_subscriptions,
        keys=("created_at", "id"),
        descending=True,
        row=lambda s: (s.public_id, s.display_name, s.quantity, s.get_status_display(),
                       s.partner_of_record.number if s.partner_of_record else ""),
    ),
}  # fmt: skip


def export_too_large(queryset: QuerySet[Any]) -> bool:
    """Whether an export is above EXPORT_STREAM_MAX_ROWS, by a count capped just past it (one bounded query)."""
    limit: int = settings.EXPORT_STREAM_MAX_ROWS
    return queryset.order_by().values("pk")[: limit + 1].count() > limit


def export_job_create(
    *, organization: Organization, actor: User, kind: str, filters: dict[str, Any], filename: str
) -> ExportJob:
    """Queue a background export; its task starts after the commit (the sweep queues it again if the broker
    was down)."""
    job = ExportJob.objects.create(
        organization=organization, requested_by=actor, kind=kind, filters=filters, filename=filename
    )
    audit_record(code="partnerhub.export.requested", actor=actor, organization=organization, target=job,
                 data={"kind": kind})  # fmt: skip
    transaction.on_commit(lambda: _enqueue(job.pk), robust=True)
    return job


def _enqueue(job_id: int) -> None:
    from ..tasks import export_job_run_task

    try:
        export_job_run_task.delay(job_id)
    except Exception:  # the broker is a boundary: the sweep queues the job again
        logger.warning("export: could not enqueue job %s; the sweep will", job_id, exc_info=True)


class _Superseded(Exception):  # noqa: N818 - control flow, not an error
    """The job is no longer this attempt's (the sweep handed it on, or it was failed): stop quietly."""


def _requester_may_export(job: ExportJob) -> bool:
    membership = Membership.objects.filter(user=job.requested_by_id, organization=job.organization_id).first()
    user = job.requested_by
    return bool(membership and user and user.is_active and user.has_perm("customers.view_customers", membership))


def _count_records(stream: IO[bytes]) -> int:
    """Data records in a stored CSV (the header excluded), counted as a spreadsheet would read them."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    try:
        return sum(1 for _ in csv.reader(text)) - 1
    finally:
        text.detach()


def export_job_run(*, job_id: int) -> bool:
    """Write one queued export to storage and mark it done; a no-op unless the job is queued.

    Returns whether this call finished the job."""
    now = timezone.now()
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.QUEUED).update(
        status=ExportJob.Status.RUNNING, started_at=now, heartbeat_at=now, attempts=F("attempts") + 1,
        rows_done=0, error="",
    )  # fmt: skip
    if not claimed:
        return False
    job = ExportJob.objects.select_related("organization", "requested_by").get(pk=job_id)
    mine = ExportJob.objects.filter(pk=job.pk, status=ExportJob.Status.RUNNING, attempts=job.attempts)
    name = ""
    try:
        if not _requester_may_export(job):
            raise CustomersError(_("The person who asked for this export can no longer see these customers."))
        spec = EXPORTS[job.kind]
        language = (job.requested_by.language if job.requested_by else "") or settings.LANGUAGE_CODE
        with tempfile.TemporaryFile() as local, translation.override(language):
            written = _write(job, spec, local, mine)
            local.seek(0)
            if _count_records(local) != written:  # what a reader of the file would find, not what we meant
                raise CustomersError(_("The export file was incomplete."))
            local.seek(0)
            name = f"exports/{job.organization_id}/{job.public_id}-{job.attempts}.csv"  # this attempt's own
            name = default_storage.save(name, File(local))
        return _finish(job, mine, name, written)
    except _Superseded:
        return False
    except Exception as exc:
        logger.exception("export job %s failed", job.pk)
        message = exc.message if isinstance(exc, CustomersError) else _("The export could not be completed.")
        mine.update(status=ExportJob.Status.FAILED, error=message, finished_at=timezone.now())
        if name:
            default_storage.delete(name)
        return False


def _write(job: ExportJob, spec: ExportSpec, local: IO[bytes], mine: QuerySet[ExportJob]) -> int:
    """Write the CSV to `local` in chunks, under the requester's own tenant context (row-level security
    applies to the worker's reads as it does to the page's); beat the heartbeat after every chunk."""
    organization = job.organization
    with rls.acting_as(user=job.requested_by, organization=organization):
        try:
            queryset = spec.queryset(organization, job.filters)
        except Http404 as exc:
            raise CustomersError(_("You no longer have a relationship with this customer.")) from exc
        total = queryset.order_by().count()
    if not mine.update(rows_total=total):
        raise _Superseded
    written = 0

    def rows() -> Iterator[tuple[Any, ...]]:
        nonlocal written
        size = settings.EXPORT_TASK_CHUNK_ROWS
        chunks = keyset_chunks(queryset, keys=spec.keys, size=size, descending=spec.descending)
        while True:
            with rls.acting_as(user=job.requested_by, organization=organization):
                chunk = next(chunks, None)
            if chunk is None:
                return
            for instance in chunk:
                yield spec.row(instance)
            written += len(chunk)
            if not mine.update(rows_done=written, heartbeat_at=timezone.now()):
                raise _Superseded

    for text in csv_chunks(spec.header(), rows(), chunk_rows=settings.EXPORT_TASK_CHUNK_ROWS):
        local.write(text.encode())
    return written


def _finish(job: ExportJob, mine: QuerySet[ExportJob], name: str, written: int) -> bool:
    """Mark the job done, if it is still this attempt's, and email the requester; else drop the file."""
    now = timezone.now()
    with transaction.atomic():
        done = mine.update(
            status=ExportJob.Status.DONE, file=name, rows_done=written, rows_total=written, finished_at=now,
            heartbeat_at=now, expires_at=now + timedelta(hours=settings.EXPORT_FILE_HOURS),
        )  # fmt: skip
        if done:
            job.refresh_from_db()
            _email_ready(job)
    if not done:
        default_storage.delete(name)
    return bool(done)


def _email_ready(job: ExportJob) -> None:
    user = job.requested_by
    if user is None:
        return
    outbound_email_queue(
        to=user.email,
        template="export_ready",
        organization=job.organization,
        language=user.language or None,
        context={
            "name": user.get_full_name() or user.email,
            "kind": job.get_kind_display(),
            "rows": job.rows_done,
            "expires_at": job.expires_at,
            "url": settings.SITE_URL.rstrip("/") + reverse("customers:export-job", args=[job.public_id]),
        },
    )


def export_jobs_sweep() -> dict[str, int]:
    """Beat: hand jobs whose worker stopped beating to a new attempt (or fail them after the last one),
    queue again jobs that never reached a worker, and delete the files of expired exports."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.EXPORT_STALE_AFTER_SECONDS)
    requeued = failed = expired = 0
    with transaction.atomic():
        for job in ExportJob.objects.select_for_update(skip_locked=True).filter(
            status=ExportJob.Status.RUNNING, heartbeat_at__lt=stale
        ):
            if job.attempts < settings.EXPORT_MAX_ATTEMPTS:
                job.move_to(ExportJob.Status.QUEUED)
                job.save(update_fields=["status"])
                transaction.on_commit(partial(_enqueue, job.pk), robust=True)
                requeued += 1
            else:
                job.move_to(ExportJob.Status.FAILED)
                job.finished_at = now
                job.error = _("The export was interrupted too many times. Start it again.")
                job.save(update_fields=["status", "finished_at", "error"])
                failed += 1
        waiting = ExportJob.objects.filter(
            Q(heartbeat_at__lt=stale) | Q(heartbeat_at=None, created_at__lt=stale), status=ExportJob.Status.QUEUED
        )
        for pk in waiting.values_list("pk", flat=True)[:100]:
            transaction.on_commit(partial(_enqueue, pk), robust=True)
    for job in ExportJob.objects.filter(status=ExportJob.Status.DONE, expires_at__lte=now)[:500]:
        with transaction.atomic():
            if ExportJob.objects.filter(pk=job.pk, status=ExportJob.Status.DONE).update(
                status=ExportJob.Status.EXPIRED, file=""
            ):
                if job.file.name:
                    transaction.on_commit(partial(default_storage.delete, job.file.name))
                expired += 1
    return {"requeued": requeued, "failed": failed, "expired": expired}
