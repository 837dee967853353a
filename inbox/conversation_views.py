"""The conversation page: one ticket's timeline, side panel, reply box and handoff."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.html import escape
from django.views.decorators.http import require_POST

from helpdesk.errors import DomainError
from helpdesk.models import Membership
from inbox.models import Priority, TicketStatus
from inbox.services import message_reply, ticket_handoff, ticket_update
from inbox.workspace_selectors import member_choices, ticket_page, ticket_timeline, workspace_ticket


def _member(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined]


def _refusal(message: str, target: str, status: int = 422) -> HttpResponse:
    """A refusal the page shows next to the form; the form (and its draft) stays as it was."""
    response = HttpResponse(f'<p class="error" role="alert">{escape(message)}</p>', status=status)
    response["HX-Retarget"] = target
    response["HX-Reswap"] = "innerHTML"
    return response


def ticket_detail(request: HttpRequest, tenant_slug: str, ticket_id: int) -> HttpResponse:
    page = ticket_page(ticket_id=ticket_id)
    context: dict[str, Any] = {
        "tenant": request.tenant,  # type: ignore[attr-defined]
        "member": _member(request),
        "page": page,
        "ticket": page.ticket,
        "statuses": TicketStatus.choices,
        "priorities": [(p.value, p.label) for p in Priority],
    }
    return render(request, "inbox/ticket.html", context)


def ticket_messages_fragment(
    request: HttpRequest, tenant_slug: str, ticket_id: int
) -> HttpResponse:
    ticket = workspace_ticket(ticket_id=ticket_id)
    messages, more = ticket_timeline(ticket=ticket)
    return render(
        request,
        "inbox/_timeline.html",
        {"ticket": ticket, "messages": messages, "more_before": more, "tenant": request.tenant},  # type: ignore[attr-defined]
    )


@require_POST
def ticket_reply(request: HttpRequest, tenant_slug: str, ticket_id: int) -> HttpResponse:
    ticket = workspace_ticket(ticket_id=ticket_id)
    channel_raw = request.POST.get("channel_id", "")
    try:
        message_reply(
            ticket=ticket,
            author=_member(request),
            body_text=request.POST.get("body", "")[:100_000],
            internal=request.POST.get("internal") == "1",
            channel_id=int(channel_raw) if channel_raw.isdigit() else None,
        )
    except DomainError as refusal:
        return _refusal(
            f"Not sent: {refusal.message} Your draft is kept.", "#reply-error", status=422
        )
    messages, more = ticket_timeline(ticket=ticket)
    response = render(
        request,
        "inbox/_timeline.html",
        {"ticket": ticket, "messages": messages, "more_before": more, "tenant": request.tenant},  # type: ignore[attr-defined]
    )
    response["HX-Trigger"] = "hd:reply-sent"
    return response


@require_POST
def ticket_properties(request: HttpRequest, tenant_slug: str, ticket_id: int) -> HttpResponse:
    """Status, priority and assignee; refused when the ticket changed since the form was drawn."""
    ticket = workspace_ticket(ticket_id=ticket_id)
    if request.POST.get("version", "") != ticket.updated_at.isoformat():
        return _refusal(
            "Someone changed this ticket after you opened it, so nothing was saved. "
            "Reload to see their change, then apply yours again.",
            "#properties-error",
            status=409,
        )
    changes: dict[str, Any] = {}
    status = request.POST.get("status", "")
    if status in TicketStatus.values:
        changes["status"] = status
    priority = request.POST.get("priority", "")
    if priority.isdigit() and int(priority) in Priority.values:
        changes["priority"] = int(priority)
    assignee = request.POST.get("assignee", "")
    if assignee == "none":
        changes["assignee"] = None
    elif assignee.isdigit() and int(assignee) != ticket.assignee_id:
        member = member_choices().filter(pk=int(assignee)).first()
        if member is None:
            return _refusal("That member is no longer active.", "#properties-error")
        if ticket.assignee_id is not None and member.pk != _member(request).pk:
            return _refusal("Reassigning needs a handoff note: use Hand off.", "#properties-error")
        changes["assignee"] = member
    ticket_update(ticket=ticket, actor=_member(request), **changes)
    response = HttpResponse(status=204)
    response["HX-Refresh"] = "true"
    return response


@require_POST
def ticket_handoff_view(request: HttpRequest, tenant_slug: str, ticket_id: int) -> HttpResponse:
    ticket = workspace_ticket(ticket_id=ticket_id)
    assignee_raw = request.POST.get("assignee", "")
    assignee = (
        member_choices().filter(pk=int(assignee_raw)).first() if assignee_raw.isdigit() else None
    )
    if assignee is None:
        return _refusal("Choose who takes this ticket over.", "#handoff-error")
    try:
        ticket_handoff(
            ticket=ticket,
            actor=_member(request),
            assignee=assignee,
            note=request.POST.get("note", "")[:10_000],
        )
    except DomainError as refusal:
        return _refusal(refusal.message, "#handoff-error")
    response = HttpResponse(status=204)
    response["HX-Refresh"] = "true"
    return response
