"""Customer endpoints."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from customers.models import Customer
from customers.selectors import customer_list, customer_resolve
from customers.serializers import CustomerOutput, CustomerPatchInput
from customers.services import customer_update
from helpdesk.api.views import TenantViewSet


@extend_schema(tags=["customers"])
class CustomerViewSet(mixins.ListModelMixin, TenantViewSet):
    serializer_class = CustomerOutput
    ordering = ("id",)

    def get_queryset(self) -> Any:
        return customer_list(q=self.request.query_params.get("q", "")[:200].strip())

    def get_object(self) -> Customer:
        pk = str(self.kwargs["pk"])
        customer = customer_resolve(customer_id=int(pk)) if pk.isdigit() else None
        if customer is None:
            raise NotFound("No customer with this id.")
        return customer

    @extend_schema(parameters=[OpenApiParameter("q", str)])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return Response(CustomerOutput(self.get_object()).data)

    @extend_schema(request=CustomerPatchInput, responses=CustomerOutput)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        customer = self.get_object()
        data = CustomerPatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        customer_update(customer=customer, **data.validated_data)
        return Response(CustomerOutput(customer_resolve(customer_id=customer.pk)).data)
