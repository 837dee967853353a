from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "inbox"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from helpdesk.events import subscribe
        from inbox import live_actions
        from inbox.subscribers import on_agent_available

        subscribe("routing.agent_available", on_agent_available)
        live_actions.register()
