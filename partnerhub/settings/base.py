"""Settings shared by every run mode. Every knob comes from the environment (see .env.example)."""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

from partnerhub.core.observability.errors import sentry_init

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A developer's own overrides first, then the URLs of the embedded servers that `make run` /
# `make test` started (written by partnerhub.embedded), so `manage.py shell` just works afterwards.
# Variables already in the environment always win.
environ.Env.read_env(BASE_DIR / ".env")
environ.Env.read_env(BASE_DIR / ".data" / "embedded.env")

# SECTION: core

SECRET_KEY = env("SECRET_KEY", default="dev-only-secret-key-change-me-0123456789-abcdefghijklmnopqrstuvwxyz")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
# Every absolute link in an email is built from SITE_URL, never from the request's Host header.
SITE_URL = env("SITE_URL", default="http://localhost:8000").rstrip("/")
SITE_NAME = "PartnerHub"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    # third party
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "rules.apps.AutodiscoverRulesConfig",
    "django_countries",
    "phonenumber_field",
    "django_htmx",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_celery_beat",
    "anymail",
    "rest_framework",
    "oauth2_provider",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # ours, lowest layer first
    "partnerhub.core",
    "partnerhub.accounts",
    "enrollment",
    "agreements",
    "relationships",
    "customers",
    "access",  # admin relationships (GDAP): the roles a partner's users hold in a customer's account
    "transfers",  # partner-to-partner transfers of subscriptions, and the direct-bill move riding on them
    "billing",  # price lists, rated charges, invoices, credit notes, payments and credit limits between the tiers
    "partnerhub.portal",  # the pages around the apps; may use every app
    "api",  # the REST API and webhooks: thin views over every app's services and selectors
    "demo",  # the demo seed may use every app (the benchmark's seeder is installed only by bench.settings)
]

MIDDLEWARE = [
    "partnerhub.core.observability.logs.RequestIdMiddleware",  # first: every log line of the request has its id
    "partnerhub.core.observability.metrics.MetricsMiddleware",  # times the rest; idle unless METRICS_TOKEN is set
    "django.middleware.security.SecurityMiddleware",
    "partnerhub.core.security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "partnerhub.accounts.sessions.SessionTimeoutMiddleware",
    "partnerhub.core.rls.TenantContextMiddleware",  # one transaction per request, its RLS context first
    "partnerhub.accounts.middleware.IdentityFlowMiddleware",  # sign-in, sign-up, reset: see docs/identity-rls.md
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "partnerhub.core.context.RequestContextMiddleware",
    "partnerhub.accounts.middleware.ActingOrganizationMiddleware",
    "partnerhub.accounts.mfa.MfaRequiredMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
]

ROOT_URLCONF = "partnerhub.urls"
WSGI_APPLICATION = "partnerhub.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "partnerhub.portal.context_processors.portal",
            ],
        },
    },
]

# SECTION: database

