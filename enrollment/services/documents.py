"""The partner's answer to a rejection ("Fix now"): a checked document upload that sends the case back
to review."""

from __future__ import annotations

import hashlib
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from partnerhub.accounts.models import User
from partnerhub.core.audit import audit_record
from partnerhub.core.business_days import add_business_days
from partnerhub.core.documents import DocumentRefused, ParsedDocument, parse_document

from ..models import (
    DocumentType,
    EnrollmentError,
    ProgramEnrollment,
    StepStatus,
    VerificationCase,
    VerificationDocument,
)
from .locks import lock_case, require_case_status
from .notify import legal_info_url, notify_contact


def validate_document(upload: UploadedFile[bytes]) -> tuple[ParsedDocument, bytes]:
    """The upload parsed as a PDF, PNG or JPEG (the content decides, not the name or the browser), and its
    content; or EnrollmentError saying what is wrong with it."""
    size = upload.size or 0
    if size == 0:
        raise EnrollmentError(_("The file is empty."), field="file")
    if size > settings.VERIFICATION_DOCUMENT_MAX_BYTES:
        raise EnrollmentError(
            _("The file is too large: the limit is %(limit)d MB.")
            % {"limit": settings.VERIFICATION_DOCUMENT_MAX_BYTES // (1024 * 1024)},
            field="file",
        )
    content = upload.read()
    try:
        return parse_document(content), content
    except DocumentRefused as exc:
        raise EnrollmentError(exc.message, code=exc.code, field="file") from None


def case_submit_document(
    *, case: VerificationCase, actor: User, document_type: str, comment: str, upload: UploadedFile[bytes]
) -> VerificationDocument:
    """ "Fix now": the partner answers a rejection with a document; the case goes back to review."""
    if document_type not in DocumentType.values:
        raise EnrollmentError(_("Choose a document type."), field="document_type")
    parsed, content = validate_document(upload)
    with transaction.atomic():
        case = lock_case(case)
        require_case_status(case, VerificationCase.Status.ACTION_NEEDED)
        now = timezone.now()
        document = VerificationDocument(
            case=case,
            organization=case.organization,
            document_type=document_type,
            comment=(comment or "").strip(),
            storage_name=f"{uuid.uuid4().hex}.{parsed.extension}",
            original_name=(getattr(upload, "name", "") or "document")[:255],
            content_type=parsed.content_type,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            step=case.step,
            uploaded_by=actor,
            uploaded_at=now,
        )
        document.file.save(document.storage_name, ContentFile(content), save=False)
        try:  # a failure below must not leave a stored file without its row
            document.save()
            case.move_to(VerificationCase.Status.IN_REVIEW)
            case.set_step_status(case.step, StepStatus.PENDING)
            case.action_needed_at = None
            case.closes_at = None
            case.sla_due_at = add_business_days(
                now,
                settings.VERIFICATION_SLA_BUSINESS_DAYS,
                case.organization.country.code,  # type: ignore[attr-defined]
            )
            case.overdue_at = None
            case.save()
        except Exception:
            document.file.delete(save=False)
            raise
        if not case.is_recheck:
            case.enrollment.move_to(ProgramEnrollment.Status.PENDING_QUALIFICATION)
            case.enrollment.save(update_fields=["status"])
        audit_record(
            code="partnerhub.verification.document_submitted",
            actor=actor,
            organization=case.organization,
            target=case,
            data={"document": document.pk, "type": document_type, "sha256": document.sha256, "step": case.step},
        )
        notify_contact(
            case.enrollment,
            subject=gettext_lazy("We received your document"),
            paragraphs=[
                gettext_lazy("Your document is back in review. Expect a decision by %(date)s.")
                % {"date": date_format(timezone.localtime(case.sla_due_at))}
            ],
            action_url=legal_info_url(case.enrollment),
            action_label=gettext_lazy("See the verification status"),
        )
    return document
