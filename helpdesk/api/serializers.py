"""Serializer bases: unknown or read-only fields in a request are refused, not ignored."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework import serializers


class StrictSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """Input serializer that rejects keys it would otherwise drop (typos, read-only fields)."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, Mapping):
            raise serializers.ValidationError({"non_field_errors": "Expected a JSON object."})
        writable = {name for name, field in self.fields.items() if not field.read_only}
        unknown = sorted(set(data) - writable)
        if unknown:
            raise serializers.ValidationError(
                {name: "Unknown or read-only field." for name in unknown}
            )
        return super().to_internal_value(data)
