from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnrollmentConfig(AppConfig):
    name = "enrollment"
    verbose_name = _("Enrollment and verification")

    def ready(self) -> None:
        from . import pending_actions, receivers  # noqa: F401  (dashboard actions, signal receivers)
