from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "partnerhub.accounts"
    label = "accounts"
    verbose_name = _("Accounts and organizations")

    def ready(self) -> None:
        from . import mfa, pending_actions, receivers, sessions  # noqa: F401  (dashboard actions, sign-in events)

        receivers.connect_last_login()
