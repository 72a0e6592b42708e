"""ASGI entry point, for completeness; PartnerHub is served over WSGI."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partnerhub.settings.production")

application = get_asgi_application()
