"""Celery worker processes keep their database connection between tasks."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connections
from django.test import override_settings

from helpdesk.celery import _connections_kept


@pytest.fixture
def max_age_restored() -> Iterator[None]:
    before = {alias: connections.settings[alias]["CONN_MAX_AGE"] for alias in connections}
    yield
    for alias, value in before.items():
        connections.settings[alias]["CONN_MAX_AGE"] = value


@pytest.mark.usefixtures("max_age_restored")
@override_settings(WORKER_DB_CONN_MAX_AGE=300)
def test_a_worker_process_keeps_its_connection_between_tasks() -> None:
    connections.settings["default"]["CONN_MAX_AGE"] = 0

    _connections_kept()

    assert connections.settings["default"]["CONN_MAX_AGE"] == 300
    assert connections["default"].settings_dict["CONN_MAX_AGE"] == 300


@pytest.mark.usefixtures("max_age_restored")
def test_without_the_setting_nothing_changes(settings: object) -> None:
    connections.settings["default"]["CONN_MAX_AGE"] = 7
    if hasattr(settings, "WORKER_DB_CONN_MAX_AGE"):
        del settings.WORKER_DB_CONN_MAX_AGE  # type: ignore[attr-defined]

    _connections_kept()

    assert connections.settings["default"]["CONN_MAX_AGE"] == 7
