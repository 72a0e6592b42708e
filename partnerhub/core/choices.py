"""`get_<field>_display()` at the cost of a dictionary lookup, for the models whose labels fill list pages.

Django's own `Model._get_FIELD_display` rebuilds a dict of the field's choices at every call, hashing each lazy
label, which translates it: a status column of 25 rows costs 25 × (number of choices) translations, and the
subscription list showed two such columns (measured with bench/load/profile_page.py: about a sixth of the
page's Python time). Here the labels of a field are translated once per language and kept for the life of
the process: the choices are class attributes and the catalogues do not change while it runs.
"""

from __future__ import annotations

from typing import Any

from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import get_language

# (field, language) → {value: label}. Bounded by fields with choices × languages; filled on first use.
_labels: dict[tuple[Any, str | None], dict[Any, Any]] = {}


def choice_labels(field, language: str | None) -> dict[Any, Any]:
    """The field's value → label map in `language` (the active one when called), as Django would render it."""
    key = (field, language)
    labels = _labels.get(key)
    if labels is None:
        labels = {
            make_hashable(value): force_str(label, strings_only=True)
            for value, label in make_hashable(field.flatchoices)
        }
        _labels[key] = labels
    return labels


class ChoiceLabels:
    """Mixin for a model (before `models.Model` in its bases): its `get_<field>_display()` methods read the
    cached labels. The result is Django's: the label of the value in the active language, or the value itself
    when it is not one of the choices."""

    def _get_FIELD_display(self, field) -> Any:  # noqa: N802 - the name Django's get_<field>_display() calls
        value = getattr(self, field.attname)
        return choice_labels(field, get_language()).get(make_hashable(value), force_str(value, strings_only=True))
