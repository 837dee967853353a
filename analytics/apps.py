from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from analytics.eventlog import event_log_write
        from analytics.surveys import survey_on_ticket_updated
        from helpdesk.events import ALL, subscribe

        subscribe(ALL, event_log_write)
        subscribe("ticket.updated", survey_on_ticket_updated)
