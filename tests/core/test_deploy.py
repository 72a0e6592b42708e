"""Production settings pass Django's deployment checklist; models and migrations agree."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]


def test_check_deploy_is_clean_under_production_settings():
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},  # a test-only switch
        "DJANGO_SETTINGS_MODULE": "partnerhub.settings.production",
        "SECRET_KEY": "x7#kq2!Lm9@vR4$wT8^zN1&bP6*cJ3(hF5)gD0-sA_eY+uI=oQ",
        "ALLOWED_HOSTS": "partnerhub.example",
        "SITE_URL": "https://partnerhub.example",
        "DATABASE_URL": "postgres://partnerhub@db.invalid:5432/partnerhub",
        "REDIS_URL": "redis://redis.invalid:6379/0",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env["DJANGO_SETTINGS_MODULE"] = "partnerhub.settings.production"
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.django_db
def test_models_and_migrations_agree():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_development_settings_serve_static_files_without_collectstatic():
    """`make run` renders pages under DEBUG without a collectstatic manifest (it once answered 500)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "partnerhub.settings.dev"}
    code = (
        "import django; django.setup(); from django.templatetags.static import static;"
        " print(static('css/partnerhub.css'))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "/static/css/partnerhub.css"
