from django.apps import AppConfig


class ChannelsIngestConfig(AppConfig):
    name = "channels_ingest"
    verbose_name = "Channels"
    default_auto_field = "django.db.models.BigAutoField"
