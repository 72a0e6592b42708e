# PartnerHub production image. gunicorn serves the site and whitenoise serves /static/; the same image
# runs the Celery worker, Celery beat and the one-off migrate job (see docker-compose.yml).
# Runtime configuration comes from the environment (see .env.example and partnerhub/settings/production.py).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=partnerhub.settings.production \
    MEDIA_ROOT=/var/lib/partnerhub/media

WORKDIR /app

# The app runs unprivileged; the code and collected static files stay owned by root (read-only to it).
# Writable by it: its home (gunicorn puts its control socket there), /tmp and MEDIA_ROOT, the uploaded
# files (agreement PDFs, Fix now documents, logos). docker-compose.yml mounts a named volume there; a new
# named volume takes the owner of the image's directory, so the user can write to it from the first start.
RUN groupadd --system --gid 10001 partnerhub \
    && useradd --system --uid 10001 --gid partnerhub --home-dir /home/partnerhub --create-home \
        --shell /usr/sbin/nologin partnerhub \
    && install -d -o partnerhub -g partnerhub -m 0750 /var/lib/partnerhub/media

# Dependencies first, so editing the code does not reinstall them. `pip install .` installs only the
# pinned runtime dependencies ([tool.setuptools] packages = []; not the dev or embedded extras); the
# code runs from /app. The in-tree build leaves build/ and *.egg-info behind; they are not needed.
COPY pyproject.toml README.md ./
RUN pip install --no-cache-dir . \
    && rm -rf build partnerhub.egg-info

COPY . .

# Production settings refuse to import without these; the dummy values exist for this step only and
# are not part of the image's environment. collectstatic touches neither the database nor Redis.
RUN SECRET_KEY=build-only \
    ALLOWED_HOSTS=localhost \
    SITE_URL=http://localhost \
    DATABASE_URL=postgres://build@localhost/build \
    python manage.py collectstatic --noinput

USER partnerhub

EXPOSE 8000

# Liveness (slim has no curl): gunicorn accepts connections on :8000. Readiness, with the database
# and Redis, is /health/, for the load balancer.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import socket; socket.create_connection(('127.0.0.1', 8000), 3).close()"]

CMD ["gunicorn", "partnerhub.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2", "--threads", "4", "--worker-class", "gthread", "--access-logfile", "-"]
