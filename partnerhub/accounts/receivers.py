"""Reactions to allauth's events."""

from allauth.account.signals import password_changed, password_reset
from django.dispatch import receiver


@receiver(password_changed, dispatch_uid="accounts.clear_temporary_password")
@receiver(password_reset, dispatch_uid="accounts.clear_temporary_password_on_reset")
def clear_temporary_password(sender, request, user, **kwargs) -> None:
    """A user who chose their own password no longer holds a temporary one."""
    if user.must_change_password:
        user.must_change_password = False
        user.save(update_fields=["must_change_password"])
