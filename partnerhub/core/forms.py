"""Two small habits shared by every form view."""

from __future__ import annotations

from .errors import ApplicationError


def posted(request):
    """The POST data when the request is a POST, else None (so an empty POST still binds the form)."""
    return request.POST if request.method == "POST" else None


def add_service_error(form, exc: ApplicationError) -> None:
    """Show a service's refusal next to its field, or at the top when that field isn't visible."""
    visible = exc.field in form.fields and not form.fields[exc.field].widget.is_hidden
    form.add_error(exc.field if visible else None, exc.message)
