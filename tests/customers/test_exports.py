"""CSV exports: small ones stream in chunks of many rows; large ones are written by a worker, behind a
progress page, a tenant-checked download and an email, and are never presented complete when they are not."""

from __future__ import annotations

import csv
import dataclasses
import io
import time
from datetime import timedelta

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone

from customers.models import ExportJob
from customers.services import exports
from partnerhub.accounts.models import Role
from partnerhub.core.models import OutboundEmail
from tests.customers.bulk import bulk_customers

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner(seller, make_member):
    """Contoso's Helpdesk agent (may see customers), signed in, with 45 customers; the export threshold at 20."""
    provider = seller[0]
    member = make_member(provider, Role.HELPDESK_AGENT, email="helpdesk@contoso.example")
    bulk_customers(provider, 42, name="Exported Customer {n:04d}", prefix="exported")
    bulk_customers(provider, 3, name="=HYPERLINK(evil{n})", prefix="formula")
    client = Client()
    client.force_login(member.user)
    return client, member.user, provider


@pytest.fixture
def large(settings):
    settings.EXPORT_STREAM_MAX_ROWS = 20
    settings.EXPORT_TASK_CHUNK_ROWS = 7


def _records(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def _start(client) -> ExportJob:
    page = client.get("/customers/export/")
    assert "Prepare the export" in page.content.decode()
    response = client.post("/customers/export/")
    job = ExportJob.objects.get()
    assert response.url == f"/exports/{job.public_id}/"
    return job


def _download(client, job):
    return client.get(f"/exports/{job.public_id}/download/")


def _stored_exports() -> list[str]:
    try:
        return [name for directory in default_storage.listdir("exports")[0]
                for name in default_storage.listdir(f"exports/{directory}")[1]]  # fmt: skip
    except FileNotFoundError:
        return []


def test_a_small_export_streams_in_chunks_of_many_rows_not_one_write_per_row(partner, settings):
    client, _, _ = partner
    settings.EXPORT_CHUNK_ROWS = 10
    response = client.get("/customers/export/")

    chunks = list(response.streaming_content)
    records = _records(b"".join(chunks))
    assert len(records) == 1 + 45
    assert len(chunks) == 5  # 10 + 10 + 10 + 10 + 5 rows, the header with the first: not 47 writes
    assert ExportJob.objects.count() == 0


def test_a_large_export_is_prepared_by_the_task_complete_and_emailed(partner, large):
    client, user, provider = partner
    job = _start(client)
    waiting = client.get(f"/exports/{job.public_id}/").content.decode()
    assert "Waiting for a worker" in waiting
    assert 'hx-trigger="every 2s"' in waiting  # the page follows the progress by itself (htmx, no meta refresh)
    assert _download(client, job).status_code == 404

    assert exports.export_job_run(job_id=job.pk) is True

    page = client.get(f"/exports/{job.public_id}/").content.decode()
    assert "Your export is ready: 45 rows." in page
    assert "hx-trigger" not in page
    download = _download(client, job)
    assert download["Content-Disposition"] == 'attachment; filename="customers.csv"'
    records = _records(b"".join(download.streaming_content))
    assert records[0] == ["Tenant ID", "Company name", "Primary domain name", "Relationship", "Indirect reseller"]
    names = [record[1] for record in records[1:]]
    assert len(names) == 45
    assert names == sorted(names)  # the list's order, read chunk after chunk by key, none twice
    assert "'=HYPERLINK(evil0)" in names  # neutralised, as the streamed export does
    email = OutboundEmail.objects.get(template="export_ready")
    assert email.to == user.email
    assert f"/exports/{job.public_id}/" in email.body_text


def test_running_the_task_twice_writes_one_file(partner, large):
    client, _, _ = partner
    job = _start(client)
    assert exports.export_job_run(job_id=job.pk) is True
    assert exports.export_job_run(job_id=job.pk) is False
    assert len(_stored_exports()) == 1
    assert OutboundEmail.objects.filter(template="export_ready").count() == 1


class _Killed(BaseException):
    """What SIGKILL looks like from inside: the code after it never runs (no except, no cleanup of ours)."""


def _dying_after(rows: int, error: type[BaseException]):
    spec = exports.EXPORTS[ExportJob.Kind.CUSTOMERS]
    seen = 0

    def row(instance):
        nonlocal seen
        seen += 1
        if seen > rows:
            raise error("worker gone")
        return spec.row(instance)

    return dataclasses.replace(spec, row=row)


def test_a_worker_killed_mid_export_is_retried_and_never_shows_a_partial_file(partner, large, monkeypatch, settings):
    client, _, _ = partner
    job = _start(client)
    with monkeypatch.context() as patch:
        patch.setitem(exports.EXPORTS, ExportJob.Kind.CUSTOMERS, _dying_after(16, _Killed))
        with pytest.raises(_Killed):
            exports.export_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert (job.status, job.rows_done) == ("running", 14)  # two chunks of 7 reported, then silence
    page = client.get(f"/exports/{job.public_id}/").content.decode()
    assert "14 of 45 rows written" in page
    assert "Download" not in page
    assert _download(client, job).status_code == 404
    assert _stored_exports() == []  # the partial file never reached storage

    assert exports.export_jobs_sweep()["requeued"] == 0  # still within its heartbeat
    with time_machine.travel(timezone.now() + timedelta(seconds=settings.EXPORT_STALE_AFTER_SECONDS + 1)):
        assert exports.export_jobs_sweep()["requeued"] == 1
        assert exports.export_job_run(job_id=job.pk) is True

    job.refresh_from_db()
    assert (job.status, job.attempts, job.rows_done) == ("done", 2, 45)
    assert len(_records(b"".join(_download(client, job).streaming_content))) == 46


def test_an_export_that_errors_is_failed_with_no_file(partner, large, monkeypatch):
    client, _, _ = partner
    job = _start(client)
    monkeypatch.setitem(exports.EXPORTS, ExportJob.Kind.CUSTOMERS, _dying_after(30, RuntimeError))

    assert exports.export_job_run(job_id=job.pk) is False

    page = client.get(f"/exports/{job.public_id}/").content.decode()
    assert "The export failed, and no file was kept." in page
    assert _download(client, job).status_code == 404
    assert _stored_exports() == []
    assert not OutboundEmail.objects.filter(template="export_ready").exists()


def test_a_job_interrupted_on_every_attempt_ends_failed(partner, large, settings):
    client, _, _ = partner
    job = _start(client)
    ExportJob.objects.filter(pk=job.pk).update(
        status="running", attempts=settings.EXPORT_MAX_ATTEMPTS, heartbeat_at=timezone.now() - timedelta(hours=1)
    )
    assert exports.export_jobs_sweep()["failed"] == 1
    assert "interrupted too many times" in client.get(f"/exports/{job.public_id}/").content.decode()


def test_another_partner_gets_404_on_the_progress_page_and_the_download(partner, large, seller):
    client, _, _ = partner
    job = _start(client)
    exports.export_job_run(job_id=job.pk)
    reseller = Client()
    reseller.force_login(seller[3])  # Fabrikam's Global admin: in partnership with Contoso, still another tenant

    assert reseller.get(f"/exports/{job.public_id}/").status_code == 404
    assert _download(reseller, job).status_code == 404
    assert _download(client, job).status_code == 200


def test_an_expired_export_is_deleted_and_says_so(partner, large, settings, django_capture_on_commit_callbacks):
    client, _, _ = partner
    job = _start(client)
    exports.export_job_run(job_id=job.pk)
    assert len(_stored_exports()) == 1

    with time_machine.travel(timezone.now() + timedelta(hours=settings.EXPORT_FILE_HOURS, minutes=1)):
        assert _download(client, job).status_code == 404  # past its deadline, even before the sweep
        with django_capture_on_commit_callbacks(execute=True):  # the file goes once the status is committed
            assert exports.export_jobs_sweep()["expired"] == 1
        page = client.get(f"/exports/{job.public_id}/").content.decode()

    assert "This export has expired" in page
    job.refresh_from_db()
    assert (job.status, job.file.name) == ("expired", "")
    assert _stored_exports() == []


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_prepares_the_export_end_to_end(partner, large, celery_worker):
    client, user, _ = partner
    job = _start(client)  # the task is queued when the request commits
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status == "done":
            break
        time.sleep(0.2)
    assert job.status == "done"
    assert len(_records(b"".join(_download(client, job).streaming_content))) == 46
    assert OutboundEmail.objects.filter(template="export_ready", to=user.email).exists()


def test_a_large_subscription_export_is_complete_newest_first(seller, customer, offers, large, make_member):
    """The other kind, keyset-paged in descending (placed, id) order: every subscription once."""
    from tests.customers.bulk import bulk_subscriptions

    provider = seller[0]
    bulk_subscriptions(provider=provider, customer=customer.organization, reseller=None, offers=offers, count=30)
    client = Client()
    client.force_login(make_member(provider, Role.HELPDESK_AGENT, email="subs@contoso.example").user)
    url = f"/customers/{customer.organization.tenant_id}/subscriptions/export/"
    assert "Prepare the export" in client.get(url).content.decode()
    client.post(url)
    job = ExportJob.objects.get()

    assert exports.export_job_run(job_id=job.pk) is True

    records = _records(b"".join(_download(client, job).streaming_content))
    ids = [record[0] for record in records[1:]]
    assert len(ids) == len(set(ids)) == 32  # the fixture's two and the thirty
