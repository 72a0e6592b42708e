"""Threads for race tests: each runs like the test's own code, as the platform (partnerhub/core/rls.py).

A new thread starts with an empty context, hence no row-level security context and no tenant row; these
threads copy the test's context, as the services they race are called the way a view or a task calls them.
"""

import contextvars
import threading


def platform_thread(target, *args) -> threading.Thread:
    return threading.Thread(target=contextvars.copy_context().run, args=(target, *args))
