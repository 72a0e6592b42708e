"""`docker compose up` starts: the `migrate` service runs as the image does, and uploads live on a shared volume.

No Docker engine is needed. The first test reproduces the image: the code checkout copied as `COPY . .` does and
made read-only, the environment of the Dockerfile and of the compose `migrate` service, its exact command, run
as an unprivileged user against a throwaway database of the test PostgreSQL, with the media volume mounted at
the image's MEDIA_ROOT. The other tests read the compose file and the Dockerfile as compose and docker build do.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import redis

from tests.deploy import image
from tests.deploy.support import (
    owner_url,
    tcp_relay,
    throwaway_database,
    unprivileged_command,
    unprivileged_ids,
    url_via,
)

# Only the image's own variables and these reach the process: the test runner's environment must not help.
PASSED_THROUGH = ("LANG", "LC_ALL", "TZ")
# Databases of the test Redis that nothing else uses: the seed queues its emails there, flushed afterwards.
BROKER_DB, CACHE_DB = 14, 15


def _media_root() -> str:
    """Where the image keeps uploaded files: its MEDIA_ROOT, or the settings' default under the checkout."""
    return image.dockerfile_env().get("MEDIA_ROOT") or image.service_environment("migrate").get(
        "MEDIA_ROOT", "/app/.data/media"
    )


@pytest.fixture
def image_root():
    """A directory that plays the container's filesystem: /app, the media volume and the user's home."""
    root = Path(tempfile.mkdtemp(prefix="partnerhub-image-"))
    root.chmod(0o755)  # pytest's tmp_path is private to root; the unprivileged user must reach /app
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_compose_migrate_service_migrates_and_seeds_as_the_unprivileged_image_user(image_root):
    """It once died with PermissionError: seed_demo wrote the agreement PDFs under /app/.data/media, in the
    read-only checkout, so web, worker and beat never started."""
    uid, gid = unprivileged_ids()
    app = image_root / "app"
    image.copy_build_context(app)
    subprocess.run(["chmod", "-R", "a-w", str(app)], check=True)  # the code stays owned by root, read-only
    home = image_root / "home"
    home.mkdir()
    os.chown(home, uid, gid)

    # The named volume: compose mounts it at MEDIA_ROOT, and it starts owned as the image's directory is.
    media_root = _media_root()
    if media_root.startswith("/app/"):
        media = app / media_root.removeprefix("/app/")  # inside the read-only checkout, as in the image
    else:
        media = image_root / "volume"
        media.mkdir()
        os.chown(media, uid, gid)

    redis_url = urlsplit(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    redis_base = f"redis://{redis_url.netloc}"
    with tcp_relay(owner_url()) as port, throwaway_database("image_migrate") as database:
        env = {key: os.environ[key] for key in PASSED_THROUGH if key in os.environ}
        env |= image.dockerfile_env()
        env |= image.service_environment("migrate")
        env |= {
            # The compose host names, pointed at the test servers.
            "DATABASE_OWNER_URL": url_via(owner_url(), port, database=database),
            "DATABASE_URL": url_via(owner_url(), port, database=database, user="partnerhub_app"),
            "REDIS_URL": f"{redis_base}/{BROKER_DB}",
            "CACHE_URL": f"{redis_base}/{CACHE_DB}",
            "MEDIA_ROOT": str(media),
            "HOME": str(home),
            # The image's Python is on its PATH; here it is this virtualenv's.
            "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        }
        try:
            result = subprocess.run(
                unprivileged_command(image.service_command("migrate"), image_root),
                cwd=app,
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
            )
        finally:
            for db in (BROKER_DB, CACHE_DB):
                redis.Redis.from_url(f"{redis_base}/{db}").flushdb()

    assert result.returncode == 0, result.stderr[-3000:]
    assert "Permission denied" not in result.stderr
    pdfs = sorted(path.name for path in media.rglob("*.pdf"))
    assert pdfs, f"seed_demo stored no agreement PDF under MEDIA_ROOT ({media})"
    assert all(path.stat().st_uid == uid for path in media.rglob("*.pdf"))


# The services that read or write uploaded files: the seed stores the agreement PDFs, web stores uploads and
# serves downloads, the worker reads them in its tasks.
MEDIA_SERVICES = ("migrate", "web", "worker")


def test_every_service_that_touches_uploads_mounts_one_named_volume_at_media_root():
    """Files saved by one container are seen by the others and survive a container being recreated."""
    media_root = image.dockerfile_env().get("MEDIA_ROOT")
    assert media_root, "the image sets no MEDIA_ROOT: uploads would go inside the read-only code checkout"
    named_volumes = set(image.compose().get("volumes") or {})

    sources = {service: image.service_volumes(service).get(media_root) for service in MEDIA_SERVICES}

    assert len(set(sources.values())) == 1, f"not one shared mount at {media_root}: {sources}"
    assert sources["web"] in named_volumes, f"{sources['web']!r} is not a named volume of docker-compose.yml"
    for service in image.app_services():  # whoever else mounts uploads mounts the same volume
        mounted = image.service_volumes(service).get(media_root)
        assert mounted in (None, sources["web"]), f"{service} mounts {mounted!r} at {media_root}"
    assert all(image.service_environment(s).get("MEDIA_ROOT", media_root) == media_root for s in image.app_services())


def test_the_image_creates_media_root_owned_by_its_runtime_user():
    """A new named volume copies the owner of the image's directory: root-owned, the app could not write."""
    media_root = image.dockerfile_env()["MEDIA_ROOT"]
    user = image.dockerfile_user()

    creates = [
        run
        for run in image.dockerfile_runs()
        if media_root in run
        and (f"install -d -o {user}" in run or (f"mkdir -p {media_root}" in run and f"chown {user}" in run))
    ]

    assert user != "root"
    assert creates, f"no RUN creates {media_root} owned by {user}"
    assert not media_root.startswith("/app"), "MEDIA_ROOT inside /app, the code checkout the user cannot write"
