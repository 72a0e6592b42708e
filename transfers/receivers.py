"""How the transfers app answers enrollment's question: may a direct-bill move complete?"""

from django.dispatch import receiver

from customers.models import Subscription
from enrollment.signals import transition_customers_waiting
from partnerhub.core import rls


@receiver(transition_customers_waiting, dispatch_uid="transfers.customers_waiting")
def customers_waiting(sender, enrollment, **kwargs) -> int:
    """Customers to which the partner still sells active subscriptions itself (they have not moved yet)."""
    with rls.elevated("transfer:transition-status"):  # asked from staff's admin and the provider's acceptance
        return (
            Subscription.objects.filter(partner=enrollment.organization_id, status=Subscription.Status.ACTIVE)
            .values("customer_id")
            .distinct()
            .count()
        )
