"""Where a page's time goes, in-process: render each page of a seed_bench manifest N times through Django's test
client as its signed-in principal, and split the time between SQL, templates, middleware, translation, URL
reversal, crispy forms and the rest.

    DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL=… (the app role) REDIS_URL=… SECRET_KEY=… \\
        .venv/bin/python bench/load/profile_page.py --manifest .data/bench/manifest.json [--n 200] [--only dashboard]
        [--profile] [--top 25]

It needs a database seeded by `manage.py seed_bench` (as the owner; `--factor 0.01` is enough) and the
manifest that run wrote. The principals are signed in with `force_login`, which stands for the password and
two-step sign-in the HTTP bench goes through (the session remembers the authenticator as that sign-in does).
Without `--profile` it only times (ms per request, best of three batches); with it, one cProfile run per page
and a table of where the time went: the cumulative time of a few known entry points (SQL, the template render,
context processors, `{% url %}`, `{% include %}`, translation, localisation), then the self time per package.
No HTTP, no gunicorn: the cost of Python, which is what the page's template and view decide. The HTTP bench
(`make bench`) remains the reference for the ratios.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Entry points whose cumulative time answers "how much of the request went to X" (overlapping by nature:
# SQL run by a lazy queryset inside the template counts in both "SQL" and "template render").
CUMULATIVE = {
    "SQL (cursor execute)": [("django/db/backends/utils.py", "_execute_with_wrappers")],
    "template render (all)": [("django/template/backends/django.py", "render")],
    "context processors": [("django/template/context.py", "bind_template")],
    "{% url %} / reverse": [("django/urls/base.py", "reverse")],
    "{% include %}": [("django/template/loader_tags.py", "render")],
    "translation (gettext)": [("django/utils/translation/__init__.py", "gettext")],
    "{% translate %} / blocktranslate": [
        ("django/templatetags/i18n.py", "render"),
    ],
    "localisation (formats)": [("django/utils/formats.py", "localize"), ("django/utils/formats.py", "date_format")],
    "crispy forms": [("crispy_forms/templatetags/crispy_forms_filters.py", "as_crispy_form")],
    "rules has_perm": [("rules/templatetags/rules.py", "has_perm")],
    "view function": [],  # filled per page: the resolved view's own cumulative time
    "session load/save": [("django/contrib/sessions/backends/base.py", "_get_session")],
}


def _setup():
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()


def _client_for(email: str):
    from django.test import Client

    from partnerhub.accounts.models import User
    from partnerhub.core import rls

    client = Client(HTTP_X_FORWARDED_FOR="127.0.0.1")
    with rls.system("profile_page: sign-in"):  # outside a request, as a management command signs in
        client.force_login(User.objects.get(email=email))
    return client


def _get(client, path: str):
    response = client.get(path)
    if response.status_code != 200:
        raise SystemExit(f"{path}: {response.status_code} {response.get('Location', '')}")
    return response


def _clocks() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def time_page(client, path: str, n: int) -> tuple[float, float]:
    """ms per request, wall clock and this process's CPU: the best batch of 10 requests out of n/10, after a
    warm-up (caches, the template loader). The CPU time is the Python side alone (PostgreSQL's own work is in
    its process); the best batch is the one least disturbed by whatever else shares the machine."""
    for _ in range(5):
        _get(client, path)
    walls, cpus = [], []
    per = 10
    for _ in range(max(1, n // per)):
        wall, cpu = _clocks()
        for _ in range(per):
            _get(client, path)
        walls.append((time.perf_counter() - wall) * 1000 / per)
        cpus.append((time.process_time() - cpu) * 1000 / per)
    return min(walls), min(cpus)


def calls_per_request(client, path: str, n: int = 5) -> float:
    """Python function calls per request (cProfile's count): unlike time, the same on a busy machine as on an
    idle one, so a change's effect shows even when the timings are noise."""
    _get(client, path)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(n):
        _get(client, path)
    profiler.disable()
    stats = pstats.Stats(profiler)
    return stats.total_calls / n  # type: ignore[attr-defined]


class Split:
    """Timers at a few seams, cheap enough not to distort what they measure (unlike cProfile): the request as the
    test client sees it, the view (its own code and its render), the template's render (the outermost one), the
    context processors, and SQL (inside and outside templates). Each in wall-clock and CPU time."""

    def __init__(self):
        self.totals: dict[str, list[float]] = {}
        self.depth = 0
        self.queries = 0

    def add(self, key: str, started: tuple[float, float]) -> None:
        wall, cpu = _clocks()
        total = self.totals.setdefault(key, [0.0, 0.0])
        total[0] += wall - started[0]
        total[1] += cpu - started[1]

    def get(self, key: str) -> tuple[float, float]:
        wall, cpu = self.totals.get(key, (0.0, 0.0))
        return wall, cpu

    def install(self) -> Split:
        from django.core.handlers.base import BaseHandler
        from django.db import connection
        from django.template import engines
        from django.template.backends.django import Template

        split = self
        original_render = Template.render
        original_resolve = BaseHandler.resolve_request

        def render(template, context=None, request=None):
            split.depth += 1
            started = _clocks()
            try:
                return original_render(template, context, request)
            finally:
                split.depth -= 1
                if not split.depth:
                    split.add("render", started)

        def resolve_request(handler, request):
            match = original_resolve(handler, request)
            view = match.func

            def timed_view(*args, **kwargs):
                started = _clocks()
                try:
                    return view(*args, **kwargs)
                finally:
                    split.add("view", started)

            return timed_view, match.args, match.kwargs

        def sql(execute, query, params, many, context):
            started = _clocks()
            try:
                return execute(query, params, many, context)
            finally:
                split.queries += 1
                split.add("sql in render" if split.depth else "sql", started)

        def timed(processor):
            def wrapper(request):
                started = _clocks()
                try:
                    return processor(request)
                finally:
                    split.add("processors", started)

            return wrapper

        Template.render = render
        BaseHandler.resolve_request = resolve_request  # the test client's handler resolves each request anew
        engine = engines["django"].engine
        engine.template_context_processors = tuple(timed(p) for p in engine.template_context_processors)
        self._wrapper = connection.execute_wrapper(sql)
        self._wrapper.__enter__()
        return self


def split_page(client, path: str, n: int, split: Split) -> None:
    for _ in range(5):
        _get(client, path)
    split.totals.clear()
    split.queries = 0
    started = _clocks()
    for _ in range(n):
        _get(client, path)
    split.add("request", started)
    total, view, render = split.get("request"), split.get("view"), split.get("render")
    sql_in, sql_out, processors = split.get("sql in render"), split.get("sql"), split.get("processors")

    def minus(a, *others):
        return tuple(x - sum(o[i] for o in others) for i, x in enumerate(a))

    rows = [
        ("request (test client)", total),
        ("  middleware and test client (request − view)", minus(total, view)),
        ("  view's own code (view − render)", minus(view, render)),
        ("  template render", render),
        ("    SQL run from the template (lazy querysets)", sql_in),
        ("    context processors", processors),
        ("    template work (render − SQL − processors)", minus(render, sql_in, processors)),
        ("  SQL outside the render (middleware, view)", sql_out),
    ]
    print(f"  {'':50s} {'wall ms':>8s} {'cpu ms':>8s}")
    for label, (wall, cpu) in rows:
        print(f"  {label:50s} {wall * 1000 / n:8.2f} {cpu * 1000 / n:8.2f}")
    print(f"  queries per request: {split.queries / n:.1f}")


def _package(filename: str) -> str:
    """A short name for where a function lives: `django.template`, `psycopg`, `partnerhub`, `templates`…"""
    path = filename.replace("\\", "/")
    if "site-packages/" in path:
        parts = path.split("site-packages/", 1)[1].split("/")
        if parts[0] == "django" and len(parts) > 2:
            deeper = parts[1] in ("utils", "contrib") and len(parts) > 3
            return f"django.{parts[1]}" + (f".{parts[2]}" if deeper else "")
        return parts[0].removesuffix(".py")
    if str(ROOT) in path:
        return path.split(str(ROOT) + "/", 1)[1].split("/", 1)[0]
    if path.startswith("~") or path.startswith("<"):
        return "builtins"
    return "stdlib"


def profile_page(client, path: str, n: int, top: int) -> None:
    for _ in range(5):
        _get(client, path)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(n):
        _get(client, path)
    profiler.disable()
    stats = pstats.Stats(profiler)
    raw = stats.stats  # type: ignore[attr-defined]
    # The request's total: the test client's get(), cumulative.
    client_gets = [
        ct
        for (f, _l, fn), (_cc, _nc, _tt, ct, _c) in raw.items()
        if f.endswith("django/test/client.py") and fn == "get"
    ]
    total = max(client_gets, default=0.0) or 1e-9
    print(f"  profiled: {total * 1000 / n:.2f} ms/request under cProfile (inflated by the profiler)")
    for label, entries in CUMULATIVE.items():
        ct_sum = 0.0
        calls = 0
        for (f, _l, fn), (_cc, nc, _tt, ct, _c) in raw.items():
            if any(f.endswith(suffix) and fn == name for suffix, name in entries):
                ct_sum += ct
                calls += nc
        if entries:
            share = 100 * ct_sum / total
            print(f"  {label:36s} {ct_sum * 1000 / n:8.2f} ms  {share:5.1f}%  {calls / n:7.1f} calls/req")
    by_package: dict[str, float] = {}
    for (f, _l, _fn), (_cc, _nc, tt, _ct, _c) in raw.items():
        by_package[_package(f)] = by_package.get(_package(f), 0.0) + tt
    print("  self time by package:")
    for name, tt in sorted(by_package.items(), key=lambda item: -item[1])[:14]:
        print(f"    {name:34s} {tt * 1000 / n:8.2f} ms  {100 * tt / total:5.1f}%")
    if top:
        print(f"  top {top} by cumulative time (per request):")
        rows = sorted(raw.items(), key=lambda item: -item[1][3])[:top]
        for (f, line, fn), (_cc, nc, tt, ct, _c) in rows:
            short = f.split("site-packages/")[-1].replace(str(ROOT) + "/", "")
            print(f"    {ct * 1000 / n:8.2f} ms cum {tt * 1000 / n:7.2f} self {nc / n:7.1f}×  {short}:{line} {fn}")


def instrument_page(client, path: str, n: int) -> None:
    """pyinstrument's call tree (statistical, low overhead), if it is importable: it is not a dependency of the
    project; install it apart (`pip install --target /tmp/pyi pyinstrument`, then PYTHONPATH=/tmp/pyi)."""
    from pyinstrument import Profiler

    for _ in range(5):
        _get(client, path)
    profiler = Profiler(interval=0.0002)
    profiler.start()
    for _ in range(n):
        _get(client, path)
    profiler.stop()
    print(profiler.output_text(unicode=True, color=False, show_all=False, short_mode=False))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--manifest", type=Path, default=ROOT / ".data" / "bench" / "manifest.json")
    parser.add_argument("--n", type=int, default=150, help="requests per page (timing: the best of n/10 batches of 10)")
    parser.add_argument("--only", nargs="*", help="endpoint names (default: every GET page with a principal)")
    parser.add_argument("--split", action="store_true", help="also time middleware, view, render and SQL apart")
    parser.add_argument("--pyinstrument", action="store_true", help="also print a pyinstrument call tree per page")
    parser.add_argument("--profile", action="store_true", help="also profile each page (cProfile) and split the time")
    parser.add_argument("--top", type=int, default=0, help="with --profile: the N functions of most cumulative time")
    parser.add_argument("--extra", nargs="*", default=[], help="more pages as principal:path (e.g. provider:/)")
    args = parser.parse_args(argv)
    _setup()

    manifest = json.loads(args.manifest.read_text())
    principals = {key: spec["email"] for key, spec in manifest["principals"].items()}
    pages = [
        (spec["name"], spec["principal"], spec["path"])
        for spec in manifest["endpoints"]
        if spec["method"] == "GET" and spec.get("principal") and not spec.get("follow_next")
    ]
    pages += [(f"extra:{item}", *item.split(":", 1)) for item in args.extra]
    pages.insert(0, ("ceiling", "provider", "/__bench/ceiling/"))
    if args.only:
        pages = [page for page in pages if page[0] in args.only or page[0] == "ceiling"]
    clients = {}
    # The seams' timers stay installed for the whole run once asked for: the plain timings are then a little
    # slower too (a few wrapper calls per request), so compare timings of runs made without --split.
    split = Split().install() if args.split else None
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; n={args.n}")
    results = {}
    for name, principal, path in pages:
        client = clients.get(principal) or clients.setdefault(principal, _client_for(principals[principal]))
        wall, cpu = time_page(client, path, args.n)
        results[name] = (wall, cpu)
        size = len(_get(client, path).content)
        calls = calls_per_request(client, path)
        print(f"{name:24s} {wall:7.2f} ms wall {cpu:7.2f} ms cpu {calls:8.0f} calls/request {size:7d} bytes  {path}")
        if split:
            split_page(client, path, args.n, split)
        if args.pyinstrument:
            instrument_page(client, path, args.n)
        if args.profile:
            profile_page(client, path, args.n, args.top)
    ceiling = results.get("ceiling")
    if ceiling:
        print("in-process ratio to the ceiling (ceiling ms / page ms, wall and cpu; without HTTP and gunicorn):")
        for name, (wall, cpu) in results.items():
            print(f"  {name:24s} {ceiling[0] / wall:5.2f} {ceiling[1] / cpu:5.2f}")
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
