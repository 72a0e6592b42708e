"""The one way a model's status changes: its allowed moves in one place (the VerificationCase pattern)."""

from __future__ import annotations

from typing import ClassVar

from django.utils.translation import gettext_lazy as _

from partnerhub.core.errors import ApplicationError


class StatusTransitions:
    """For a model with a nested `Status` (TextChoices) and a `status` field.

    `TRANSITIONS` maps each status to the statuses it may become. `move_to` changes `status`, or raises
    `transition_error` when the map forbids the move (nothing saved): the service locks the row, checks its
    own rules first (with the message the partner reads), moves, saves with update_fields and writes the
    audit row, as STYLE.md says."""

    TRANSITIONS: ClassVar[dict[str, set[str]]] = {}
    transition_error: ClassVar[type[ApplicationError]] = ApplicationError

    def can_move_to(self, status: str) -> bool:
        return status in self.TRANSITIONS[self.Status(self.status)]  # type: ignore[attr-defined]

    def move_to(self, status: str) -> None:
        if not self.can_move_to(status):
            raise self.transition_error(
                _("This can't change from %(current)s to %(target)s.")
                % {"current": self.get_status_display(), "target": self.Status(status).label},  # type: ignore[attr-defined]
                code="illegal_transition",
            )
        self.status = status
