"""`make test`: the real database and Redis; fast hashing; per-process cache for rate limits."""

import os
import uuid

from .base import *  # noqa: F403
from .base import env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# allauth's rate limits live in the cache: a per-process cache that each test clears keeps them
# from leaking between tests (a shared Redis cache made them flaky).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Most tests sign Global admins in with force_login, which skips allauth's two-step verification; the rule
# is tested with it on in tests/security/test_auth_sessions.py.
MFA_REQUIRED_FOR_ADMINS = False
# Many workflow tests move the clock days ahead (time-machine) with a signed-in client; the idle and absolute
# session limits would sign it out. tests/security/test_auth_sessions.py tests them with base.py's values.
SESSION_IDLE_TIMEOUT_SECONDS = 0
SESSION_COOKIE_AGE = 400 * 24 * 3600
SITE_URL = "http://testserver"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = env("MEDIA_ROOT", default="/tmp/partnerhub-test-media")  # noqa: S108
# Each pytest-xdist worker consumes its own queue, so its Celery worker never runs another
# process's task against the wrong test database.
CELERY_TASK_DEFAULT_QUEUE = f"partnerhub-test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{os.getpid()}"
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60, "socket_connect_timeout": 2, "socket_timeout": 5}
# Static files come from the finders; there is no collectstatic output in a test run.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
# Look static files up when asked, instead of listing every finder's files whenever a test Client
# builds its middleware (a quarter of a second per Client, paid by nearly every test).
WHITENOISE_AUTOREFRESH = True
# The test databases are created and migrated as the owner; tests/conftest.py then connects as the app's
# role (DATABASE_APP_ROLE), so every test runs under row-level security as production does.
if env("DATABASE_OWNER_URL", default=""):
    DATABASES["default"] = {**DATABASES["default"], **env.db("DATABASE_OWNER_URL")}  # noqa: F405
# Live-server and Celery worker threads must not keep connections open, or the test database
# cannot be dropped at the end of the run.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
# Tenant isolation sweep only (tests/security/): True turns the application's tenant scope off so that
# row-level security alone must hold. Honoured under this settings module only (partnerhub/core/scoping.py).
TENANT_SCOPING_DISABLED_FOR_TESTS = False
# The API's request budgets live in Redis, which outlives a test database: a budget spent by the previous run (or
# another process) within the same minute must not refuse this one's calls. tests/api/test_clients.py tests them.
API_RATELIMIT_NAMESPACE = f"partnerhub-test:{os.getpid()}:{uuid.uuid4().hex[:8]}"
