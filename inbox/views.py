"""Workspace pages (server-rendered)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from helpdesk.api.pagination import KeysetPagination
from inbox.models import ACTIVE_STATUSES
from inbox.selectors import TICKET_NULLABLE_ORDERING, TICKET_ORDERING, TicketFilters, ticket_list


def inbox_page(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    status = request.GET.get("status", "")
    statuses = tuple(status.split(",")) if status else tuple(ACTIVE_STATUSES)
    tickets = ticket_list(filters=TicketFilters(statuses=statuses)).order_by(
        *KeysetPagination.order_by(TICKET_ORDERING, TICKET_NULLABLE_ORDERING)
    )[:100]
    return render(
        request,
        "inbox/inbox.html",
        {"tenant": request.tenant, "tickets": tickets, "status": status},  # type: ignore[attr-defined]
    )
