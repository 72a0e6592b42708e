from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RelationshipsConfig(AppConfig):
    name = "relationships"
    verbose_name = _("Provider directory and partnerships")

    def ready(self) -> None:
        from . import pending_actions, receivers  # noqa: F401
