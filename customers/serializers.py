"""API representations of customers and organizations (CONTRACT.md)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from customers.models import Customer, CustomerAudit, MergeSuggestion, Organization
from helpdesk.api.serializers import StrictSerializer


def organization_summary(org: Organization | None) -> dict[str, Any] | None:
    if org is None:
        return None
    return {"id": org.pk, "name": org.name, "tier": org.tier, "plan": org.plan}


def customer_summary(customer: Customer) -> dict[str, Any]:
    return {
        "id": customer.pk,
        "name": customer.name,
        "organization": organization_summary(customer.organization),
    }


class CustomerOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    organization = serializers.SerializerMethodField()
    tier = serializers.CharField(source="effective_tier")
    identities = serializers.SerializerMethodField()

    class Meta:
        model = Customer
        fields = ["id", "name", "organization", "tier", "language", "identities", "created_at"]

    @extend_schema_field({"type": "object", "nullable": True})
    def get_organization(self, customer: Customer) -> dict[str, Any] | None:
        return organization_summary(customer.organization)

    @extend_schema_field({"type": "array", "items": {"type": "object"}})
    def get_identities(self, customer: Customer) -> list[dict[str, Any]]:
        return [
            {"kind": i.kind, "value": i.value, "verified": i.verified}
            for i in customer.identities.all()
        ]


class CustomerPatchInput(StrictSerializer):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    language = serializers.CharField(max_length=16, required=False, allow_blank=True)


class MergeInput(StrictSerializer):
    other = serializers.IntegerField(min_value=1)
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)


class MergeSuggestionOutput(serializers.Serializer):  # type: ignore[type-arg]
    """A suggestion seen from one customer: ``customer`` is the other side of the pair."""

    id = serializers.IntegerField()
    customer = serializers.SerializerMethodField()
    confidence = serializers.IntegerField()
    evidence = serializers.JSONField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field({"type": "object"})
    def get_customer(self, suggestion: MergeSuggestion) -> dict[str, Any]:
        seen_from = self.context.get("customer_id")
        other = suggestion.other if suggestion.customer_id == seen_from else suggestion.customer
        return customer_summary(other)


class AuditOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    actor = serializers.SerializerMethodField()

    class Meta:
        model = CustomerAudit
        fields = [
            "id",
            "action",
            "customer",
            "other",
            "actor",
            "reason",
            "detail",
            "created_at",
            "undone_at",
        ]

    @extend_schema_field({"type": "object", "nullable": True})
    def get_actor(self, audit: CustomerAudit) -> dict[str, Any] | None:
        if audit.actor is None:
            return None
        return {"id": audit.actor_id, "name": audit.actor.display_name}


class OrganizationOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    domains = serializers.SerializerMethodField()

    class Meta:
        model = Organization
        fields = [
            "id",
            "name",
            "tier",
            "plan",
            "contract",
            "contract_ends_on",
            "domains",
            "created_at",
        ]

    @extend_schema_field({"type": "array", "items": {"type": "string"}})
    def get_domains(self, organization: Organization) -> list[str]:
        return [d.domain for d in organization.domains.all()]


class OrganizationCreateInput(StrictSerializer):
    name = serializers.CharField(max_length=200)
    tier = serializers.CharField(max_length=32, required=False, allow_blank=True)
    plan = serializers.CharField(max_length=100, required=False, allow_blank=True)
    contract = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    contract_ends_on = serializers.DateField(required=False, allow_null=True)
    domains = serializers.ListField(
        child=serializers.CharField(max_length=253), required=False, max_length=50
    )
