"""Fixtures shared by the whole suite: organizations and their people, a real SMTP server, a
real Celery worker and Debian's Chromium; the scenario fixtures come from the tests.fixtures plugin."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import uuid

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from hypothesis import HealthCheck, settings

from partnerhub.accounts.models import Role
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.scenarios import PASSWORD  # noqa: F401 — tests.conftest.PASSWORD, read by the harness tests

# The scenario fixtures every app shares (an active provider, its resellers, a customer, an enrolment...).
pytest_plugins = ["tests.fixtures"]

# Hypothesis is deterministic in the whole suite: the same examples on every run (no test depends on the planner's
# mood), no example database, no per-example deadline (a request's time depends on the shared machine). The
# function-scoped fixtures (a world built once per test) are shared by all examples on purpose: each example runs
# in a savepoint that is rolled back. Loaded here, before any test module applies its own @settings.
settings.register_profile(
    "partnerhub",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=False,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("partnerhub")

# Playwright's sync API runs an event loop in the test thread; Django must still allow ORM calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


# --- markers: what `make test-fast` leaves out ------------------------------------------------------------

# Each directory's tests carry its marker; a test that takes a real Celery worker or SMTP server carries one too.
DIRECTORY_MARKERS = {"browser": "browser", "harness": "harness", "bench": "bench", "deploy": "deploy"}
FIXTURE_MARKERS = {"celery_worker": "worker", "smtp_server": "smtp", "timing": "slow"}  # timing: a slow hasher
# `slow`: what `make test-fast` (-m "not slow") skips: every browser, worker and harness test, and the long
# runs below (sweeps, Hypothesis, seeding, subprocesses, and single tests measured at ~30 s). `make test` runs
# everything.
SLOW_MARKERS = {"browser", "worker", "harness"}
SLOW_FILES = {
    "tests/security/test_value_sweep.py",  # every form of every page, with every value of the other tenant
    "tests/security/test_isolation_sweep.py",  # every URL with the other tenant's ids
    "tests/security/test_fuzz_forms.py",  # Hypothesis over every form
    "tests/security/test_stateful_walk.py",  # Hypothesis state machine over the app
    "tests/security/test_races.py",  # 8 racing threads per iteration
    "tests/security/test_authz_matrix.py",  # every route for every principal (~1 min per test)
    "tests/customers/test_query_budgets.py",  # list pages over a 50-tenant world (~1 min per test)
    "tests/customers/test_query_plans.py",  # the same world, every plan explained
    "tests/customers/test_eligibility.py",  # every program x status against the pages and the services (~50 s)
    "tests/customers/test_isolation.py",  # every customer URL for every other principal, a world each (~50 s)
    "tests/security/test_raw_http.py",  # malformed requests against every form view (~25 s)
    "tests/api/test_schemathesis.py",  # schemathesis: every API operation, 15 cases each (~35 s, more per route)
    "tests/api/test_isolation_sweep.py",  # every API route x role x the other tenant's ids
    "tests/security/test_sign_in_limits.py",  # ~10 s each: every limit driven to its end through real Redis
    "tests/bench/test_seed_bench.py",  # seeds a benchmark world
    "tests/demo/test_seed.py",  # seeds the demo twice
    "tests/deploy/test_image.py",  # migrates and seeds a copy of the image's checkout
    "tests/deploy/test_pgbouncer.py",  # starts PgBouncer
    "tests/deploy/test_python_versions.py",  # builds virtualenvs
}
# Single tests of ~20-60 s each (measured with --durations), by file::function (every parameter).
SLOW_TESTS = {
    "tests/relationships/test_partnerships.py::test_eight_resellers_racing_for_one_link_make_one_partnership_50_times",
    "tests/relationships/test_partnerships.py::test_both_lists_pin_their_query_count",
    "tests/relationships/test_invitations.py::test_guessed_tokens_are_404_then_rate_limited",
    "tests/customers/test_lists.py::test_100000_customers_export_in_flat_memory",
    "tests/core/test_outbox_secrets.py::test_no_live_token_of_any_email_kind_is_readable_in_the_database_or_the_admin",
    "tests/security/test_auth_sessions.py::test_credential_stuffing_from_one_address_gets_429_after_thirty_failures",
}


def pytest_collection_modifyitems(config, items):
    root = config.rootpath
    for item in items:
        path = item.path.relative_to(root).as_posix()
        directory = path.split("/")[1] if path.count("/") > 1 else ""
        if directory in DIRECTORY_MARKERS:
            item.add_marker(DIRECTORY_MARKERS[directory])
        for fixture, marker in FIXTURE_MARKERS.items():
            if fixture in getattr(item, "fixturenames", ()):
                item.add_marker(marker)
        function = f"{path}::{getattr(item, 'originalname', item.name)}"
        slow_marked = any(item.get_closest_marker(marker) for marker in SLOW_MARKERS)
        if path in SLOW_FILES or function in SLOW_TESTS or slow_marked:
            item.add_marker("slow")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Create and migrate the test database as the owner, then run every test as the app's own role.

    The app role owns no table, is not a superuser and cannot bypass row-level security, exactly as in
    production; the owner comes back at the end to drop the database."""
    from django.conf import settings
    from django.db import connections

    database = connections["default"]
    owner = {key: database.settings_dict[key] for key in ("USER", "PASSWORD")}
    app = {"USER": settings.DATABASE_APP_ROLE, "PASSWORD": os.environ.get("DATABASE_APP_PASSWORD", "")}
    with django_db_blocker.unblock(), database.cursor() as cursor:
        # Only so that transactional tests can flush between tests and the benchmark seeder can move
        # sequences: TRUNCATE ignores row-level security, and production grants neither.
        cursor.execute(f"GRANT TRUNCATE ON ALL TABLES IN SCHEMA public TO {app['USER']}")
        cursor.execute(f"GRANT UPDATE ON ALL SEQUENCES IN SCHEMA public TO {app['USER']}")
    with django_db_blocker.unblock():
        database.close()
        database.settings_dict.update(app)
        settings.DATABASES["default"].update(app)
    yield
    with django_db_blocker.unblock():
        database.close()
        database.settings_dict.update(owner)
        settings.DATABASES["default"].update(owner)


