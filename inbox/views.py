"""Workspace pages (server-rendered): the inbox list, its live fragment and bulk actions."""

from __future__ import annotations

from types import EllipsisType
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from helpdesk.models import Membership
from inbox.models import ChannelKind, Ticket, TicketStatus
from inbox.services import ticket_bulk_update
from inbox.workspace_selectors import (
    INBOX_PAGE_SIZE,
    VIEWS,
    InboxQuery,
    inbox_tickets,
    member_choices,
)

VIEW_LABELS = {
    "all": "All open",
    "mine": "Mine",
    "unassigned": "Unassigned",
    "team": "My teams",
    "breached": "SLA breached",
}


def _member(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined]


def _query(request: HttpRequest) -> InboxQuery:
    view = request.GET.get("view", "all")
    status = request.GET.get("status", "active")
    channel = request.GET.get("channel", "")
    return InboxQuery(
        view=view if view in VIEWS else "all",
        status=status if status in ("active", "all", *TicketStatus.values) else "active",
        channel=channel if channel in ChannelKind.values else "",
        q=request.GET.get("q", "").strip()[:200],
    )


def _context(request: HttpRequest) -> dict[str, Any]:
    query = _query(request)
    return {
        "tenant": request.tenant,  # type: ignore[attr-defined]
        "member": _member(request),
        "query": query,
        "tickets": inbox_tickets(query=query, member=_member(request)),
        "views": [(key, VIEW_LABELS[key]) for key in VIEWS],
        "statuses": TicketStatus.choices,
        "channel_kinds": ChannelKind.choices,
        "page_size": INBOX_PAGE_SIZE,
    }


def inbox_page(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    context = _context(request)
    context["members"] = list(member_choices())
    return render(request, "inbox/inbox.html", context)


def inbox_rows(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    """The list body alone, refetched by the live module on events, gaps and reconnects."""
    return render(request, "inbox/_rows.html", _context(request))


@require_POST
def inbox_bulk(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    ids = [int(i) for i in request.POST.getlist("ticket") if i.isdigit()][:200]
    status = request.POST.get("status") or None
    assignee_raw = request.POST.get("assignee", "")
    if status is not None and status not in TicketStatus.values:
        return _bulk_error("Pick a status from the list.")
    assignee: Membership | EllipsisType | None = ...
    if assignee_raw == "none":
        assignee = None
    elif assignee_raw.isdigit():
        assignee = member_choices().filter(pk=int(assignee_raw)).first()
        if assignee is None:
            return _bulk_error("That member is no longer active.")
    if not ids:
        return _bulk_error("Select tickets first (x or the checkboxes).")
    if status is None and assignee is ...:
        return _bulk_error("Choose a status or an assignee to apply.")
    tickets = list(Ticket.objects.filter(pk__in=ids).select_related("assignee"))
    count = ticket_bulk_update(
        tickets=tickets, actor=_member(request), status=status, assignee=assignee
    )
    response = HttpResponse(
        f'<span class="ok">Updated {count} ticket{"s" if count != 1 else ""}.</span>'
    )
    response["HX-Trigger"] = "hd:resync"
    return response


def _bulk_error(message: str) -> HttpResponse:
    response = HttpResponse(f'<span class="error" role="alert">{message}</span>', status=422)
    return response
