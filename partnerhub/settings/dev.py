"""Local development: `make run`. Debug on, emails printed by the console backend unless set."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
EMAIL_BACKEND = env("EMAIL_BACKEND", default="anymail.backends.console.EmailBackend")
# runserver serves static files from the app and project folders; no collectstatic needed.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
# No manifest either: it is written by collectstatic, which development never runs.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
# `make run` delivers the demo's webhooks to its own receiver on loopback over plain http (demo/receiver.py).
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env.bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", default=True)
