from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The pages around the apps: dashboard, activity log, notifications, language choice and health.

    The top floor of the portal: it may import every app, and no app imports it."""

    name = "partnerhub.portal"
    label = "portal"
