"""Writes on macros, and applying one to a ticket."""

from __future__ import annotations

from dataclasses import dataclass
from types import EllipsisType
from typing import Any

from django.db import IntegrityError, transaction

from helpdesk.errors import DomainError
from helpdesk.models import Membership, Tenant
from inbox.macro_selectors import VARIABLES, macro_render, macro_unknown_variables
from inbox.models import Macro, Ticket
from inbox.services import ticket_update

_FIELDS = ("name", "body", "set_status", "set_priority", "add_tags", "set_assignee", "is_active")


def _check(macro: Macro) -> None:
    if not macro.name.strip():
        raise DomainError("Give the macro a name.", field="name")
    unknown = macro_unknown_variables(body=macro.body)
    if unknown:
        raise DomainError(
            f"Unknown variable {', '.join(unknown)}; use one of {', '.join(VARIABLES)}.",
            field="body",
        )
    if not macro.body.strip() and not macro.changes_ticket:
        raise DomainError("A macro needs a text or a change to the ticket.", field="body")
    macro.add_tags = sorted({str(t).strip().lower() for t in macro.add_tags if str(t).strip()})


def macro_create(*, tenant: Tenant, **values: Any) -> Macro:
    macro = Macro(tenant=tenant, **{k: v for k, v in values.items() if k in _FIELDS})
    _check(macro)
    try:
        with transaction.atomic():
            macro.save()
    except IntegrityError as exc:
        raise DomainError("A macro with this name exists.", field="name") from exc
    return macro


def macro_update(*, macro: Macro, **values: Any) -> Macro:
    for name, value in values.items():
        if name in _FIELDS:
            setattr(macro, name, value)
    _check(macro)
    try:
        with transaction.atomic():
            macro.save()
    except IntegrityError as exc:
        raise DomainError("A macro with this name exists.", field="name") from exc
    return macro


def macro_delete(*, macro: Macro) -> None:
    macro.delete()


@dataclass(frozen=True)
class MacroApplied:
    body: str
    ticket: Ticket
    changed: list[str]


@transaction.atomic
def macro_apply(*, macro: Macro, ticket: Ticket, actor: Membership) -> MacroApplied:
    """Change the ticket as the macro says and return its text for the reply box.

    The text is not sent: the agent reviews it and sends it through the reply box.
    """
    if not macro.is_active:
        raise DomainError("This macro is switched off.", field="macro")
    changed: list[str] = []
    status = macro.set_status or None
    priority = macro.set_priority
    assignee: Membership | EllipsisType | None = ...
    if macro.set_assignee_id and macro.set_assignee_id != ticket.assignee_id:
        assignee = macro.set_assignee
    tags = None
    if macro.add_tags:
        current = list(ticket.tags.values_list("name", flat=True))
        if set(macro.add_tags) - set(current):
            tags = [*current, *macro.add_tags]
    if status and status != ticket.status:
        changed.append("status")
    if priority and priority != ticket.priority:
        changed.append("priority")
    if assignee is not ...:
        changed.append("assignee")
    if tags is not None:
        changed.append("tags")
    if changed:
        ticket_update(
            ticket=ticket,
            actor=actor,
            status=status,
            priority=priority,
            assignee=assignee,
            tags=tags,
        )
    body = macro_render(body=macro.body, ticket=ticket, agent=actor)
    return MacroApplied(body=body, ticket=ticket, changed=changed)
