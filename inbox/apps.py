from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "inbox"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from helpdesk.events import subscribe
        from inbox import live_actions
        from inbox.subscribers import on_agent_available
        from inbox.system_messages import searches_note_write, survey_message_send

        subscribe("routing.agent_available", on_agent_available)
        subscribe("survey.send", survey_message_send)
        subscribe("kb.searches_attached", searches_note_write)
        live_actions.register()
