"""The operators' verification queue and review actions; they call the same services as the portal."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from partnerhub.core.errors import ApplicationError
from partnerhub.core.models import AuditEvent

from . import services
from .models import PartnerId, ProgramEnrollment, ReasonCode, SuspensionReason, VerificationCase, VerificationDocument


class OverdueFilter(admin.SimpleListFilter):
    title = _("SLA")
    parameter_name = "sla"

    def lookups(self, request, model_admin):
        return [("overdue", _("Overdue")), ("on_time", _("On time"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "overdue":
            return queryset.filter(status=VerificationCase.Status.IN_REVIEW, sla_due_at__lte=now)
        if self.value() == "on_time":
            return queryset.filter(status=VerificationCase.Status.IN_REVIEW, sla_due_at__gt=now)
        return queryset


class ReviewForm(forms.Form):
    ACTIONS = [
        ("approve", _("Approve the current step")),
        ("reject", _("Reject the current step (partner must fix)")),
        ("request_document", _("Request a document")),
        ("reject_final", _("Final rejection")),
        ("assign", _("Assign to me")),
    ]
    # No action is preselected: after a rejection the page reloads, and a preselected "Approve" would be
    # one careless click away from undoing it. The reviewer must choose.
    action = forms.ChoiceField(choices=[("", _("— Choose an action —")), *ACTIONS], initial="")
    reason_code = forms.ChoiceField(choices=[("", "---------"), *ReasonCode.choices], required=False)
    reason_text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), required=False)


class DocumentInline(admin.TabularInline):
    model = VerificationDocument
    extra = 0
    can_delete = False
    fields = ("uploaded_at", "document_type", "original_name", "content_type", "size", "comment", "link")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("File"))
    def link(self, document):
        return format_html('<a href="{}">{}</a>', document.file.url, _("Download")) if document.file else "—"


@admin.register(VerificationCase)
class VerificationCaseAdmin(admin.ModelAdmin):
    """The verification queue: ordered by decision due date, overdue first."""

    change_form_template = "admin/enrollment/verificationcase/change_form.html"
    list_display = [
        "organization_name", "program", "country", "kind", "status", "step", "sla_due_at", "overdue", "reviewer",
    ]  # fmt: skip
    list_filter = [
        "status",
        "step",
        "enrollment__program",
        OverdueFilter,
        "kind",
        "domain_mismatch",
        ("reviewer", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = [
        "organization__legal_name",
        "contact_email",
        "organization__primary_domain",
        "enrollment__registration_number",
    ]
    ordering = ["sla_due_at", "submitted_at"]
    list_select_related = ["organization", "enrollment", "reviewer"]
    inlines = [DocumentInline]
    readonly_fields = (
        "enrollment_link", "organization", "kind", "status", "step", "email_status", "employment_status",
        "business_status", "decision_status", "contact_email", "domain_mismatch", "prechecks", "changed_fields",
        "submitted_data", "reviewer", "reason_code", "reason_text", "rejections", "submitted_at", "remind_at",
        "reminded_at", "lapses_at", "email_verified_at", "sla_due_at", "overdue_at", "action_needed_at",
        "closes_at", "decided_at", "history",
    )  # fmt: skip
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("Organization"), ordering="organization__legal_name")
    def organization_name(self, case):
        return case.organization.legal_name

    @admin.display(description=_("Program"), ordering="enrollment__program")
    def program(self, case):
        return case.enrollment.get_program_display()

    @admin.display(description=_("Country/region"))
    def country(self, case):
        return case.organization.country.name

    @admin.display(description=_("Overdue"), boolean=True)
    def overdue(self, case):
        return case.is_overdue

    @admin.display(description=_("Enrolment"))
    def enrollment_link(self, case):
        url = reverse("admin:enrollment_programenrollment_change", args=[case.enrollment_id])
        return format_html('<a href="{}">{}</a>', url, case.enrollment)

    @admin.display(description=_("Submitted data"))
    def submitted_data(self, case):
        """The snapshot taken when the case was opened, never the enrolment's current details."""
        d = case.submitted_details
        if not d:
            return "—"
        contact = f"{d.get('contact_first_name', '')} {d.get('contact_last_name', '')}".strip()
        return format_html(
            "{}<br>{} {} {} {} {} {}<br>{}: {}<br>{}: {} · {} · {}<br>{}: {} · {}",
            d.get("legal_name", ""), d.get("address_line1", ""), d.get("address_line2", ""), d.get("postal_code", ""),
            d.get("city", ""), d.get("state", ""), d.get("country", ""),
            _("Registration number"), d.get("registration_number") or "—",
            _("Primary contact"), contact, d.get("contact_email", ""), d.get("contact_phone", ""),
            _("Support"), d.get("support_email", ""), d.get("support_phone", ""),
        )  # fmt: skip

    @admin.display(description=_("History"))
    def history(self, case):
        events = (
            AuditEvent.objects.filter(object_type="enrollment.verificationcase", object_id=str(case.pk))
            .select_related("actor")
            .order_by("created_at")
        )
        rows = (
            (
                e.created_at.strftime("%Y-%m-%d %H:%M"),
                e.code,
                e.actor.email if e.actor else "system",
                e.data.get("reason", ""),
            )
            for e in events
        )
        return format_html_join("", "<div>{} · <code>{}</code> · {} {}</div>", rows)

    def get_urls(self):
        return [
            path(
                "<int:pk>/review/",
                self.admin_site.admin_view(self.review_view),
                name="enrollment_verificationcase_review",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "review_form": ReviewForm()}
        return super().change_view(request, object_id, form_url, extra_context)

    def review_view(self, request, pk: int):
        """Apply one review action from the case page."""
        case = get_object_or_404(VerificationCase, pk=pk)
        back = redirect("admin:enrollment_verificationcase_change", pk)
        if request.method != "POST" or not self.has_change_permission(request, case):
            return back
        form = ReviewForm(request.POST)
        if not form.is_valid():
            self.message_user(request, _("Choose an action."), messages.ERROR)
            return back
        action, code, text = (form.cleaned_data[key] for key in ("action", "reason_code", "reason_text"))
        try:
            if action == "approve":
                services.case_approve_step(case=case, reviewer=request.user)
            elif action == "reject":
                services.case_reject_step(case=case, reviewer=request.user, reason_code=code, reason_text=text)
            elif action == "request_document":
                services.case_request_document(case=case, reviewer=request.user, reason_text=text)
            elif action == "reject_final":
                services.case_reject_final(case=case, reviewer=request.user, reason_code=code, reason_text=text)
            else:
                services.case_assign(case=case, reviewer=request.user)
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)
        else:
            self.message_user(
                request, _("Done: %(action)s.") % {"action": dict(ReviewForm.ACTIONS)[action]}, messages.SUCCESS
            )
        return back


