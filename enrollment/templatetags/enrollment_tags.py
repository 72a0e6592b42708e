from django import template

from enrollment.models import Step
from enrollment.status import history_label

register = template.Library()

register.filter("history_label", history_label)


@register.filter
def step_label(code: str) -> str:
    """A step's translated name ("Business", "Entreprise"), never its code."""
    return str(Step(code).label) if code in Step.values else code