DATABASES = {"default": env.db("DATABASE_URL", default="postgres://postgres@localhost:5432/partnerhub")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Row-level security (partnerhub/core/rls.py): DATABASE_URL is the app's own role, which owns no table; the
# migrations run as the owner (DATABASE_OWNER_URL, defaulting to DATABASE_URL) and grant this role the data.
DATABASE_APP_ROLE = env("DATABASE_APP_ROLE", default="partnerhub_app")
# The key that signs the platform's row-level security bypass (rls.sign); the database keeps its HMAC pads
# where the app's role cannot read them. Empty: derived from SECRET_KEY (salted_hmac, fixed salt) when used.
# Rotation: the new key here, the old one in the fallback list, `manage.py rls_sync_keys` as the owner,
# restart, later drop the old one and sync again (README, Tenant isolation).
RLS_CONTEXT_KEY = env("RLS_CONTEXT_KEY", default="")
RLS_CONTEXT_KEYS_FALLBACK = env.list("RLS_CONTEXT_KEYS_FALLBACK", default=[])
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# SECTION: cache and broker (one Redis: db 0 = Celery broker, db 1 = cache)

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")


def _redis_db(url: str, db: int) -> str:
    """The same Redis server, another logical database."""
    base, _, last = url.rstrip("/").rpartition("/")
    return f"{base}/{db}" if last.isdigit() else f"{url.rstrip('/')}/{db}"


CACHES = {
    "default": {
        "BACKEND": "partnerhub.core.cache.ResilientRedisCache",  # a miss, not a 500, while Redis is down
        "LOCATION": env("CACHE_URL", default=_redis_db(REDIS_URL, 1)),
        "KEY_PREFIX": "partnerhub",
    }
}

# Sessions are read from the Redis cache (written through to PostgreSQL): no session query per page. The store
# is Django's cached_db reaching django_session only through functions keyed by the session key (the app's
# role has no privilege on the table: docs/identity-rls.md).
SESSION_ENGINE = "partnerhub.accounts.sessions"

# SECTION: authentication (django-allauth 65)

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    # allauth's, with its lookups by email under a named platform context (row-level security)
    "partnerhub.accounts.backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "core:dashboard"
ACCOUNT_ADAPTER = "partnerhub.accounts.adapter.PartnerHubAccountAdapter"
ACCOUNT_FORMS = {
    "signup": "partnerhub.accounts.forms.SignupForm",
    # Also finds an account by its confirmed recovery address (a customer admin's sign-in is no mailbox).
    "reset_password": "partnerhub.accounts.forms.ResetPasswordForm",
}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# Sensitive account changes (two-step set-up or removal, say) ask for the password again unless the user signed
# in or re-authenticated within this many seconds (the adapter counts a sign-in, which allauth does not).
ACCOUNT_REAUTHENTICATION_TIMEOUT = env.int("ACCOUNT_REAUTHENTICATION_TIMEOUT", default=300)
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[PartnerHub] "
# Brute force and credential stuffing (ASVS 6.1.1/6.3.1), without handing an attacker a lockout (issue 15;
# docs/sign-in-limits.md). Decision: allauth's limits, with PartnerHub's adapter doing the password step, not
# django-axes (a second sign-in pipeline, and a table outside the tenancy model). allauth counts one scope per
# rate (address *or* account), so "5 failures per account" locked the owner out from anywhere and "20 per
# address" locked out an office; the adapter (partnerhub/accounts/adapter.py) counts failed passwords per
# address+account with a stepped backoff, and per address and per account only for accounts never signed in
# from that address (THROTTLE_RATES "sign_in_failed_*" in partnerhub/core/throttle.py). What stays here:
# - login_failed: now only the two-step code step (allauth keys it per user): 5 wrong codes in 5 minutes, 30
#   a day; only someone who has the password gets there, and guessing 6 digits stays hopeless.
# - login: every sign-in POST from one address, a flood guard well above an office's morning.
# - signup as before; allauth's other defaults apply (reset_password 20/m/ip,5/m/key).
# ACCOUNT_RATE_LIMITS = False turns the adapter's sign-in limits off with allauth's (timing tests only).
ACCOUNT_RATE_LIMITS = {
    "login_failed": "5/5m/key,30/d/key",
    "login": "120/m/ip",
    "signup": "20/h/ip",
}
# The client address for these limits is REMOTE_ADDR, unless a number of trusted proxies in front appends it
# to X-Forwarded-For (set ALLAUTH_TRUSTED_PROXY_COUNT=1 behind one reverse proxy; never trust more than exist).
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("ALLAUTH_TRUSTED_PROXY_COUNT", default=0)
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "PartnerHub"
MFA_ADAPTER = "partnerhub.accounts.mfa_adapter.PartnerHubMFAAdapter"
# TOTP secrets and recovery-code seeds are stored encrypted (Fernet). Comma-separated Fernet keys: the first
# encrypts, all decrypt; rotation in docs/mfa-secrets.md. Empty: keys derived from SECRET_KEY (and its fallbacks).
MFA_ENCRYPTION_KEYS = env.list("MFA_ENCRYPTION_KEYS", default=[])
# Global admins (of any organization) and staff must use two-step verification (partnerhub/accounts/mfa.py).
MFA_REQUIRED_FOR_ADMINS = env.bool("MFA_REQUIRED_FOR_ADMINS", default=True)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# SECTION: tenancy

USER_INVITATION_TTL_DAYS = env.int("USER_INVITATION_TTL_DAYS", default=7)
# How long the link that confirms an account's recovery address (a customer admin's own mailbox) works.
RECOVERY_EMAIL_CONFIRM_DAYS = env.int("RECOVERY_EMAIL_CONFIRM_DAYS", default=7)

# SECTION: internationalization

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"  # Partner Center shows every date and time in UTC
USE_I18N = True
USE_TZ = True
# Kosovo is a CSP market (domain.md §8) but has no ISO 3166-1 code; XK is the code in common use.
COUNTRIES_OVERRIDE = {"XK": _("Kosovo")}
PHONENUMBER_DEFAULT_REGION = None

# SECTION: static and media files

STATIC_URL = "static/"
STATIC_ROOT: Path | None = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / ".data" / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# SECTION: email (always through the outbox; see partnerhub/core/mail.py)

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="127.0.0.1")
EMAIL_PORT = env.int("EMAIL_PORT", default=1025)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="PartnerHub <noreply@partnerhub.localhost>")
SERVER_EMAIL = env("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
ANYMAIL = {
    "POSTMARK_SERVER_TOKEN": env("POSTMARK_SERVER_TOKEN", default=""),
    "WEBHOOK_SECRET": env("ANYMAIL_WEBHOOK_SECRET", default=""),
}
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=8)
# A queued row older than this is handed to a worker again by the sweep (broker down, worker killed).
OUTBOX_STALE_AFTER_SECONDS = env.int("OUTBOX_STALE_AFTER_SECONDS", default=120)
# How many emails one batch task sends over one ESP connection (the sweep drains backlogs in batches).
OUTBOX_BATCH_SIZE = env.int("OUTBOX_BATCH_SIZE", default=50)
# A batch owns the rows it claimed this long and starts no send after half of it; the rows of a batch
# whose worker died are due again when it ends.
OUTBOX_BATCH_CLAIM_SECONDS = env.int("OUTBOX_BATCH_CLAIM_SECONDS", default=180)
# Fernet keys the outbox seals email bodies with (reset keys and invitation links inside): the first
# encrypts, every one decrypts. "derived" stands for keys derived from SECRET_KEY and its fallbacks,
# the default. Rotation: docs/outbox-secrets.md.
OUTBOX_ENCRYPTION_KEYS = env.list("OUTBOX_ENCRYPTION_KEYS", default=["derived"])

