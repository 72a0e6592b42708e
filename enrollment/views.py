"""CSP enrolment, Legal info (verification status), Fix now, identifiers and the contact's link."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from partnerhub.accounts.decorators import partner_required, permission_required
from partnerhub.accounts.selectors import global_admins
from partnerhub.core import rls
from partnerhub.core.documents import attachment_response
from partnerhub.core.errors import ApplicationError
from partnerhub.core.forms import add_service_error, posted
from partnerhub.core.throttle import throttle

from . import selectors, services
from .forms import (
    AssociateForm,
    EnrollmentForm,
    FixNowForm,
    LegalDetailsForm,
    LocationForm,
    ProgramChoiceForm,
    SupportPlanForm,
)
from .models import PartnerId, Program, VerificationCase
from .status import step_rows


def _legal_info_url(program: str) -> str:
    return reverse("enrollment:legal-info") + f"?program={program}"


@permission_required("enrollment.enroll", partners_only=True, methods=("POST",))
def welcome(request):
    """The CSP welcome page: what you need, the three programs, then Next (Global admins only)."""
    may_enroll = request.user.has_perm("enrollment.enroll", request.membership)
    form = ProgramChoiceForm(posted(request))
    if request.method == "POST" and form.is_valid():
        return redirect("enrollment:enroll", program=form.cleaned_data["program"])
    enrollments = selectors.enrollment_list(organization=request.organization)
    return render(
        request,
        "enrollment/welcome.html",
        {
            "form": form,
            "may_enroll": may_enroll,
            "global_admins": global_admins(organization=request.organization),
            "enrollments": enrollments,
            # what the status lookup accepts (enrollment.selectors.is_selling), read from the same rows
            "may_look_up": any(enrollment.is_selling for enrollment in enrollments),
        },
    )


@permission_required("enrollment.enroll", partners_only=True)
@throttle("enrollment_change")
def enroll(request, program: str):
    """The enrolment form: legal business profile, primary contact, customer support → Enroll now."""
    if program not in Program.values:
        raise Http404
    organization = request.organization
    if selectors.enrollment_open(organization=organization, program=program):
        messages.info(request, _("You already have an enrolment in this program; here is where it stands."))
        return redirect(_legal_info_url(program))
    initial = {
        key: getattr(organization, key)
        for key in ("legal_name", "address_line1", "address_line2", "city", "state", "postal_code")
    }
    initial.update(
        contact_first_name=request.user.first_name,
        contact_last_name=request.user.last_name,
        contact_email=request.user.email,
    )
    form = EnrollmentForm(posted(request), organization=organization, program=program, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.enrollment_submit(
                organization=organization, actor=request.user, program=program, data=form.service_data()
            )
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _("Enrolment submitted. We emailed %(email)s: the review starts once that address is verified.")
                % {"email": form.cleaned_data["contact_email"]},
            )
            return redirect(_legal_info_url(program))
    return render(
        request,
        "enrollment/enroll_form.html",
        {"form": form, "program": Program(program), "is_direct_bill": program == Program.DIRECT_BILL},
    )


@partner_required
def legal_info(request):
    """Legal info: Program info for every program and, per program tab, the verification timeline."""
    organization = request.organization
    enrollments = selectors.enrollment_list(organization=organization)
    selected = next((e for e in enrollments if e.program == request.GET.get("program")), None) or (
        enrollments[0] if enrollments else None
    )
    context = {"enrollments": enrollments, "selected": selected}
    if selected is not None:
        case = selectors.case_current(enrollment=selected)
        context.update(
            case=case,
            steps=step_rows(case) if case else [],
            documents=selectors.document_list(enrollment=selected),
            history=selectors.case_history(enrollment=selected)[:50],
            may_manage=request.user.has_perm("enrollment.manage_verification", request.membership),
            may_update=request.user.has_perm("enrollment.enroll", request.membership),
            fix_form=FixNowForm() if case and case.status == VerificationCase.Status.ACTION_NEEDED else None,
            support_plan_form=SupportPlanForm(),
            associated=selectors.partner_id_associated(organization=organization),
        )
    return render(request, "enrollment/legal_info.html", context)


@require_POST
@permission_required("enrollment.manage_verification", partners_only=True)
@throttle("reminder_email")
def contact_resend(request, pk: int):
    enrollment = selectors.enrollment_get(organization=request.organization, pk=pk)
    try:
        services.contact_email_resend(enrollment=enrollment, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("A new verification link was sent to %(email)s.") % {"email": enrollment.contact_email}
        )
    return redirect(_legal_info_url(enrollment.program))


@permission_required("enrollment.manage_verification", partners_only=True)
@throttle("enrollment_change")
def case_fix(request, pk: int):
    """ "Fix now": answer a rejection with a document and a comment."""
    case = selectors.case_get(organization=request.organization, pk=pk)
    if case.status != VerificationCase.Status.ACTION_NEEDED:
        messages.info(request, _("This verification doesn't need anything from you right now."))
        return redirect(_legal_info_url(case.enrollment.program))
    form = FixNowForm(posted(request), request.FILES if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.case_submit_document(
                case=case,
                actor=request.user,
                document_type=form.cleaned_data["document_type"],
                comment=form.cleaned_data["comment"],
                upload=form.cleaned_data["file"],
            )
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Thank you. Your document is back in review."))
            return redirect(_legal_info_url(case.enrollment.program))
    return render(request, "enrollment/case_fix.html", {"case": case, "form": form})


@partner_required
def document_download(request, pk: int):
    document = selectors.document_get(organization=request.organization, pk=pk)
    # Saved, never shown: the type the upload's parse found, with nosniff (partnerhub/core/documents.py).
    return attachment_response(
        document.file.open("rb"), filename=document.original_name, content_type=document.content_type
    )


@permission_required("enrollment.enroll", partners_only=True)
@throttle("enrollment_change")
def legal_details_update(request, pk: int):
    """Change legal details, primary contact or support; changes are verified again."""
    enrollment = selectors.enrollment_get(organization=request.organization, pk=pk)
    if enrollment.closed_at is not None:
        raise Http404
    fields = [
        "legal_name", "address_line1", "address_line2", "city", "state", "postal_code", "registration_number",
        "contact_first_name", "contact_last_name", "contact_email", "contact_phone",
        "support_email", "support_phone", "support_website",
    ]  # fmt: skip
    form = LegalDetailsForm(
        posted(request), organization=request.organization, initial={key: getattr(enrollment, key) for key in fields}
    )
    if request.method == "POST" and form.is_valid():
        data = {key: form.cleaned_data[key] for key in fields}
        if "country" in request.POST:  # the form has no such field; a crafted post gets the reason
            data["country"] = request.POST["country"]
        try:
            case = services.enrollment_update_legal_details(enrollment=enrollment, actor=request.user, data=data)
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            if case is None:
                messages.success(request, _("Support details updated."))
            else:
                messages.success(
                    request,
                    _("Details updated. What changed will be verified again; your program status stays %(status)s.")
                    % {"status": case.enrollment.get_status_display()},
                )
            return redirect(_legal_info_url(enrollment.program))
    return render(
        request,
        "enrollment/legal_details_form.html",
        {
            "form": form,
            "enrollment": enrollment,
            "sla_days": settings.VERIFICATION_SLA_BUSINESS_DAYS,
            "answer_days": settings.ACTION_NEEDED_CLOSE_DAYS,
        },
    )


@require_POST
@permission_required("enrollment.enroll", partners_only=True)
@throttle("enrollment_change")
def support_plan_purchase(request, pk: int):
    enrollment = selectors.enrollment_get(organization=request.organization, pk=pk)
    form = SupportPlanForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a support plan."))
    else:
        try:
            services.enrollment_purchase_support_plan(
                enrollment=enrollment, actor=request.user, plan=form.cleaned_data["plan"]
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Support plan recorded."))
    return redirect(_legal_info_url(enrollment.program))


@require_POST
@permission_required("enrollment.enroll", partners_only=True)
@throttle("enrollment_change")
def transition_request(request, pk: int):
    enrollment = selectors.enrollment_get(organization=request.organization, pk=pk)
    try:
        services.enrollment_request_transition(enrollment=enrollment, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("Your request to become an indirect reseller was sent. We'll email the primary contact.")
        )
    return redirect(_legal_info_url(enrollment.program))


@never_cache
@ratelimit(key="ip", rate="30/m", block=True)
@rls.link_view
def contact_verify(request, token: str):
    """The primary contact's personal link: a landing page (GET), verified on POST; no sign-in needed."""
    case = selectors.case_by_email_token(token=token)
    if case is None or case.status != VerificationCase.Status.EMAIL_PENDING:
        return render(request, "enrollment/contact_verify_gone.html", status=404 if case is None else 410)
    if request.method == "POST":
        try:
            case = services.contact_email_verify(case_pk=case.pk)
        except ApplicationError:
            return render(request, "enrollment/contact_verify_gone.html", status=410)
        response = render(request, "enrollment/contact_verify_done.html", {"case": case})
    else:
        response = render(request, "enrollment/contact_verify.html", {"case": case})
    response["Referrer-Policy"] = "same-origin"
    return response


