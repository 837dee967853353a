"""API representations of customers (CONTRACT.md)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from customers.models import Customer
from helpdesk.api.serializers import StrictSerializer


class CustomerOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    organization = serializers.SerializerMethodField()
    tier = serializers.CharField(source="effective_tier")
    identities = serializers.SerializerMethodField()

    class Meta:
        model = Customer
        fields = ["id", "name", "organization", "tier", "language", "identities", "created_at"]

    @extend_schema_field({"type": "object", "nullable": True})
    def get_organization(self, customer: Customer) -> dict[str, Any] | None:
        org = customer.organization
        if org is None:
            return None
        return {"id": org.pk, "name": org.name, "tier": org.tier, "plan": org.plan}

    @extend_schema_field({"type": "array", "items": {"type": "object"}})
    def get_identities(self, customer: Customer) -> list[dict[str, Any]]:
        return [
            {"kind": i.kind, "value": i.value, "verified": i.verified}
            for i in customer.identities.all()
        ]


class CustomerPatchInput(StrictSerializer):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    language = serializers.CharField(max_length=16, required=False, allow_blank=True)
