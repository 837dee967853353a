"""Project-wide pytest set-up: tasks run in-process, tenants and members from factories."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from helpdesk.celery import app as celery_app

pytest.register_assert_rewrite("tests.email_harness")
pytest_plugins = ["tests.seats"]


@pytest.fixture(autouse=True, scope="session")
def _eager_tasks() -> Iterator[None]:
    """Tests run tasks in-process; the worker path has its own tests and benchmarks."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _media_root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Stored attachments go to a temporary media root, never the project's."""
    from django.test import override_settings

    with override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("media"))):
        yield


@pytest.fixture(autouse=True)
def _analytics_log_inline(settings: Any) -> None:
    """The analytics log writes in the caller's thread under test, so no row outlives its test
    (one test exercises the background writer on purpose)."""
    settings.ANALYTICS_EVENT_LOG_ASYNC = False


@pytest.fixture(autouse=True)
def _routing_config_fresh() -> None:
    """Each test starts without a compiled routing configuration cached from another one
    (rolled-back tenants can reuse ids; the cache trusts itself for a couple of seconds)."""
    from routing.selectors import routing_config_forget

    routing_config_forget()