# SECTION: Celery

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None  # workflow state lives in PostgreSQL, not in task results
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True  # redelivered if the worker dies mid-task…
CELERY_TASK_REJECT_ON_WORKER_LOST = True  # …even on SIGKILL/OOM, so every task is idempotent
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT = 10.0
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,  # longer than any task runs; no task waits in the broker (no long ETAs)
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
# A request that enqueues while Redis is down must not hang: fail fast, the outbox sweep catches up.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_TASK_TIME_LIMIT = 120
CELERY_TASK_SOFT_TIME_LIMIT = 90
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="partnerhub")
# A pool process keeps its database connection for this many tasks (0: Celery's default, a new connection for
# every task, which costs more CPU than a one-email task's own work: bench/README.md "make bench-mail").
# core/task_connections.py closes a connection a task left unusable (killed mid-query, ended by the server)
# before the next task, and honours CONN_MAX_AGE.
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1000)
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    # Hands queued emails that never reached a worker (broker down, worker killed) back to Celery,
    # and retries failed sends once their backoff has passed.
    "sweep-outbound-email": {"task": "partnerhub.core.tasks.sweep_outbound_email_task", "schedule": 60.0},
    # Exports: retries or fails jobs whose worker died, re-queues jobs that never reached a worker, and
    # deletes the files of expired exports (customers/services/exports.py).
    "sweep-exports": {"task": "customers.tasks.export_jobs_sweep_task", "schedule": 300.0},
}

# SECTION: CSV exports (customers/services/exports.py)

