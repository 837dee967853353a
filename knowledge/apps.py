"""Self-service: the help center, articles, knowledge search and deflection signals."""

from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "knowledge"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from helpdesk.events import subscribe
        from knowledge.subscribers import on_ticket_created

        subscribe("ticket.created", on_ticket_created)