class SuspendForm(forms.Form):
    """The suspend action's intermediate step: why (a code from the fixed list) and what the partner reads."""

    reason_code = forms.ChoiceField(
        label=_("Reason"), choices=[("", _("— Choose a reason —")), *SuspensionReason.choices]
    )
    reason_text = forms.CharField(
        label=_("Sentence the partner reads"),
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("Emailed to the primary contact and the Global admins, and shown on their program page."),
    )


@admin.register(ProgramEnrollment)
class ProgramEnrollmentAdmin(admin.ModelAdmin):
    list_display = [
        "organization",
        "program",
        "status",
        "suspension_reason_code",
        "submitted_at",
        "authorized_at",
        "credit_check_status",
        "transition_requested_at",
    ]
    list_filter = ["program", "status", "suspension_reason_code", "credit_check_status"]
    search_fields = ["organization__legal_name", "contact_email", "legal_name"]
    list_select_related = ["organization"]
    readonly_fields = [field.name for field in ProgramEnrollment._meta.fields]
    actions = ["pass_credit_check", "fail_credit_check", "approve_transition", "suspend", "reinstate"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _apply(self, request, queryset, label, call):
        done = 0
        for enrollment in queryset:
            try:
                call(enrollment)
                done += 1
            except ApplicationError as exc:
                self.message_user(request, f"{enrollment}: {exc.message}", messages.ERROR)
        if done:
            self.message_user(
                request, _("%(label)s: %(count)d enrolment(s).") % {"label": label, "count": done}, messages.SUCCESS
            )

    @admin.action(description=_("Record credit check: passed"))
    def pass_credit_check(self, request, queryset):
        self._apply(
            request,
            queryset,
            _("Credit check passed"),
            lambda e: services.enrollment_record_credit_check(enrollment=e, reviewer=request.user, passed=True),
        )

    @admin.action(description=_("Record credit check: failed"))
    def fail_credit_check(self, request, queryset):
        self._apply(
            request,
            queryset,
            _("Credit check failed"),
            lambda e: services.enrollment_record_credit_check(enrollment=e, reviewer=request.user, passed=False),
        )

    @admin.action(description=_("Approve the move to indirect reseller"))
    def approve_transition(self, request, queryset):
        self._apply(
            request,
            queryset,
            _("Move approved"),
            lambda e: services.enrollment_approve_transition(enrollment=e, reviewer=request.user),
        )

    def _confirm(self, request, queryset, *, action: str, title: str, button: str, form=None):
        """The intermediate page of an action (Django's delete_selected pattern): the selected enrolments, the
        form, and the same action posted again with "apply"."""
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "button": button,
            "opts": self.model._meta,
            "enrollments": queryset.select_related("organization"),
            "form": form,
            "action": action,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/enrollment/programenrollment/action_confirm.html", context)

    @admin.action(description=_("Suspend the program (reason code, email to the partner)"))
    def suspend(self, request, queryset):
        """Suspend with a reason code and a sentence: asked on an intermediate page, then applied to each."""
        form = SuspendForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            code, text = form.cleaned_data["reason_code"], form.cleaned_data["reason_text"]
            self._apply(
                request,
                queryset,
                _("Suspended"),
                lambda e: services.enrollment_suspend(
                    enrollment=e, reviewer=request.user, reason_code=code, reason_text=text
                ),
            )
            return None
        return self._confirm(
            request, queryset, action="suspend", title=_("Suspend these programs"), button=_("Suspend"), form=form
        )

    @admin.action(description=_("Reinstate (lift the suspension)"))
    def reinstate(self, request, queryset):
        """Lift the suspension after a confirmation page that shows each one's reason; the partner is emailed."""
        if "apply" in request.POST:
            self._apply(
                request,
                queryset,
                _("Reinstated"),
                lambda e: services.enrollment_reinstate(enrollment=e, actor=request.user),
            )
            return None
        return self._confirm(
            request, queryset, action="reinstate", title=_("Reinstate these programs"), button=_("Reinstate")
        )


@admin.register(PartnerId)
class PartnerIdAdmin(admin.ModelAdmin):
    list_display = ["number", "kind", "organization", "business_name", "country", "csp_associated"]
    list_filter = ["kind", "csp_associated"]
    search_fields = ["=number", "business_name", "organization__legal_name"]
    list_select_related = ["organization"]
    readonly_fields = [field.name for field in PartnerId._meta.fields]

    def has_add_permission(self, request):
        return False  # issued by the platform only
