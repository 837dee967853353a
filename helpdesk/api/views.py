"""Base views of the API: the token's membership activates its tenant for the request."""

from __future__ import annotations

from contextvars import Token
from typing import Any

from django.http import HttpRequest, HttpResponseBase
from rest_framework import generics, viewsets
from rest_framework.request import Request
from rest_framework.routers import SimpleRouter

from helpdesk.models import Membership, Tenant
from helpdesk.tenancy import tenant_activate, tenant_deactivate


class TenantAPIView(generics.GenericAPIView):  # type: ignore[type-arg]
    """Activates ``request.auth.tenant`` for the view; every scoped query follows it."""

    _scope_token: Token[Tenant | None] | None = None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        membership = request.auth
        if isinstance(membership, Membership):
            self._scope_token = tenant_activate(membership.tenant)

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return super().dispatch(request, *args, **kwargs)
        finally:
            if self._scope_token is not None:
                tenant_deactivate(self._scope_token)
                self._scope_token = None

    @property
    def membership(self) -> Membership:
        membership = self.request.auth
        assert isinstance(membership, Membership)
        return membership

    @property
    def tenant(self) -> Tenant:
        return self.membership.tenant


class TenantViewSet(viewsets.ViewSetMixin, TenantAPIView):
    lookup_value_converter = "int"


def api_router() -> SimpleRouter:
    """Routers of every room: typed path converters (``<int:pk>``), no format suffixes."""
    return SimpleRouter(use_regex_path=False)
