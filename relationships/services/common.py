"""What every relationships service raises."""

from __future__ import annotations

from partnerhub.core.errors import ApplicationError


class RelationshipsError(ApplicationError):
    """A rule of the directory or of partnerships was broken."""
