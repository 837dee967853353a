"""The one webhook endpoint: verify on raw bytes, store once, acknowledge.

The acknowledgement depends on PostgreSQL alone; once the event committed, a drain is woken
to process it (see ``drain``), and the sweeper re-queues anything a lost wake-up left behind.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from channels_ingest.adapters.base import WebhookRejected, WebhookRequest
from channels_ingest.adapters.registry import adapter_for
from channels_ingest.drain import drain_wake_soon
from channels_ingest.selectors import webhook_channel
from channels_ingest.services import event_receive
from helpdesk.tenancy import tenant_scope


def _refusal(status: int, code: str, message: str) -> JsonResponse:
    response = JsonResponse(
        {"error": {"code": code, "message": message, "fields": {}}}, status=status
    )
    if status == 401:  # a basic-auth challenge (Amazon SNS sends credentials only after one)
        response["WWW-Authenticate"] = 'Basic realm="webhooks"'
    return response


@csrf_exempt
def webhook(request: HttpRequest, provider: str, key: str, purpose: str) -> HttpResponse:
    adapter = adapter_for(provider)
    found = webhook_channel(provider=provider, key=key) if adapter is not None else None
    if found is None or adapter is None or purpose not in adapter.purposes_for(found[0].kind):
        return _refusal(404, "not_found", "No such webhook.")
    channel, context = found
    with tenant_scope(channel.tenant):
        incoming = WebhookRequest(
            purpose=purpose,
            method=request.method or "POST",
            url=settings.PUBLIC_BASE_URL + request.get_full_path(),
            headers={name.lower(): value for name, value in request.headers.items()},
            query={name: request.GET[name] for name in request.GET},
            body=request.body,
            content_type=request.content_type or "",
        )
        try:
            if request.method == "GET":
                answer = adapter.handshake(context, incoming)
                return answer or _refusal(405, "method_not_allowed", "Use POST.")
            if request.method != "POST":
                return _refusal(405, "method_not_allowed", "Use POST.")
            adapter.verify(context, incoming)
            event_id = adapter.event_id(context, incoming)
        except WebhookRejected as refusal:
            return _refusal(refusal.status, refusal.code, refusal.message)
        _, created = event_receive(
            channel=channel,
            purpose=purpose,
            event_id=event_id,
            body=incoming.body,
            content_type=incoming.content_type,
            headers={k: v for k, v in incoming.headers.items() if k in KEPT_HEADERS},
        )
        if created:
            transaction.on_commit(drain_wake_soon)
        return adapter.acknowledge(context, incoming)


# Headers an adapter may need again when it normalizes (never credentials).
KEPT_HEADERS = frozenset({"content-type", "user-agent", "x-request-id"})