# An export of more rows than this (a capped count decides) is written by a worker, with a progress page,
# a download link and an email, never streamed by a request that a proxy or gunicorn timeout could cut short.
EXPORT_STREAM_MAX_ROWS = env.int("EXPORT_STREAM_MAX_ROWS", default=10_000)
# Rows per write of a streamed export (one write per row made a million rows a million writes).
EXPORT_CHUNK_ROWS = env.int("EXPORT_CHUNK_ROWS", default=1_000)
# Rows per keyset-paged query and per progress update of a background export.
EXPORT_TASK_CHUNK_ROWS = env.int("EXPORT_TASK_CHUNK_ROWS", default=5_000)
# Hours a finished export stays downloadable; then the sweep deletes the file and marks the job expired.
EXPORT_FILE_HOURS = env.int("EXPORT_FILE_HOURS", default=72)
# A running export whose worker has not reported progress for this long is presumed dead (killed, OOM).
EXPORT_STALE_AFTER_SECONDS = env.int("EXPORT_STALE_AFTER_SECONDS", default=300)
# Attempts of one export before the sweep fails it with an error the page shows.
EXPORT_MAX_ATTEMPTS = env.int("EXPORT_MAX_ATTEMPTS", default=3)
# Hard time limit of one export task (the global CELERY_TASK_TIME_LIMIT is for short tasks).
EXPORT_TASK_TIME_LIMIT = env.int("EXPORT_TASK_TIME_LIMIT", default=1800)

# SECTION: sessions (ASVS 7.3; partnerhub/accounts/sessions.py)

# Absolute lifetime: a session ends this long after sign-in, however active (also the cookie's max age when
# "Remember me" is ticked; otherwise the cookie ends with the browser).
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 3600)
# Inactivity: a session unused this long is signed out (0: no idle limit).
SESSION_IDLE_TIMEOUT_SECONDS = env.int("SESSION_IDLE_TIMEOUT_SECONDS", default=30 * 60)
# "Last seen" is saved at most this often, so pages cost no session write; the idle limit is exact to it.
SESSION_ACTIVITY_RESOLUTION_SECONDS = env.int("SESSION_ACTIVITY_RESOLUTION_SECONDS", default=60)

# SECTION: security

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# The Content-Security-Policy (partnerhub/core/security.py); report-only to try a change without breaking pages.
CSP_REPORT_ONLY = env.bool("CSP_REPORT_ONLY", default=False)
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]  # RedisCache works; the check predates it
RATELIMIT_VIEW = "partnerhub.portal.views.ratelimited"  # 429 with a page instead of a bare 403
# Per-organization throttles (partnerhub/core/throttle.py, where every rate has its reason): override or add
# rates from the environment as JSON, e.g. THROTTLE_RATES='{"partner_email_send": "5/h,20/d"}'.
# RATELIMIT_ENABLE=False (make bench) turns them off too.
THROTTLE_RATES = env.json("THROTTLE_RATES", default={})
# Per-IP limits on the token links and sign-in. Only `make bench` turns them off: its load comes from one IP.
RATELIMIT_ENABLE = env.bool("RATELIMIT_ENABLE", default=True)
# Behind a proxy that overwrites it, the client's address is in a header (e.g. HTTP_X_FORWARDED_FOR);
# unset, it is REMOTE_ADDR. Never name a header a client can set past the proxy.
RATELIMIT_IP_META_KEY = env("RATELIMIT_IP_META_KEY", default=None)

# SECTION: logging

# LOG_FORMAT=json: one JSON object per line (time, level, logger, message, request_id, organization_id), for a
# log pipeline; plain (the default) is for people. Either way each record knows its request id
# (partnerhub/core/observability/logs.py), and the X-Request-Id header of the answer gives it to the user.
LOG_FORMAT = env.str("LOG_FORMAT", default="plain").lower()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request": {"()": "partnerhub.core.observability.logs.RequestLogFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "partnerhub.core.observability.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["request"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# SECTION: enrolment and verification (domain.md §2.3; DESIGN.md "multi-day waits")

