"""``GET /api/v1/analytics/summary/``: the dashboard's numbers as JSON (managers and admins)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from analytics.filters import filters_parse, period_parse
from analytics.selectors import summary_get
from helpdesk.api.views import TenantAPIView
from helpdesk.models import Role

_PARAMS = [
    OpenApiParameter("from", str, description="First day, YYYY-MM-DD (default: 30 days ago)"),
    OpenApiParameter("to", str, description="Last day, YYYY-MM-DD (default: today)"),
    OpenApiParameter("channel", str, description="Channel kind (email, chat, voice, ...)"),
    OpenApiParameter("team", int),
    OpenApiParameter("agent", int, description="Member id"),
    OpenApiParameter("tier", str),
]


@extend_schema(tags=["analytics"], parameters=_PARAMS, responses=OpenApiTypes.OBJECT)
class AnalyticsSummaryView(TenantAPIView):
    read_role = Role.MANAGER

    def get(self, request: Request) -> Response:
        params = request.query_params
        period = period_parse(params=params)
        filters = filters_parse(params=params)
        return Response(summary_get(tenant=self.tenant, period=period, filters=filters))
