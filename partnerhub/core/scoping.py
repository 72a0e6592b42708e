"""The application's tenant scope: every read of a tenant-owned row by id, and every tenant list, passes its
tenant filter through `scoped()`.

One place for the filter gives the isolation sweep (tests/security/) a switch to turn the application layer
off and prove that PostgreSQL's row-level security alone keeps tenants apart. The switch,
`TENANT_SCOPING_DISABLED_FOR_TESTS`, is honoured only under the test settings module: anywhere else it is a
system-check error, and `scoped()` refuses to run rather than serve unscoped rows.
"""

from __future__ import annotations

import os
from typing import Any, TypeVar, overload

from django.conf import ENVIRONMENT_VARIABLE, settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Manager, Model, QuerySet

TEST_SETTINGS_MODULE = "partnerhub.settings.test"
SWITCH = "TENANT_SCOPING_DISABLED_FOR_TESTS"

M = TypeVar("M", bound=Model)
QS = TypeVar("QS", bound=QuerySet[Any])


def _settings_module() -> str | None:
    """The settings module this process loaded. Read from the environment, as Django does: `settings.
    SETTINGS_MODULE` reads None while a test overrides any setting."""
    return os.environ.get(ENVIRONMENT_VARIABLE)


def _switched_off() -> bool:
    if not getattr(settings, SWITCH, False):
        return False
    if _settings_module() != TEST_SETTINGS_MODULE:
        # Fail closed: a deployment that somehow set the switch serves errors, never another tenant's rows.
        raise ImproperlyConfigured(f"{SWITCH} is only allowed under {TEST_SETTINGS_MODULE}.")
    return True


@overload
def scoped(queryset: Manager[M], *args: Any, **tenant_lookups: Any) -> QuerySet[M]: ...


@overload
def scoped(queryset: QS, *args: Any, **tenant_lookups: Any) -> QS: ...


def scoped(queryset: QuerySet[Any] | Manager[Any], *args: Any, **tenant_lookups: Any) -> QuerySet[Any]:
    """`queryset` (or a model's manager) filtered to the acting tenant (`Q` objects and/or keyword lookups), the
    way every selector scopes its reads; unfiltered only while a test has switched the application scope off."""
    if _switched_off():
        return queryset.all()
    return queryset.filter(*args, **tenant_lookups)


@checks.register(checks.Tags.security)
def check_scoping_switch(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """The test-only switch set outside the test settings is an error (`manage.py check`, migrate, runserver)."""
    if getattr(settings, SWITCH, False) and _settings_module() != TEST_SETTINGS_MODULE:
        return [
            checks.Error(
                f"{SWITCH} turns off tenant scoping and is only allowed under {TEST_SETTINGS_MODULE}.",
                hint=f"Remove {SWITCH} from these settings.",
                id="core.E001",
            )
        ]
    return []
