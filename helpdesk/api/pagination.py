"""Keyset cursor pagination: ``{"results": [...], "next": URL | null}``.

A view declares ``ordering`` as field names (``-`` for descending); fields listed in
``nullable_ordering`` sort their nulls last. The last field must be unique (``id``). The
cursor carries the last row's values, so pages stay stable while rows are added, and no query
counts rows.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import models
from django.db.models import F, Q
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

MAX_PAGE_SIZE = 200


def _encode(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _decode(field: models.Field[Any, Any], value: Any) -> Any:
    if value is None:
        return None
    if isinstance(field, models.DateTimeField):
        return datetime.fromisoformat(value)
    return field.to_python(value)


def _strictly_after(name: str, descending: bool, nullable: bool, value: Any) -> Q:
    if value is None:  # nulls sort last: nothing comes after a null
        return Q(pk__in=[])
    after = Q(**{f"{name}__{'lt' if descending else 'gt'}": value})
    return after | Q(**{f"{name}__isnull": True}) if nullable else after


class KeysetPagination(BasePagination):
    page_size_query_param = "limit"
    cursor_query_param = "cursor"

    def __init__(self) -> None:
        self.next_url: str | None = None

    @staticmethod
    def order_by(ordering: Sequence[str], nullable: Sequence[str]) -> list[Any]:
        terms: list[Any] = []
        for term in ordering:
            name = term.lstrip("-")
            expr = (
                F(name).desc(nulls_last=True)
                if term.startswith("-")
                else F(name).asc(nulls_last=True)
            )
            terms.append(expr if name in nullable else (term))
        return terms

    def _page_size(self, request: Request, view: Any) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        default = int(getattr(view, "page_size", 50))
        if raw is None:
            return default
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE_SIZE:
            raise ValidationError({"limit": f"Use a whole number from 1 to {MAX_PAGE_SIZE}."})
        return int(raw)

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list[Any]:
        ordering: Sequence[str] = getattr(view, "ordering", ("id",))
        nullable: Sequence[str] = getattr(view, "nullable_ordering", ())
        size = self._page_size(request, view)
        queryset = queryset.order_by(*self.order_by(ordering, nullable))
        cursor = request.query_params.get(self.cursor_query_param)
        if cursor:
            queryset = queryset.filter(self._after(queryset.model, ordering, nullable, cursor))
        rows = list(queryset[: size + 1])
        self.next_url = None
        if len(rows) > size:
            rows = rows[:size]
            last = rows[-1]
            values = [_encode(getattr(last, term.lstrip("-"))) for term in ordering]
            token = base64.urlsafe_b64encode(json.dumps(values).encode()).decode()
            self.next_url = replace_query_param(
                request.build_absolute_uri(), self.cursor_query_param, token
            )
        return rows

    def _after(
        self, model: type[models.Model], ordering: Sequence[str], nullable: Sequence[str], raw: str
    ) -> Q:
        try:
            values = json.loads(base64.urlsafe_b64decode(raw.encode()))
            if not isinstance(values, list) or len(values) != len(ordering):
                raise ValueError("cursor shape")
            fields = [model._meta.get_field(term.lstrip("-")) for term in ordering]
            decoded = [_decode(f, v) for f, v in zip(fields, values, strict=True)]  # type: ignore[arg-type]
        except (ValueError, TypeError, LookupError, binascii.Error) as exc:
            raise ValidationError({"cursor": "This cursor is not valid; start again."}) from exc
        condition = Q(pk__in=[])
        equal = Q()
        for term, value in zip(ordering, decoded, strict=True):
            name = term.lstrip("-")
            condition |= equal & _strictly_after(
                name, term.startswith("-"), name in nullable, value
            )
            equal &= Q(**{f"{name}__isnull": True}) if value is None else Q(**{name: value})
        return condition

    def get_paginated_response(self, data: Any) -> Response:
        return Response({"results": data, "next": self.next_url})

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["results", "next"],
            "properties": {
                "results": schema,
                "next": {"type": "string", "format": "uri", "nullable": True},
            },
        }