@partner_required
@throttle("enrollment_change")
@permission_required("enrollment.associate_partner_id", methods=("POST",))
def identifiers(request):
    """Identifiers: the partner IDs, and the CSP account's associated location partner ID."""
    organization = request.organization
    choices = selectors.partner_id_choices(organization=organization)
    form = AssociateForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            chosen = services.partner_id_associate(
                organization=organization, actor=request.user, partner_id_pk=form.cleaned_data["partner_id"]
            )
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _("Partner ID %(number)s is now associated with your CSP account.") % {"number": chosen.number},
            )
            return redirect("enrollment:identifiers")
    return render(
        request,
        "enrollment/identifiers.html",
        {
            "partner_ids": selectors.partner_id_list(organization=organization),
            "choices": choices,
            "associated": selectors.partner_id_associated(organization=organization),
            "form": form,
            "may_associate": request.user.has_perm("enrollment.associate_partner_id", request.membership),
            "may_add_location": request.user.has_perm("enrollment.add_location", request.membership),
            "other_country_locations": organization.partner_ids.filter(kind=PartnerId.Kind.LOCATION)
            .exclude(country=organization.country)
            .count(),
        },
    )


@permission_required("enrollment.add_location", partners_only=True)
@throttle("location_add")
def location_add(request):
    """ "Add location": a business location and its new location partner ID."""
    organization = request.organization
    initial = {
        "business_name": organization.legal_name,
        "country": organization.country.code,
        **{
            key: getattr(organization, key)
            for key in ("address_line1", "address_line2", "city", "state", "postal_code")
        },
        "contact_name": request.user.get_full_name(),
        "contact_email": request.user.email,
    }
    form = LocationForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        partner_id = services.partner_id_add_location(
            organization=organization, actor=request.user, **form.cleaned_data
        )
        messages.success(request, _("Location added with partner ID %(number)s.") % {"number": partner_id.number})
        return redirect("enrollment:identifiers")
    return render(request, "enrollment/location_form.html", {"form": form})
