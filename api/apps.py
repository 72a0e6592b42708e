from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "API and webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import schema  # noqa: F401 - registers the OpenAPI security scheme of the API's authentication
        from .webhooks import (
            events,  # noqa: F401 - connects the audit log to the webhooks' outbox
            metrics,
        )

        metrics.register()  # the deliveries' backlog on /metrics
