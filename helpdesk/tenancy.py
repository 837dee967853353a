"""The tenant context and the managers that refuse to query without it.

Middleware, the API base view, consumers and ``@tenant_task`` activate a tenant; every
tenant-owned model's default manager filters by it and raises ``TenantScopeError`` when no
tenant is active. ``Model.objects.unscoped()`` is the one explicit way around it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models

if TYPE_CHECKING:
    from helpdesk.models import Tenant

_active_tenant: ContextVar[Tenant | None] = ContextVar("active_tenant", default=None)

M = TypeVar("M", bound=models.Model)


class TenantScopeError(RuntimeError):
    """A tenant-owned model was queried with no active tenant."""


def tenant_current() -> Tenant:
    tenant = _active_tenant.get()
    if tenant is None:
        raise TenantScopeError("No tenant is active: tenant-owned rows need a tenant scope.")
    return tenant


def tenant_current_or_none() -> Tenant | None:
    return _active_tenant.get()


@contextmanager
def tenant_scope(tenant: Tenant) -> Iterator[Tenant]:
    """Activate ``tenant`` for the block (nested scopes restore the outer one)."""
    token = _active_tenant.set(tenant)
    try:
        yield tenant
    finally:
        _active_tenant.reset(token)


class TenantManager(models.Manager[M]):
    """Default manager of tenant-owned models: always filtered by the active tenant."""

    def get_queryset(self) -> models.QuerySet[M]:
        return super().get_queryset().filter(tenant_id=tenant_current().pk)

    def unscoped(self) -> models.QuerySet[M]:
        """Every tenant's rows. Callers say why in a comment."""
        return super().get_queryset()

    def create(self, **kwargs: Any) -> M:
        if "tenant" not in kwargs and "tenant_id" not in kwargs:
            kwargs["tenant"] = tenant_current()
        return super().create(**kwargs)


def tenant_activate(tenant: Tenant) -> Token[Tenant | None]:
    """Activate ``tenant`` until ``tenant_deactivate`` (for code that cannot use a block)."""
    return _active_tenant.set(tenant)


def tenant_deactivate(token: Token[Tenant | None]) -> None:
    _active_tenant.reset(token)
