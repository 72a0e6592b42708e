from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "partnerhub.core"
    label = "core"
    verbose_name = _("Core: audit, outbox, notifications")

    def ready(self) -> None:
        from . import (
            rls,
            scoping,  # noqa: F401 — registers the check on the test-only scoping switch
            task_connections,
        )

        task_connections.connect_celery_signals()  # first: a task's context goes on a connection fit to use
        rls.connect_celery_signals()
        from .observability import logs, metrics

        logs.connect_celery_signals()  # the request id travels with the tasks a request enqueues
        metrics.connect_celery_signals()  # task failures counted in Redis, across worker processes
        # The row-level security context keys, written as the owner after every migrate (rls.sync_keys).
        post_migrate.connect(rls._sync_keys_after_migrate, sender=self, dispatch_uid="partnerhub.rls.sync_keys")
