from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    name = "access"
    verbose_name = _("Admin relationships")

    def ready(self) -> None:
        from . import receivers, rules  # noqa: F401
