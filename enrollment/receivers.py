"""Reactions to events of the lower apps."""

from django.dispatch import receiver

from partnerhub.accounts.signals import organization_created

from .services import partner_id_issue_global


@receiver(organization_created, dispatch_uid="enrollment.issue_global_partner_id")
def issue_global_partner_id(sender, organization, **kwargs) -> None:
    """Every organization gets its global partner ID when it is created."""
    partner_id_issue_global(organization=organization)
