from django import template

from enrollment.status import history_label

register = template.Library()

register.filter("history_label", history_label)