VERIFICATION_SLA_BUSINESS_DAYS = env.int("VERIFICATION_SLA_BUSINESS_DAYS", default=5)
CONTACT_REMINDER_BUSINESS_DAYS = env.int("CONTACT_REMINDER_BUSINESS_DAYS", default=1)
CONTACT_VERIFICATION_LAPSE_DAYS = env.int("CONTACT_VERIFICATION_LAPSE_DAYS", default=30)
ACTION_NEEDED_CLOSE_DAYS = env.int("ACTION_NEEDED_CLOSE_DAYS", default=30)
VERIFICATION_MAX_REJECTIONS = env.int("VERIFICATION_MAX_REJECTIONS", default=3)
CREDIT_CHECK_SLA_BUSINESS_DAYS = env.int("CREDIT_CHECK_SLA_BUSINESS_DAYS", default=5)
VERIFICATION_DOCUMENT_MAX_BYTES = env.int("VERIFICATION_DOCUMENT_MAX_BYTES", default=10 * 1024 * 1024)
# An uploaded image (verification document, directory logo) is decoded whole to check it: at most this many pixels.
UPLOAD_IMAGE_MAX_PIXELS = env.int("UPLOAD_IMAGE_MAX_PIXELS", default=40_000_000)
# Overdue verification cases are reported here (empty: no email, the admin index still counts them).
OPERATOR_ALERT_EMAIL = env("OPERATOR_ALERT_EMAIL", default="operations@partnerhub.localhost")
CELERY_BEAT_SCHEDULE["sweep-verification-deadlines"] = {
    # Contact reminders, lapses, overdue flags and unanswered-case closures: deadlines are columns.
    "task": "enrollment.tasks.sweep_verification_deadlines_task",
    "schedule": 300.0,
}

# SECTION: agreements

# Accepting the partner agreement needs a sign-in (or re-authentication) at most this old.
AGREEMENT_REAUTHENTICATION_SECONDS = env.int("AGREEMENT_REAUTHENTICATION_SECONDS", default=600)
# A new partner-agreement version that requires re-acceptance: its Global admins are reminded this many days
# before the deadline staff set on the version (at once when the deadline is nearer).
AGREEMENT_REMINDER_DAYS = env.int("AGREEMENT_REMINDER_DAYS", default=14)
CELERY_BEAT_SCHEDULE["sweep-agreement-reacceptance"] = {
    # Reminders of a partner-agreement acceptance deadline: `remind_at` is a column, `reminded_at` the claim.
    "task": "agreements.tasks.sweep_agreement_reminders_task",
    "schedule": 300.0,
}

# SECTION: partnerships

PARTNERSHIP_INVITATION_TTL_DAYS = env.int("PARTNERSHIP_INVITATION_TTL_DAYS", default=30)
# New customers' tenant domains are <prefix>.<CUSTOMER_DOMAIN_SUFFIX>; their admin signs in as admin@<domain>.
CUSTOMER_DOMAIN_SUFFIX = env.str("CUSTOMER_DOMAIN_SUFFIX", default="onpartnerhub.example")
CUSTOMER_INVITATION_TTL_DAYS = env.int("CUSTOMER_INVITATION_TTL_DAYS", default=30)

