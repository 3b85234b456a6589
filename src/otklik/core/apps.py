from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "otklik.core"
    label = "core"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from otklik.core.pgtimes import use_fast_timestamps

        connection_created.connect(use_fast_timestamps, dispatch_uid="otklik.core.pgtimes")
