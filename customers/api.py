"""Customer and organization endpoints."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from customers.merging import customer_merge, customer_unmerge
from customers.models import Customer
from customers.selectors import (
    customer_audit_list,
    customer_list,
    customer_resolve,
    merge_suggestions_for,
    organization_list,
)
from customers.serializers import (
    AuditOutput,
    CustomerOutput,
    CustomerPatchInput,
    MergeInput,
    MergeSuggestionOutput,
    OrganizationCreateInput,
    OrganizationOutput,
)
from customers.services import customer_update, organization_create
from customers.suggestions import suggestion_dismiss
from helpdesk.api.views import TenantViewSet
from helpdesk.errors import DomainError
from helpdesk.models import Role

MAX_SUGGESTIONS = 100


def customer_or_404(raw: Any) -> Customer:
    """The customer with this id in the active tenant (or its survivor), else 404."""
    pk = str(raw)
    customer = customer_resolve(customer_id=int(pk)) if pk.isdigit() else None
    if customer is None:
        raise NotFound("No customer with this id.")
    return customer


@extend_schema(tags=["customers"])
class CustomerViewSet(mixins.ListModelMixin, TenantViewSet):
    serializer_class = CustomerOutput
    ordering = ("id",)

    def get_queryset(self) -> Any:
        return customer_list(q=self.request.query_params.get("q", "")[:200].strip())

    def get_object(self) -> Customer:
        return customer_or_404(self.kwargs["pk"])

    def _other(self, other_id: int) -> Customer:
        other = Customer.objects.select_related("organization").filter(pk=other_id).first()
        if other is None:
            raise DomainError("No customer with this id.", field="other")
        return other

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

    @extend_schema(request=MergeInput, responses=CustomerOutput)
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, pk: str | None = None) -> Response:
        """Merge ``other`` into this customer; answers with the survivor (this customer)."""
        survivor = self.get_object()
        data = MergeInput(data=request.data)
        data.is_valid(raise_exception=True)
        other = self._other(data.validated_data["other"])
        audit = customer_merge(
            survivor=survivor,
            other=other,
            actor=self.membership,
            reason=data.validated_data.get("reason", ""),
        )
        response = Response(CustomerOutput(customer_resolve(customer_id=survivor.pk)).data)
        response["X-Merge-Audit"] = str(audit.pk)
        return response

    @extend_schema(request=MergeInput, responses=CustomerOutput)
    @action(detail=True, methods=["post"])
    def unmerge(self, request: Request, pk: str | None = None) -> Response:
        """Undo the merge of ``other`` into this customer; answers with ``other`` restored."""
        survivor = self.get_object()
        data = MergeInput(data=request.data)
        data.is_valid(raise_exception=True)
        other = self._other(data.validated_data["other"])
        customer_unmerge(
            survivor=survivor,
            other=other,
            actor=self.membership,
            reason=data.validated_data.get("reason", ""),
        )
        return Response(CustomerOutput(customer_resolve(customer_id=other.pk)).data)

    @extend_schema(responses=MergeSuggestionOutput(many=True))
    @action(detail=True, methods=["get"], url_path="merge-suggestions")
    def merge_suggestions(self, request: Request, pk: str | None = None) -> Response:
        """Open suggestions, most confident first (at most 100; one page, ``next`` is null)."""
        customer = self.get_object()
        rows = merge_suggestions_for(customer=customer)[:MAX_SUGGESTIONS]
        data = MergeSuggestionOutput(rows, many=True, context={"customer_id": customer.pk}).data
        return Response({"results": data, "next": None})

    @extend_schema(request=None, responses={204: None})
    @action(
        detail=True,
        methods=["post"],
        url_path="merge-suggestions/<int:suggestion_id>/dismiss",
        url_name="merge-suggestion-dismiss",
    )
    def dismiss_suggestion(
        self, request: Request, pk: str | None = None, suggestion_id: int = 0
    ) -> Response:
        customer = self.get_object()
        suggestion = merge_suggestions_for(customer=customer).filter(pk=suggestion_id).first()
        if suggestion is None:
            raise NotFound("No open suggestion with this id for this customer.")
        suggestion_dismiss(suggestion=suggestion, actor=self.membership)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses=AuditOutput(many=True))
    @action(detail=True, methods=["get"])
    def audit(self, request: Request, pk: str | None = None) -> Response:
        customer = self.get_object()
        page = self.paginate_queryset(customer_audit_list(customer=customer))
        return self.get_paginated_response(AuditOutput(page, many=True).data)


@extend_schema(tags=["customers"])
class OrganizationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    serializer_class = OrganizationOutput
    write_role = Role.MANAGER
    ordering = ("id",)

    def get_queryset(self) -> Any:
        return organization_list()

    @extend_schema(request=OrganizationCreateInput, responses={201: OrganizationOutput})
    def create(self, request: Request) -> Response:
        data = OrganizationCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        organization = organization_create(tenant=self.tenant, **data.validated_data)
        return Response(
            OrganizationOutput(organization_list().get(pk=organization.pk)).data,
            status=status.HTTP_201_CREATED,
        )