# SECTION: API and webhooks (api/, README "The API")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.auth.ClientCredentialsAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.auth.HasPermission"],
    "DEFAULT_THROTTLE_CLASSES": ["api.limits.RequestBudget"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Cursor",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.problems.exception_handler",
    "UNAUTHENTICATED_USER": None,
    "PAGE_SIZE": 50,
}
# Client-credentials tokens only; a token lives API_TOKEN_SECONDS and is stored as its SHA-256 (RFC 9700).
API_TOKEN_SECONDS = env.int("API_TOKEN_SECONDS", default=900)
# django-oauth-toolkit's own models (named, so that migrations referring to them resolve).
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = "oauth2_provider.AccessToken"  # noqa: S105 - a model's name
OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL = "oauth2_provider.RefreshToken"  # noqa: S105
OAUTH2_PROVIDER_ID_TOKEN_MODEL = "oauth2_provider.IDToken"  # noqa: S105
OAUTH2_PROVIDER_GRANT_MODEL = "oauth2_provider.Grant"
OAUTH2_PROVIDER = {
    "ACCESS_TOKEN_EXPIRE_SECONDS": API_TOKEN_SECONDS,
    # Every RFC 9700 (OAuth 2.0 Security BCP) recommendation on, so that a weaker configuration fails the deploy
    # checks; only client credentials are used, but the other grants' doors stay shut too.
    **{
        f"COMPLIANT_BCP_RFC9700_{name}": True
        for name in (
            "IMPLICIT_GRANT",
            "PASSWORD_GRANT",
            "PKCE_METHOD",
            "ACCESS_TOKEN_TRANSPORT",
            "AUTHZ_RESPONSE_ISS",
            "TOKEN_STORAGE",
            "REFRESH_TOKEN",
            "REDIRECT_URI_SCHEME",
            "REDIRECT_URI_MATCHING",
            "PKCE_REQUIRED",
        )
    },
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
    "PKCE_REQUIRED": True,
    "SCOPES": {"api": "The PartnerHub API, with the client's roles"},
    "DEFAULT_SCOPES": ["api"],
    "OAUTH2_VALIDATOR_CLASS": "api.auth.ClientValidator",
}
# Requests a minute per organization and per API client (Partner Center's figure); staff may set another
# figure per organization in the admin (API limits). Counted in Redis, shared by every web process.
API_REQUESTS_PER_MINUTE = env.int("API_REQUESTS_PER_MINUTE", default=500)
API_RATELIMIT_REDIS_URL = env("API_RATELIMIT_REDIS_URL", default=_redis_db(REDIS_URL, 2))
API_RATELIMIT_NAMESPACE = "partnerhub:api"  # the budget keys' prefix (not from the environment)
# An Idempotency-Key's stored answer is replayed for this many hours.
API_IDEMPOTENCY_HOURS = env.int("API_IDEMPOTENCY_HOURS", default=24)
# Each API call's log row (client, method, path, status) is kept this many days.
API_CALL_LOG_DAYS = env.int("API_CALL_LOG_DAYS", default=30)
CELERY_BEAT_SCHEDULE["sweep-api-records"] = {
    # The call log's and the idempotency keys' retention, a batch at a time.
    "task": "api.tasks.sweep_api_records_task",
    "schedule": 3600.0,
}
# Webhook deliveries: per attempt timeout (seconds) and largest body sent / response read (bytes).
WEBHOOK_TIMEOUT_SECONDS = env.int("WEBHOOK_TIMEOUT_SECONDS", default=15)
WEBHOOK_MAX_PAYLOAD_BYTES = env.int("WEBHOOK_MAX_PAYLOAD_BYTES", default=20_000)
# Tests and local demos only: deliver to loopback/private addresses and plain http. Never in production.
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env.bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", default=False)
CELERY_BEAT_SCHEDULE["sweep-webhook-deliveries"] = {
    # Webhook retries are `next_attempt_at` columns (5 s … 24 h apart): the sweep queues those now due, and
    # deliveries whose hand-off was lost (api/webhooks/delivery.py).
    "task": "api.webhooks.tasks.webhook_sweep_task",
    "schedule": 30.0,
}
# Retry delays in seconds (nine: attempts 2 … 10); empty: Standard Webhooks' 5 s, 5 min, 30 min … 24 h. Only
# `make chaos` shortens them (bench/chaos/README.md), so that a receiver down for minutes recovers within the run.
WEBHOOK_RETRY_DELAYS = env.list("WEBHOOK_RETRY_DELAYS", cast=float, default=[])
# Certificate authorities webhook receivers' certificates are checked against (a PEM file); empty: the system's.
WEBHOOK_CA_BUNDLE = env.str("WEBHOOK_CA_BUNDLE", default="")
# Test events an endpoint may be sent per minute ("Send test event"; Partner Center allows 2).
WEBHOOK_TEST_EVENTS_PER_MINUTE = env.int("WEBHOOK_TEST_EVENTS_PER_MINUTE", default=3)
# After a secret rotation the previous secret also signs deliveries for this many hours.
WEBHOOK_SECRET_OVERLAP_HOURS = env.int("WEBHOOK_SECRET_OVERLAP_HOURS", default=24)
SPECTACULAR_SETTINGS = {
    "TITLE": "PartnerHub API",
    "DESCRIPTION": "The partner portal's REST API: the same rules, permissions and tenant isolation as the pages.",
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # "status" names several choice sets: the partnership invitations' gets a name of its own.
    "ENUM_NAME_OVERRIDES": {
        "PartnershipInvitationStatusEnum": "relationships.models.PartnershipInvitation.Status",
        "AdminRoleEnum": "access.roles.AdminRole",  # an admin relationship's roles, not a partner user's
        "OfferTermEnum": "customers.models.Offer.Term",  # an offer's, a line's and a subscription's term
    },
    # The document and its pages are public, as most APIs' are: they describe the API, never a tenant's data.
    "SERVE_PUBLIC": True,
    "SERVE_AUTHENTICATION": [],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    # api/schema.py: the Problem schema and 400/401/403/404/429 problem responses and the OAuth 2.0
    # client-credentials security on every operation, without each view repeating them.
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "api.schema.postprocess"],
    # Swagger UI from our static files (the sidecar), its script a separate file (SpectacularSwaggerSplitView:
    # no inline script under the Content-Security-Policy), and no call to swagger.io's validator. No deep links:
    # they put a link inside each operation's button (a control nested in a control, for a screen reader).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False, "validatorUrl": None, "persistAuthorization": False},
}
# --- admin relationships (access/) ---
CELERY_BEAT_SCHEDULE["sweep-admin-relationships"] = {
    # Admin relationships' deadlines (access/services/relationships.py): requests unanswered for 90 days
    # expire, relationships at their end auto-extend or expire, reminders 30 and 7 days before.
    "task": "access.tasks.sweep_admin_relationships_task",
    "schedule": 300.0,
}

