from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo world of `make run`. It sits above every feature app, so it may use all of them."""

    name = "demo"
    label = "demo"
    verbose_name = "Demo data"
