"""A large export in a real Chromium: the partner clicks Export customers, is told the file will be
prepared, clicks Prepare the export, watches the progress page, and downloads the complete file when the
worker is done (the progress polls itself with htmx, a static script: CSP-clean, no meta refresh)."""

import csv
import io

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import sign_in
from tests.customers.bulk import bulk_customers

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_large_export_shows_its_progress_then_downloads_complete(
    live_server,
    settings,
    browser,
    tmp_path,
    seller,  # noqa: F811
    make_member,
):
    from customers.models import ExportJob
    from customers.services import exports
    from partnerhub.accounts.models import Role

    settings.SITE_URL = live_server.url
    settings.MEDIA_ROOT = tmp_path
    settings.EXPORT_STREAM_MAX_ROWS = 20
    settings.EXPORT_TASK_CHUNK_ROWS = 7
    provider = seller[0]
    bulk_customers(provider, 45, name="Exported Customer {n:04d}", prefix="exported")
    member = make_member(provider, Role.HELPDESK_AGENT, email="dana@contoso.example")

    page = sign_in(browser, live_server.url, member.user.email, viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/customers/")
    page.get_by_test_id("export-customers").click()
    expect(page.get_by_text("too many to download at once")).to_be_visible()
    page.get_by_role("button", name="Prepare the export").click()

    expect(page.get_by_test_id("export-progress")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Waiting for a worker")
    expect(page.get_by_test_id("export-download")).to_have_count(0)

    job = ExportJob.objects.get()
    assert exports.export_job_run(job_id=job.pk)  # the worker's part; the page picks it up on its own

    link = page.get_by_test_id("export-download")
    expect(link).to_be_visible(timeout=10_000)
    expect(page.get_by_text("Your export is ready: 45 rows.")).to_be_visible()
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == "customers.csv"
    records = list(csv.reader(io.StringIO(open(download.path(), encoding="utf-8-sig").read())))  # noqa: PTH123, SIM115
    assert len(records) == 46
    assert records[1][1] == "Exported Customer 0000"
