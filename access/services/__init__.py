"""Admin relationships: the state machine, the sweep, and acting in a customer's account."""

from .acting import (
    customer_user_create,
    customer_user_password_reset,
    license_assign,
    license_unassign,
)
from .relationships import (
    admin_relationship_approve,
    admin_relationship_assignments_set,
    admin_relationship_auto_extend_set,
    admin_relationship_default_create,
    admin_relationship_reject,
    admin_relationship_request,
    admin_relationship_terminate,
    admin_relationships_terminate_all,
    relationship_from_link,
    sweep_admin_relationships,
)

__all__ = [
    "admin_relationship_approve",
    "admin_relationship_assignments_set",
    "admin_relationship_auto_extend_set",
    "admin_relationship_default_create",
    "admin_relationship_reject",
    "admin_relationship_request",
    "admin_relationship_terminate",
    "admin_relationships_terminate_all",
    "customer_user_create",
    "customer_user_password_reset",
    "license_assign",
    "license_unassign",
    "relationship_from_link",
    "sweep_admin_relationships",
]
