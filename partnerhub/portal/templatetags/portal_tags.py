"""The layout's main menu, rendered once per process for each of its few variants.

Every signed-in page draws the same menu: about twenty links, each a `{% url %}` and a `{% translate %}`, and
the billing right of the acting membership. It was a tenth of the dashboard's Python work (bench/load/
profile_page.py). Its HTML depends only on the acting organization's kind, that right, the language and the
URL prefix, so it is kept here under exactly that key, in this process's memory: no shared cache, nothing to
invalidate (the URL map and the catalogues do not change while a process runs), and nothing of a tenant or a
user in it. The organization's name, the user's name, the organization switcher and every form (CSRF token,
return path) stay in base.html and are rendered for each request.
"""

from __future__ import annotations

from django import template
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

register = template.Library()

MENU_TEMPLATE = "includes/main_menu.html"
_menus: dict[tuple[str, bool, str | None, str], SafeString] = {}


def main_menu_html(*, kind: str, may_bill: bool) -> SafeString:
    """The menu for an organization of `kind` whose acting membership may (or may not) see billing, in the active
    language; rendered on first use, then read from memory."""
    key = (kind, may_bill, get_language(), get_script_prefix())
    html = _menus.get(key)
    if html is None:
        html = mark_safe(render_to_string(MENU_TEMPLATE, {"kind": kind, "may_bill": may_bill}).strip())  # noqa: S308 - our template's output
        _menus[key] = html
    return html


@register.simple_tag(takes_context=True)
def main_menu(context) -> SafeString:
    """`{% main_menu %}`: the acting organization's menu (base.html shows it only to a signed-in member)."""
    request = context["request"]
    may_bill = request.user.has_perm("billing.view_billing", request.membership)
    return main_menu_html(kind=context["acting_organization"].kind, may_bill=may_bill)
