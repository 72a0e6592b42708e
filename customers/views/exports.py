"""Exports: stream the small ones, hand the large ones to a worker; its progress page and the download."""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from ..csv_export import csv_response
from ..models import ExportJob
from ..services import exports
from .common import permission_required


def export(request, *, kind: str, filters: dict, filename: str, back_url: str):
    """The export a button asks for: streamed when small; when large, a page that queues it (POST)."""
    spec = exports.EXPORTS[kind]
    queryset = spec.queryset(request.organization, filters)
    if not exports.export_too_large(queryset):
        rows = (spec.row(instance) for instance in queryset.iterator(chunk_size=2000))
        return csv_response(filename, spec.header(), rows)
    if request.method == "POST":
        job = exports.export_job_create(
            organization=request.organization, actor=request.user, kind=kind, filters=filters, filename=filename
        )
        return redirect("customers:export-job", public_id=job.public_id)
    return render(
        request,
        "customers/export_start.html",
        {"kind": ExportJob.Kind(kind).label, "limit": settings.EXPORT_STREAM_MAX_ROWS, "back_url": back_url},
    )


def _job(request, public_id) -> ExportJob:
    """The acting organization's export, or 404 (another tenant's is one that does not exist)."""
    return get_object_or_404(ExportJob.objects.filter(organization=request.organization), public_id=public_id)


@permission_required("customers.view_customers", partners_only=True)
def export_job(request, public_id):
    """An export's progress (the page refreshes itself while it runs), then its download link."""
    job = _job(request, public_id)
    expired = job.status == ExportJob.Status.EXPIRED or (
        job.status == ExportJob.Status.DONE and job.expires_at and job.expires_at <= timezone.now()
    )
    return render(request, "customers/export_job.html", {"job": job, "expired": expired})


@permission_required("customers.view_customers", partners_only=True)
def export_job_download(request, public_id):
    """The finished file, through this view only (never a public media URL), while it has not expired."""
    job = _job(request, public_id)
    if job.status != ExportJob.Status.DONE or not job.file or job.expires_at <= timezone.now():
        raise Http404(_("This export is not available."))
    response = FileResponse(default_storage.open(job.file.name, "rb"), as_attachment=True, filename=job.filename)
    response["Content-Type"] = "text/csv; charset=utf-8"
    response["Cache-Control"] = "no-store"
    return response
