from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "partnerhub.core"
    label = "core"
    verbose_name = _("Core: audit, outbox, notifications")

    def ready(self) -> None:
        from . import (
            rls,
            scoping,  # noqa: F401 — registers the check on the test-only scoping switch
        )

        rls.connect_celery_signals()
