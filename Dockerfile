# PartnerHub production image. gunicorn serves the site and whitenoise serves /static/; the same image
# runs the Celery worker, Celery beat and the one-off migrate job (see docker-compose.yml).
# Runtime configuration comes from the environment (see .env.example and partnerhub/settings/production.py).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=partnerhub.settings.production

WORKDIR /app

# The app runs unprivileged; the code and collected static files stay owned by root (read-only to it).
RUN groupadd --system --gid 10001 partnerhub \
    && useradd --system --uid 10001 --gid partnerhub --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin partnerhub

# Dependencies first, so editing the code does not reinstall them. `pip install .` installs only the
# pinned dependencies ([tool.setuptools] packages = []); the code runs from /app. pyproject.toml names
# README.md as the readme: the glob copies it when present and does not fail when it is absent.
# The in-tree build leaves build/ and *.egg-info behind; they are not needed.
COPY pyproject.toml README.md* ./
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

# Liveness probe (slim has no curl): gunicorn on :8000 answers /healthz/ with 200. The request carries
# a Host from ALLOWED_HOSTS (127.0.0.1 is usually not in it in production) and says it came over HTTPS
# (the header named by SECURE_PROXY_SSL_HEADER when set, else X-Forwarded-Proto, which gunicorn trusts
# from 127.0.0.1), so SECURE_SSL_REDIRECT does not turn the probe into a redirect to https://.
RUN printf '%s\n' \
    'import http.client, os, sys' \
    'host = "localhost"' \
    'for entry in os.environ.get("ALLOWED_HOSTS", "").split(","):' \
    '    entry = entry.strip().lstrip(".")' \
    '    if entry and entry != "*":' \
    '        host = entry' \
    '        break' \
    'headers = {"Host": host}' \
    'proxy = [part.strip() for part in os.environ.get("SECURE_PROXY_SSL_HEADER", "").strip("() ").split(",")]' \
    'if len(proxy) == 2 and proxy[0].startswith("HTTP_"):' \
    '    headers[proxy[0][5:].replace("_", "-").title()] = proxy[1]' \
    'else:' \
    '    headers["X-Forwarded-Proto"] = "https"' \
    'try:' \
    '    connection = http.client.HTTPConnection("127.0.0.1", 8000, timeout=4)' \
    '    connection.request("GET", "/healthz/", headers=headers)' \
    '    status = connection.getresponse().status' \
    'except OSError as exc:' \
    '    print(f"healthcheck: {exc}")' \
    '    sys.exit(1)' \
    'print(f"healthcheck: /healthz/ answered {status}")' \
    'sys.exit(0 if status == 200 else 1)' \
    > /usr/local/bin/partnerhub-healthcheck.py

USER partnerhub

EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "/usr/local/bin/partnerhub-healthcheck.py"]

CMD ["gunicorn", "partnerhub.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2", "--threads", "4", "--worker-class", "gthread", "--access-logfile", "-"]
