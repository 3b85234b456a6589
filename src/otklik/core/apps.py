from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "otklik.core"
    label = "core"

    def ready(self) -> None:
        from django.core.signals import request_finished, request_started
        from django.db.backends.signals import connection_created

        from otklik.core.dbhealth import note_connections_used, skip_recent_health_checks
        from otklik.core.pgtimes import use_fast_timestamps

        connection_created.connect(use_fast_timestamps, dispatch_uid="otklik.core.pgtimes")
        # Connected after django.db's close_old_connections (at its import): they run after it.
        request_started.connect(skip_recent_health_checks, dispatch_uid="otklik.core.dbhealth.started")
        request_finished.connect(note_connections_used, dispatch_uid="otklik.core.dbhealth.finished")
