"""The operators' view of the audit trail, the outbox and notifications."""

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.html import escape, format_html, urlize
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent, Notification, OutboundEmail
from .outbox import outbound_email_enqueue
from .outbox_sealing import UnreadableBody, redact_text, split_masked_links


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "code", "organization", "actor", "object_repr", "ip_address"]
    list_filter = ["code"]
    search_fields = ["code", "object_repr", "actor__email", "organization__legal_name"]
    list_select_related = ["organization", "actor"]
    date_hierarchy = "created_at"


@admin.register(OutboundEmail)
class OutboundEmailAdmin(ReadOnlyAdmin):
    """Every email PartnerHub sends, readable with its links cut short.

    The stored bodies are encrypted (and redacted once sent); staff read a redacted rendering only,
    never a live reset key or invitation link, whether the email is sent yet or not."""

    list_display = ["created_at", "to", "subject", "status", "attempts", "sent_at"]
    list_filter = ["status", "template"]
    search_fields = ["to", "subject"]
    date_hierarchy = "created_at"
    actions = ["requeue"]
    fields = (
        "to", "subject", "template", "organization", "status", "attempts", "last_error",
        "created_at", "send_after", "sent_at", "esp_message_id", "idempotency_key", "readable_body",
    )  # fmt: skip
    readonly_fields = fields

    def get_queryset(self, request):
        # The list needs no body: no decryption per row. The detail page loads them when it shows one.
        return super().get_queryset(request).defer("body_text", "body_html")

    @admin.display(description=_("Message (links that may carry a secret are cut short)"))
    def readable_body(self, obj):
        if isinstance(obj.body_text, UnreadableBody):
            return format_html("<p>{}</p>", _("This body was sealed with a key that is not in OUTBOX_ENCRYPTION_KEYS."))
        # urlize escapes the text around the links it makes (autoescape=True); a masked link stays text.
        linked = mark_safe(  # noqa: S308
            "".join(
                escape(part) if masked else urlize(part, nofollow=True, autoescape=True)
                for part, masked in split_masked_links(redact_text(obj.body_text))
            )
        )
        return format_html('<pre style="white-space: pre-wrap">{}</pre>', linked)

    def has_change_permission(self, request, obj=None):
        return request.user.is_staff  # to view the detail page; every field is read-only

    @admin.action(description=_("Send again (failed or stuck emails)"))
    def requeue(self, request, queryset):
        rows = list(queryset.exclude(status=OutboundEmail.Status.SENT).values_list("pk", flat=True))
        # The status is checked again in the UPDATE: a row sent since the list was read stays sent.
        OutboundEmail.objects.filter(pk__in=rows).exclude(status=OutboundEmail.Status.SENT).update(
            status=OutboundEmail.Status.QUEUED, send_after=timezone.now(), attempts=0
        )
        for pk in rows:
            outbound_email_enqueue(email_id=pk)
        self.message_user(request, _("%(count)d email(s) queued again.") % {"count": len(rows)}, messages.SUCCESS)


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "title", "read_at"]
    search_fields = ["user__email", "title"]
    list_select_related = ["user"]
