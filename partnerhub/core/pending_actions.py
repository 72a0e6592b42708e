"""The dashboard's "Pending actions": each app registers what it knows an organization should do.

core and accounts sit below the feature apps and cannot import them, so features register a
provider function in their AppConfig.ready(); the dashboard asks every provider.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class PendingAction:
    key: str  # stable id, also the test id on the page
    title: str
    description: str
    url: str
    link_text: str
    urgent: bool = False


Provider = Callable[..., list[PendingAction]]
_providers: list[Provider] = []


def register(provider: Provider) -> Provider:
    """Add a provider: `provider(request) -> list[PendingAction]`. Usable as a decorator."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def collect(request) -> list[PendingAction]:
    actions: list[PendingAction] = []
    for provider in _providers:
        actions.extend(provider(request))
    return sorted(actions, key=lambda action: not action.urgent)
