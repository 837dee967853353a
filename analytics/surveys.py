"""Surveys after resolution: invite once per ticket (throttled per customer), record answers.

The invitation is an outbound message on the ticket, which the inbox owns: analytics publishes
``survey.send`` ({ticket, channel_id, text}) and the inbox's subscriber writes the message, so
analytics never writes another room's tables. Other prompts (a widget card, a reply digit on
SMS/WhatsApp) call ``survey_answer_record`` with the request they resolved; the token is the
only thing the public page needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone

from analytics.models import (
    SCORE_RANGES,
    AnalyticsSettings,
    Survey,
    SurveyAnswer,
    SurveyKind,
    SurveyRequest,
    SurveyRequestStatus,
)
from customers.models import Customer
from helpdesk.errors import DomainError
from helpdesk.events import DomainEvent, event_publish
from helpdesk.models import Tenant
from helpdesk.tenancy import tenant_scope
from inbox.models import Direction, Message, Ticket, TicketStatus

SALT = "analytics.survey"


class SurveyLinkError(DomainError):
    """A survey link that is tampered, expired, used, or not this workspace's."""

    status = 400
    code = "survey_link"


def analytics_settings_get(*, tenant: Tenant) -> AnalyticsSettings:
    found = AnalyticsSettings.objects.filter(tenant=tenant).first()
    return found or AnalyticsSettings(tenant=tenant)


def survey_default(*, tenant: Tenant) -> Survey:
    survey = Survey.objects.filter(tenant=tenant, is_active=True).order_by("pk").first()
    if survey is None:
        survey, _ = Survey.objects.get_or_create(tenant=tenant, name="After resolution")
    return survey


def survey_token_make(*, request: SurveyRequest) -> str:
    return signing.TimestampSigner(salt=SALT).sign_object(
        {"t": request.tenant_id, "r": request.pk}, compress=False
    )


def survey_link(*, request: SurveyRequest) -> str:
    return f"{settings.PUBLIC_BASE_URL}/s/{survey_token_make(request=request)}/"


def canonical_customer_id(customer_id: int) -> int:
    """Follow ``Customer.merged_into`` to the survivor (answers survive merges this way)."""
    seen: set[int] = set()
    current = customer_id
    while current not in seen:
        seen.add(current)
        nxt = Customer.objects.filter(pk=current).values_list("merged_into_id", flat=True).first()
        if not nxt:
            return current
        current = nxt
    return current


def _customer_ids(customer_id: int) -> set[int]:
    """The survivor and every customer merged into it (directly or through others)."""
    ids = {customer_id}
    frontier = {customer_id}
    while frontier:
        frontier = (
            set(Customer.objects.filter(merged_into_id__in=frontier).values_list("pk", flat=True))
            - ids
        )
        ids |= frontier
    return ids


# A call cannot carry a link: after a call the invitation goes to the latest text channel.
NO_LINK_CHANNELS = ("voice",)


def _last_inbound(ticket: Ticket) -> Message | None:
    return (
        Message.objects.filter(ticket=ticket, direction=Direction.INBOUND)
        .exclude(channel_id=None)
        .exclude(channel_kind__in=NO_LINK_CHANNELS)
        .order_by("-created_at", "-id")
        .first()
    )


def _skip(request: SurveyRequest, reason: str) -> SurveyRequest:
    request.status = SurveyRequestStatus.SKIPPED
    request.skip_reason = reason
    request.save()
    return request


def survey_request_build(*, ticket: Ticket, at: datetime | None = None) -> SurveyRequest:
    """An unsaved invitation for a resolved ticket, with the context answers report under."""
    tenant = ticket.tenant
    config = analytics_settings_get(tenant=tenant)
    now = at or timezone.now()
    last = _last_inbound(ticket)
    return SurveyRequest(
        tenant=tenant,
        survey=survey_default(tenant=tenant),
        ticket_id=ticket.pk,
        customer_id=canonical_customer_id(ticket.customer_id),
        channel_id=last.channel_id if last else None,
        channel_kind=last.channel_kind if last else "",
        member_id=ticket.assignee_id,
        team_id=ticket.team_id,
        tier=ticket.customer.effective_tier,
        multi_channel=len(set(ticket.channel_kinds)) > 1,
        created_at=now,
        expires_at=now + timedelta(days=config.survey_link_days),
    )


