from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "inbox"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from helpdesk.events import subscribe
        from inbox.system_messages import survey_message_send

        subscribe("survey.send", survey_message_send)
