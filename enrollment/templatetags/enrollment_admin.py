from django import template
from django.utils import timezone

from enrollment.models import VerificationCase

register = template.Library()


@register.simple_tag
def overdue_case_count() -> int:
    """Cases in review past their decision date, for the admin index."""
    return VerificationCase.objects.filter(
        status=VerificationCase.Status.IN_REVIEW, sla_due_at__lte=timezone.now()
    ).count()