def survey_request_create(*, ticket: Ticket) -> SurveyRequest | None:
    """Invite the customer of a resolved ticket; None if this ticket already had its chance."""
    tenant = ticket.tenant
    config = analytics_settings_get(tenant=tenant)
    if not config.surveys_enabled or SurveyRequest.objects.filter(ticket_id=ticket.pk).exists():
        return None
    request = survey_request_build(ticket=ticket)
    now = request.created_at
    try:
        with transaction.atomic():
            if request.channel_id is None:
                return _skip(request, "no inbound channel to answer on")
            recent = SurveyRequest.objects.filter(
                customer_id__in=_customer_ids(request.customer_id),
                status__in=[SurveyRequestStatus.SENT, SurveyRequestStatus.ANSWERED],
                created_at__gte=now - timedelta(days=config.survey_throttle_days),
            )
            if recent.exists():
                return _skip(
                    request, f"customer surveyed in the last {config.survey_throttle_days} days"
                )
            request.save()
            text = (
                f"Your request #{ticket.number} is resolved. How did we do? "
                f"It takes one click: {survey_link(request=request)}"
            )
            event_publish(
                tenant_id=tenant.pk,
                name="survey.send",
                payload={
                    "ticket": ticket.pk,
                    "channel_id": request.channel_id,
                    "text": text,
                    "request": request.pk,
                    "customer": request.customer_id,
                    "channel_kind": request.channel_kind,
                },
                broadcast=False,
            )
    except IntegrityError:  # a concurrent delivery of the same event won the race
        return None
    return request


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def survey_on_ticket_updated(event: DomainEvent) -> None:
    """Bus handler: a ticket moved to solved -> invite its customer."""
    payload = event.payload
    if (
        "status" not in (payload.get("changed") or [])
        or payload.get("status") != TicketStatus.SOLVED
    ):
        return
    tenant = Tenant.objects.get(pk=event.tenant_id)
    with tenant_scope(tenant):
        ticket = (
            Ticket.objects.select_related("customer__organization", "tenant")
            .filter(pk=_int(payload.get("id")))
            .first()
        )
        if ticket is not None and ticket.status == TicketStatus.SOLVED:
            survey_request_create(ticket=ticket)


@dataclass(frozen=True)
class OpenRequest:
    request: SurveyRequest
    survey: Survey
    tenant: Tenant


def survey_request_from_token(*, token: str) -> OpenRequest:
    """The request a link names, or a clear refusal. Activates nothing; callers scope."""
    try:
        data: Any = signing.TimestampSigner(salt=SALT).unsign_object(token)
    except signing.BadSignature as exc:
        raise SurveyLinkError("This survey link is not valid.") from exc
    if not isinstance(data, dict) or not isinstance(data.get("t"), int):
        raise SurveyLinkError("This survey link is not valid.")
    tenant = Tenant.objects.filter(pk=data["t"]).first()
    if tenant is None:
        raise SurveyLinkError("This survey link is not valid.")
    with tenant_scope(tenant):
        request = (
            SurveyRequest.objects.select_related("survey").filter(pk=_int(data.get("r"))).first()
        )
    if request is None:
        raise SurveyLinkError("This survey link is not valid.")
    return OpenRequest(request=request, survey=request.survey, tenant=tenant)


def survey_request_check_open(*, request: SurveyRequest) -> None:
    if request.status == SurveyRequestStatus.ANSWERED:
        raise SurveyLinkError("This survey was already answered. Thank you!")
    if request.status != SurveyRequestStatus.SENT:
        raise SurveyLinkError("This survey link is not valid.")
    if timezone.now() >= request.expires_at:
        raise SurveyLinkError("This survey link has expired.")


def _score(kind: SurveyKind, raw: Any, *, required: bool) -> int | None:
    low, high = SCORE_RANGES[kind]
    if raw in (None, ""):
        if required:
            raise DomainError(f"Choose a score from {low} to {high}.", field=kind.value)
        return None
    try:
        value = int(str(raw))
    except ValueError as exc:
        raise DomainError(f"Choose a score from {low} to {high}.", field=kind.value) from exc
    if not low <= value <= high:
        raise DomainError(f"Choose a score from {low} to {high}.", field=kind.value)
    return value


@transaction.atomic
def survey_answer_record(
    *,
    request: SurveyRequest,
    csat: Any,
    ces: Any = None,
    nps: Any = None,
    comment: str = "",
) -> SurveyAnswer:
    """Store the one answer of a request; a second answer is refused, never stored."""
    locked = SurveyRequest.objects.select_for_update().get(pk=request.pk)
    survey_request_check_open(request=locked)
    csat_value = _score(SurveyKind.CSAT, csat, required=True)
    assert csat_value is not None
    ces_value = _score(SurveyKind.CES, ces, required=False)
    nps_value = _score(SurveyKind.NPS, nps, required=False)
    now = timezone.now()
    answer = SurveyAnswer.objects.create(
        tenant_id=locked.tenant_id,
        request=locked,
        ticket_id=locked.ticket_id,
        customer_id=locked.customer_id,
        channel_kind=locked.channel_kind,
        member_id=locked.member_id,
        team_id=locked.team_id,
        tier=locked.tier,
        multi_channel=locked.multi_channel,
        csat=csat_value,
        ces=ces_value,
        nps=nps_value,
        comment=comment.strip()[:4000],
        answered_at=now,
    )
    locked.status = SurveyRequestStatus.ANSWERED
    locked.answered_at = now
    locked.save(update_fields=["status", "answered_at"])
    event_publish(
        tenant_id=locked.tenant_id,
        name="survey.answered",
        payload={
            "ticket": locked.ticket_id,
            "customer": locked.customer_id,
            "channel_kind": locked.channel_kind,
            "member": locked.member_id,
            "team": locked.team_id,
            "value": csat_value,
            "csat": csat_value,
            "ces": ces_value,
            "nps": nps_value,
        },
        broadcast=False,
    )
    return answer
