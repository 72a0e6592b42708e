"""bench_export on small tenants: every seeded customer comes out of the streamed export and of the worker's
file, and a three times larger tenant's export peaks at the same Python memory (the rows are streamed, never
gathered)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from bench.seeding.management.commands.bench_export import Command
from customers.models import CustomerRelationship, ExportJob

pytestmark = pytest.mark.usefixtures("bench_app")  # bench_export is bench.settings' command only

SMALL, LARGER = 2_000, 6_000
# What the larger export may peak above the small one. A view that gathered the rows before streaming them
# peaked at 2.8 MiB and 9.5 MiB here (7 MiB for the 4,000 extra rows); a streamed export holds one chunk.
MARGIN = 1024 * 1024


def _run(customers: int, passes: list[str]) -> Command:
    command = Command()
    call_command(command, customers=customers, checkpoints=[1_000], passes=passes, stdout=io.StringIO())
    return command


@pytest.mark.django_db
def test_bench_export_streams_every_customer_in_flat_memory():
    small = _run(SMALL, ["stream-traced", "worker"])
    larger = _run(LARGER, ["stream-traced"])

    stream, worker = small.results
    assert stream.rows == worker.rows == SMALL
    assert larger.results[0].rows == LARGER
    assert CustomerRelationship.objects.filter(status="active").count() >= SMALL + LARGER
    assert [mark.rows for mark in stream.marks] == [1_000, SMALL]  # the checkpoint, then the end
    assert ExportJob.objects.get().status == ExportJob.Status.DONE

    small_peak, larger_peak = stream.marks[-1].peak, larger.results[0].marks[-1].peak
    assert small_peak is not None
    assert larger_peak is not None
    assert larger_peak - small_peak < MARGIN, (small_peak, larger_peak)
