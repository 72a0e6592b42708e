"""What production sees of the running site: request ids in logs, Prometheus metrics, error tracking.

- `logs`: one request id per request (the `X-Request-Id` header, the API's `request_id`), carried into the
  log records of the request and of the Celery tasks it enqueues; JSON log lines with LOG_FORMAT=json.
- `metrics`: `/metrics` for Prometheus, off unless METRICS_TOKEN is set, then behind that bearer token.
- `errors`: Sentry, initialised from settings only when SENTRY_DSN is set.

Everything here is off, or local to the process, in `make run` and the tests. `errors` is imported by the
settings module, so this package imports nothing at its top level.
"""
