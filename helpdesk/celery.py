"""The Celery application; tasks are discovered in every installed app."""

import os
from typing import Any

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")

app = Celery("helpdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def _connections_kept(**_: Any) -> None:
    """Worker processes keep their database connections between tasks (``WORKER_DB_CONN_MAX_AGE``):
    Celery closes them after each task otherwise, and each new one prepares its statements again."""
    from django.conf import settings
    from django.db import connections

    max_age = getattr(settings, "WORKER_DB_CONN_MAX_AGE", None)
    if max_age is None:
        return
    for alias in connections:
        connections.settings[alias]["CONN_MAX_AGE"] = max_age
