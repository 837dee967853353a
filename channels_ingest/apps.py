from django.apps import AppConfig


class ChannelsIngestConfig(AppConfig):
    name = "channels_ingest"
    verbose_name = "Channels"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from channels_ingest import wiring

        wiring.connect()