@pytest.fixture(autouse=True)
def _platform_context_for_test_code():
    """Test set-up and assertions read and write every tenant's rows, as the platform.

    Requests made through the test client set their own transaction-local context (and put this one
    back afterwards); live-server and Celery threads start with none. See partnerhub/core/rls.py."""
    from partnerhub.core import rls

    with rls.system("tests"):
        yield


@pytest.fixture(autouse=True)
def _isolated_cache():
    """allauth's rate limits live in the cache: start every test with a clean slate."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def make_member(db):
    """make_member(organization, *roles, email=...) -> Membership with a verified user."""

    def make(organization=None, *roles, email=None, **user_fields):
        user = UserFactory(**({"email": email} if email else {}), **user_fields)
        return MembershipFactory(
            organization=organization or OrganizationFactory(), user=user, roles=list(roles) or [Role.GLOBAL_ADMIN]
        )

    return make


@pytest.fixture
def provider(db):
    return OrganizationFactory(legal_name="Contoso Distribution Inc.", primary_domain="contoso.example")


@pytest.fixture
def outsider(db):
    """Another tenant: nothing of it may ever show to the provider's users, and vice versa."""
    return OrganizationFactory(legal_name="Outsider Corp", primary_domain="outsider.example")


@pytest.fixture
def admin_member(make_member, provider):
    return make_member(provider, Role.GLOBAL_ADMIN, email="megan@contoso.example", first_name="Megan")


@pytest.fixture
def admin_client(client, admin_member):
    client.force_login(admin_member.user)
    return client


@pytest.fixture
def outsider_member(make_member, outsider):
    return make_member(outsider, Role.GLOBAL_ADMIN, email="olga@outsider.example")


# --- a real SMTP server ----------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Collect(Message):
    def __init__(self):
        super().__init__()
        self.messages = []

    def handle_message(self, message):
        self.messages.append(message)


@pytest.fixture
def smtp_server(settings):
    """An aiosmtpd server on loopback; Django's SMTP backend delivers to it."""
    handler = _Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    try:
        yield handler
    finally:
        controller.stop()


# --- a real Celery worker --------------------------------------------------------------------


@pytest.fixture
def celery_worker(settings, transactional_db):
    """A Celery worker thread consuming this test's own queue on the real Redis broker."""
    from celery.contrib.testing.worker import start_worker

    from partnerhub.celery import app

    queue = f"partnerhub-test-{uuid.uuid4().hex[:8]}"
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    settings.CELERY_TASK_DEFAULT_QUEUE = queue
    try:
        with start_worker(
            app, pool="solo", concurrency=1, perform_ping_check=False, queues=[queue], loglevel="WARNING"
        ):
            yield app
    finally:
        app.conf.task_default_queue = previous


# --- Chromium for browser journeys ----------------------------------------------------------

CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Browser tests need Chromium at {CHROMIUM}: apt-get install chromium (or set CHROMIUM).")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def pending_invitation(admin_member):
    from partnerhub.accounts.services import user_invitation_create

    return user_invitation_create(
        organization=admin_member.organization,
        invited_by=admin_member.user,
        email="newbie@contoso.example",
        roles=[Role.ADMIN_AGENT],
    )


@pytest.fixture(scope="session", autouse=True)
def _purge_test_queue():
    """Tasks queued by tests that run no worker would pile up in Redis between runs: drop them."""
    yield
    import redis
    from django.conf import settings

    with contextlib.suppress(redis.RedisError):
        redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=1).delete(
            settings.CELERY_TASK_DEFAULT_QUEUE
        )
