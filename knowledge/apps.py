"""Self-service: the help center, articles, knowledge search and deflection signals."""

from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "knowledge"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from helpdesk.events import subscribe
        from helpdesk.self_service import article_search_register
        from knowledge.subscribers import on_chat_contact, on_ticket_created, widget_search

        subscribe("ticket.created", on_ticket_created)
        subscribe("chat.contact", on_chat_contact)
        article_search_register(widget_search)
