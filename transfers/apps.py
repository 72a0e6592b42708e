from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransfersConfig(AppConfig):
    name = "transfers"
    verbose_name = _("Transfers")

    def ready(self) -> None:
        from . import receivers, rules  # noqa: F401 - registers the signal receivers and the permissions
