from django.apps import AppConfig


class RuntimeConfig(AppConfig):
    """The composition roots: the server, the worker's job list, the management commands that put
    the apps together, URL mounting and the demo. Nothing imports this package."""

    name = "otklik.runtime"
    label = "runtime"
