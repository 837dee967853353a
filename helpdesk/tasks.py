"""Task helpers: tasks take ids, activate the tenant, and are enqueued on commit."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial, wraps
from typing import Any, ParamSpec, TypeVar

from celery import Task
from django.db import transaction

from helpdesk.models import Tenant
from helpdesk.tenancy import tenant_scope

logger = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")


def tenant_task(func: Callable[..., R]) -> Callable[..., R]:
    """Wrap a task body whose first argument is ``tenant_id``: it runs inside that tenant."""

    @wraps(func)
    def wrapper(tenant_id: int, *args: Any, **kwargs: Any) -> R:
        tenant = Tenant.objects.get(pk=tenant_id)
        with tenant_scope(tenant):
            return func(tenant_id, *args, **kwargs)

    return wrapper


def safe_delay(task: Task, *args: Any, **kwargs: Any) -> None:
    """Send ``task`` now; a broker outage is logged, not raised: sweepers recover the work."""
    try:
        task.delay(*args, **kwargs)
    except Exception:
        logger.exception("could not enqueue %s%r", task.name, args)


def enqueue_on_commit(task: Task, *args: Any, **kwargs: Any) -> None:
    """Send ``task`` once the current transaction commits (at once outside one)."""
    transaction.on_commit(partial(safe_delay, task, *args, **kwargs))
