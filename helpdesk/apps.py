from django.apps import AppConfig


class HelpdeskConfig(AppConfig):
    name = "helpdesk"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from helpdesk import events, realtime
        from helpdesk.api import schema  # noqa: F401  (registers OpenAPI extensions)

        events.subscribe(events.ALL, realtime.event_relay)
