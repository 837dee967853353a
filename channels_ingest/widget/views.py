"""The widget's public HTTP endpoints, ``/widget/<channel_id>/...`` (no token, no cookie auth).

The tenant comes from the channel. Every request is checked in this order: the channel exists
and is a widget, the page's origin is allowed (403, nothing stored), the visitor token (401),
the rate limits (429), the body's size and fields (413/400); only then is anything written.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from asgiref.sync import async_to_sync
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from channels_ingest.models import Channel
from channels_ingest.widget import guard
from channels_ingest.widget.live import customer_typing_relay
from channels_ingest.widget.selectors import (
    agents_online,
    message_view,
    visitor_history,
    visitor_ticket,
    visitor_ticket_id_cached,
    widget_channel,
)
from channels_ingest.widget.services import (
    MAX_FILE_BYTES,
    client_id_check,
    email_check,
    text_check,
    upload_check,
    widget_message_send,
    widget_read_record,
)
from channels_ingest.widget.tokens import (
    BadToken,
    Visitor,
    visitor_from_token,
    visitor_new,
    visitor_token,
    visitor_with,
)
from customers.identity_values import verify_widget_user
from helpdesk.errors import DomainError
from helpdesk.self_service import article_search
from helpdesk.tenancy import tenant_scope

MAX_JSON_BYTES = 16 * 1024
MAX_QUERY = 200
KB_COOKIE = "hd_kb_visitor"
DEFAULT_GREETING = "Hi! How can we help?"
OFFLINE_NOTE = "We're away right now. Leave a message and your email: we'll reply by email."

View = Callable[..., HttpResponse]


def widget_endpoint(action: str, *, token: bool = True, methods: tuple[str, ...] = ("POST",)):  # type: ignore[no-untyped-def]
    """Origin, CORS, token and rate limits around a widget view."""

    def wrap(view: View) -> View:
        @csrf_exempt
        @wraps(view)
        def inner(request: HttpRequest, channel_id: int) -> HttpResponse:
            channel = widget_channel(channel_id)
            origin = guard.request_origin(request)
            if channel is None:
                return guard.refusal(404, "not_found", "No such chat widget.")
            try:
                guard.origin_check(channel, origin)
            except guard.Refused as refused:  # no CORS headers: the page cannot read more
                return guard.refusal(refused.status, refused.code, refused.message)
            if request.method == "OPTIONS":
                return guard.cors(HttpResponse(status=204), origin)
            if request.method not in methods:
                wrong = guard.refusal(405, "method_not_allowed", f"Use {methods[0]}.")
                return guard.cors(wrong, origin)
            answer: HttpResponse
            with tenant_scope(channel.tenant):
                try:
                    visitor = _visitor(request, channel) if token else None
                    guard.rate_check(
                        action=action,
                        channel_id=channel.pk,
                        visitor=visitor.id if visitor else "",
                        ip=guard.client_ip(request),
                    )
                    answer = view(request, channel, visitor)
                except guard.Refused as refused:
                    answer = guard.refusal(refused.status, refused.code, refused.message)
                except DomainError as exc:
                    answer = guard.refusal(exc.status, exc.code, exc.message, exc.field or "")
            return guard.cors(answer, origin)

        return inner

    return wrap


def _visitor(request: HttpRequest, channel: Channel) -> Visitor:
    raw = request.headers.get("X-Widget-Token") or request.GET.get("token", "")
    try:
        return visitor_from_token(raw, channel_id=channel.pk)
    except BadToken as exc:
        raise guard.Refused(401, "bad_token", str(exc)) from exc


def _json(request: HttpRequest) -> dict[str, Any]:
    if len(request.body) > MAX_JSON_BYTES:
        raise guard.Refused(413, "too_large", "That is too much text for one request.")
    try:
        data = json.loads(request.body or b"{}")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise guard.Refused(400, "malformed", "The request body is not JSON.") from exc
    if not isinstance(data, dict):
        raise guard.Refused(400, "malformed", "The request body must be a JSON object.")
    return data


def _config_view(channel: Channel) -> dict[str, Any]:
    config = channel.config
    online = agents_online()
    return {
        "channel": channel.pk,
        "title": channel.name,
        "brand_color": str(config.get("brand_color") or "#2f6fed"),
        "greeting": str(config.get("greeting") or DEFAULT_GREETING),
        "pre_chat_fields": list(config.get("pre_chat_fields") or ["name", "email"]),
        "online": online,
        "mode": "live" if online else "async",
        "offline_note": OFFLINE_NOTE,
        "identity_verification": bool(config.get("identity_secret")),
        "max_file_bytes": MAX_FILE_BYTES,
        "socket": f"/ws/widget/{channel.pk}/",
        "help_center": f"{settings.PUBLIC_BASE_URL}/help/{channel.tenant.slug}/",
    }


@widget_endpoint("history", token=False, methods=("GET",))
def config(request: HttpRequest, channel: Channel, visitor: None) -> HttpResponse:
    return JsonResponse(_config_view(channel))


@widget_endpoint("session", token=False)
def session(request: HttpRequest, channel: Channel, visitor: None) -> HttpResponse:
    """Start or resume: ``{token?, user_id?, user_hash?, name?, email?}`` -> token and history."""
    data = _json(request)
    current: Visitor | None = None
    if data.get("token"):
        try:
            current = visitor_from_token(str(data["token"]), channel_id=channel.pk)
        except BadToken:
            current = None  # a stale or foreign token starts a new visitor
    if current is not None and current.user_id and data.get("user_id") != current.user_id:
        current = None  # signed out, or another user: never the previous user's conversation
    current = current or visitor_new(channel.pk)
    name = data.get("name", current.name)
    if not isinstance(name, str) or len(name) > 200:
        raise DomainError("A name is at most 200 characters.", field="name")
    changes: dict[str, Any] = {
        "name": name.strip(),
        "email": email_check(data.get("email", current.email)),
        "kb_key": str(request.COOKIES.get(KB_COOKIE, current.kb_key))[:64],
    }
    user_id, user_hash = data.get("user_id"), data.get("user_hash")
    if user_id is not None:
        if not isinstance(user_id, str) or not 1 <= len(user_id) <= 255:
            raise DomainError("user_id is 1-255 characters.", field="user_id")
        secret = str(channel.config.get("identity_secret") or "")
        verified = verify_widget_user(secret, user_id, str(user_hash or ""))
        # A forged or missing hash never becomes the user: the visitor stays anonymous.
        changes.update(user_id=user_id, user_hash=str(user_hash or "")[:64], verified=verified)
    current = visitor_with(current, **changes)
    ticket = visitor_ticket(current)
    return JsonResponse(
        {
            "token": visitor_token(current),
            "visitor": current.id,
            "verified": current.verified,
            "name": current.name,
            "email": current.email,
            "ticket": {"id": ticket.pk, "status": ticket.status} if ticket else None,
            "history": visitor_history(current),
            "config": _config_view(channel),
        }
    )


def _sent_answer(sent: Any) -> HttpResponse:
    if sent.message is None:  # stored; processing will be retried
        return JsonResponse({"message": None, "accepted": True}, status=202)
    ticket = sent.message.ticket
    return JsonResponse(
        {
            "message": message_view(sent.message),
            "ticket": {"id": ticket.pk, "status": ticket.status},
            "duplicate": not sent.created,
        },
        status=201 if sent.created else 200,
    )


@widget_endpoint("message")
def message(request: HttpRequest, channel: Channel, visitor: Visitor) -> HttpResponse:
    """``{client_id, text, page_url?}``: one visitor message; a resend of one client_id is a
    no-op that answers the stored message (200)."""
    data = _json(request)
    client_id = client_id_check(data.get("client_id"))
    text = text_check(data.get("text"))
    sent = widget_message_send(
        channel=channel,
        visitor=visitor,
        client_id=client_id,
        text=text,
        page_url=str(data.get("page_url", ""))[:500],
        mode="live" if agents_online() else "async",
    )
    return _sent_answer(sent)


@widget_endpoint("upload")
def upload(request: HttpRequest, channel: Channel, visitor: Visitor) -> HttpResponse:
    """multipart: ``file``, ``client_id``, optional ``text``."""
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > MAX_FILE_BYTES + 64 * 1024:
        raise guard.Refused(413, "too_large", "Files are at most 10 MB.")
    client_id = client_id_check(request.POST.get("client_id"))
    text = text_check(request.POST.get("text", ""), required=False)
    file = request.FILES.get("file")
    if file is None:
        raise DomainError("Choose a file to send.", field="file")
    if file.size is not None and file.size > MAX_FILE_BYTES:
        raise guard.Refused(413, "too_large", "Files are at most 10 MB.")
    content = file.read()
    name = upload_check(
        filename=file.name or "file", content_type=file.content_type or "", content=content
    )
    sent = widget_message_send(
        channel=channel,
        visitor=visitor,
        client_id=client_id,
        text=text or f"Sent a file: {name}",
        attachments=((name, file.content_type or "", content),),
        mode="live" if agents_online() else "async",
    )
    return _sent_answer(sent)


@widget_endpoint("history", methods=("GET",))
def history(request: HttpRequest, channel: Channel, visitor: Visitor) -> HttpResponse:
    after = request.GET.get("after", "0")
    ticket = visitor_ticket(visitor)
    return JsonResponse(
        {
            "history": visitor_history(visitor, after=int(after) if after.isdigit() else 0),
            "ticket": {"id": ticket.pk, "status": ticket.status} if ticket else None,
        }
    )


@widget_endpoint("typing")
def typing(request: HttpRequest, channel: Channel, visitor: Visitor) -> HttpResponse:
    ticket_id = visitor_ticket_id_cached(visitor)
    if ticket_id:
        async_to_sync(customer_typing_relay)(
            channel.tenant_id, ticket_id, visitor.name or "The customer"
        )
    return HttpResponse(status=204)


@widget_endpoint("read")
def read(request: HttpRequest, channel: Channel, visitor: Visitor) -> HttpResponse:
    up_to = _json(request).get("up_to")
    if not isinstance(up_to, int) or isinstance(up_to, bool) or up_to < 1:
        raise DomainError("up_to is the id of the latest message seen.", field="up_to")
    count = widget_read_record(channel=channel, visitor=visitor, up_to=up_to)
    return JsonResponse({"read": count})


@widget_endpoint("suggest", methods=("GET",))
def suggestions(request: HttpRequest, channel: Channel, visitor: Visitor) -> HttpResponse:
    """Articles for what the visitor is typing; logged under the visitor's key (deflection)."""
    query = request.GET.get("q", "")
    if len(query) > MAX_QUERY:
        query = query[:MAX_QUERY]  # knowledge reduces it to words; long input stays harmless
    if not query.strip():
        return JsonResponse({"results": [], "search_id": None, "failed": False})
    answer = article_search(tenant=channel.tenant, query=query, visitor_key=visitor.id)
    if answer is None:
        return JsonResponse({"results": [], "search_id": None, "failed": False})
    search_id = answer.get("search_id")
    # Opening a suggestion records the click on this search (knowledge reads sq and visitor).
    track = f"sq={search_id}&visitor={visitor.id}" if search_id else ""
    return JsonResponse(
        {
            "results": [
                {"id": r["id"], "title": r["title"], "url": _tracked(str(r["url"]), track)}
                for r in answer["results"][:5]
            ],
            "search_id": search_id,
            "failed": bool(answer.get("failed")),
        }
    )


def _tracked(url: str, track: str) -> str:
    return url + ("&" if "?" in url else "?") + track if track else url
