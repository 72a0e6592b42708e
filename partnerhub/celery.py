"""The Celery application: configured from Django settings (CELERY_*), tasks autodiscovered."""

import os

from celery import Celery

from partnerhub.core.observability.logs import connect_celery_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partnerhub.settings.dev")

app = Celery("partnerhub")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# LOG_FORMAT=json: the worker's and beat's log handlers (Celery sets them up) write JSON with the request id.
connect_celery_logging()