# SECTION: subscription lifecycle (issue 18 §2)
CELERY_BEAT_SCHEDULE["sweep-subscription-renewals"] = {
    # Renew or expire subscriptions whose term ended (term_end is the deadline column, each claimed by a
    # conditional UPDATE), then the 30- and 7-day renewal reminders (claimed by reminded_30_for/_7_for).
    "task": "customers.tasks.subscription_renewals_sweep_task",
    "schedule": 900.0,
}

# SECTION: transfers

CELERY_BEAT_SCHEDULE["expire-transfers"] = {
    # Transfers unanswered 30 days after the request expire: `expires_at` is a column, the claim a conditional
    # UPDATE (transfers/services.py transfers_expire_due).
    "task": "transfers.tasks.transfers_expire_task",
    "schedule": 300.0,
}

# SECTION: billing

# The vendor's name and address as its invoices print them (the platform's staff bill providers and
# direct-bill partners in Django admin).
BILLING_VENDOR_NAME = env("BILLING_VENDOR_NAME", default="PartnerHub Cloud Ltd")
BILLING_VENDOR_ADDRESS = env("BILLING_VENDOR_ADDRESS", default="1 Cloud Street\\nDublin D02\\nIreland").replace(
    "\\n", "\n"
)

CELERY_BEAT_SCHEDULE["billing-cycles"] = {
    # Cycle charges of subscriptions billed in several cycles a term: `next_cycle_start` is the column.
    "task": "billing.tasks.billing_cycles_sweep_task",
    "schedule": 900.0,
}
CELERY_BEAT_SCHEDULE["billing-run"] = {
    # Each pair's billing day closes its period: `BillingProfile.next_run_on` is the column, the profile's
    # row lock the claim (billing/services/runs.py).
    "task": "billing.tasks.billing_run_task",
    "schedule": 900.0,
}
CELERY_BEAT_SCHEDULE["billing-overdue"] = {
    # Overdue reminders on the due date, +7 and +14 days (`Invoice.next_reminder_on` is the column, claimed by a
    # conditional UPDATE) and automatic order blocks past a profile's `auto_block_after_days`.
    "task": "billing.tasks.billing_overdue_sweep_task",
    "schedule": 3600.0,
}

# SECTION: observability (partnerhub/core/observability/, README "Deploy")

# Prometheus metrics at /metrics: a 404 while empty; set, a scrape must send `Authorization: Bearer <token>`.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# Error tracking: Sentry when SENTRY_DSN is set (no personal data sent; traces only if the rate is above 0).
SENTRY_DSN = env.str("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env.str("SENTRY_ENVIRONMENT", default="production")
SENTRY_RELEASE = env.str("SENTRY_RELEASE", default="")
SENTRY_TRACES_SAMPLE_RATE = env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0)
sentry_init(
    dsn=SENTRY_DSN,
    environment=SENTRY_ENVIRONMENT,
    release=SENTRY_RELEASE,
    traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
)
