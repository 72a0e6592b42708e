"""The layout's fixed parts, rendered once per process for each of their few variants.

Every signed-in page draws the same menu: about twenty links, each a `{% url %}` and a `{% translate %}`, and
the billing right of the acting membership. It was a tenth of the dashboard's Python work (bench/load/
profile_page.py). Its HTML depends only on the acting organization's kind, that right, the language and the
URL prefix, so it is kept here under exactly that key, in this process's memory: no shared cache, nothing to
invalidate (the URL map and the catalogues do not change while a process runs), and nothing of a tenant or a
user in it. The same holds for the language choices and the account links of the user's menu
(`{% layout_fragment %}`: language and URL prefix only). The organization's name, the user's name, the
organization switcher and every form (CSRF token, return path) stay in base.html and are rendered for each
request.
"""

from __future__ import annotations

from django import template
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

register = template.Library()

MENU_TEMPLATE = "includes/main_menu.html"
# Bounded: (template, kind, billing right) variants × languages × URL prefixes, each a few KB.
_menus: dict[tuple, SafeString] = {}


def _rendered_once(key: tuple, template_name: str, context: dict) -> SafeString:
    key = (*key, get_language(), get_script_prefix())
    html = _menus.get(key)
    if html is None:
        html = mark_safe(render_to_string(template_name, context).strip())  # noqa: S308 - our template's output
        _menus[key] = html
    return html


def main_menu_html(*, kind: str, may_bill: bool) -> SafeString:
    """The menu for an organization of `kind` whose acting membership may (or may not) see billing, in the active
    language; rendered on first use, then read from memory."""
    return _rendered_once((MENU_TEMPLATE, kind, may_bill), MENU_TEMPLATE, {"kind": kind, "may_bill": may_bill})


@register.simple_tag(takes_context=True)
def main_menu(context) -> SafeString:
    """`{% main_menu %}`: the acting organization's menu (base.html shows it only to a signed-in member)."""
    request = context["request"]
    may_bill = request.user.has_perm("billing.view_billing", request.membership)
    return main_menu_html(kind=context["acting_organization"].kind, may_bill=may_bill)


# The fragments `{% layout_fragment %}` may render: templates that read nothing but the language.
LAYOUT_FRAGMENTS = frozenset({"includes/language_options.html", "includes/account_links.html"})


@register.simple_tag
def layout_fragment(template_name: str) -> SafeString:
    """`{% layout_fragment "includes/…html" %}`: a part of the layout that depends only on the language, rendered
    once per process and language. Only the templates listed in LAYOUT_FRAGMENTS: one that read a user's or a
    tenant's data would show it to everyone."""
    if template_name not in LAYOUT_FRAGMENTS:
        raise template.TemplateSyntaxError(f"{template_name} is not a language-only layout fragment")
    return _rendered_once((template_name,), template_name, {})
