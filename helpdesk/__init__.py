"""Helpdesk core: settings, tenancy, auth, the event bus and real-time publishing."""

from helpdesk.celery import app as celery_app

__all__ = ["celery_app"]
