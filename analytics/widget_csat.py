"""The chat widget's CSAT card: the visitor scores their solved conversation in the widget.

The widget's door (origin, token, rate limits) is the channels room's; the survey request and
its one answer are ours, recorded by the same ``survey_answer_record`` as the survey page.
"""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse, JsonResponse

from analytics.models import SurveyRequest
from analytics.surveys import SurveyLinkError, survey_answer_record
from channels_ingest.models import Channel
from channels_ingest.widget.selectors import visitor_ticket
from channels_ingest.widget.tokens import Visitor
from channels_ingest.widget.views import widget_endpoint
from helpdesk.errors import DomainError


@widget_endpoint("csat")
def widget_csat(request: HttpRequest, channel: Channel, visitor: Visitor) -> HttpResponse:
    """``{"score": 1-5, "comment": ""}`` for the visitor's latest solved conversation."""
    try:
        data = json.loads(request.body[:8192] or b"{}")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DomainError("The request body is not JSON.") from exc
    if not isinstance(data, dict):
        raise DomainError("The request body must be a JSON object.")
    ticket = visitor_ticket(visitor)
    request_row = (
        SurveyRequest.objects.filter(ticket_id=ticket.pk).first() if ticket is not None else None
    )
    if request_row is None:
        return JsonResponse(
            {
                "error": {
                    "code": "no_survey",
                    "message": "There is no rating to give for this conversation yet.",
                    "fields": {},
                }
            },
            status=409,
        )
    try:
        answer = survey_answer_record(
            request=request_row,
            csat=data.get("score"),
            comment=str(data.get("comment") or "")[:4000],
        )
    except SurveyLinkError as exc:
        return JsonResponse(
            {"error": {"code": "survey_closed", "message": exc.message, "fields": {}}},
            status=409,
        )
    return JsonResponse({"csat": answer.csat}, status=201)
