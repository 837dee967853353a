"""The widget's door: allowed origins, CORS headers, rate limits and clear refusals."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse

from channels_ingest.adapters.widget.adapter import allowed_origins, origin_normalize
from channels_ingest.models import Channel

# Part of every widget cache key (counters, look-ups); tests switch it to start afresh.
namespace = "widget"

# (hits, window seconds) per visitor and per IP, by what is being done.
LIMITS: dict[str, tuple[tuple[int, int], tuple[int, int]]] = {
    "session": ((30, 60), (60, 60)),
    "message": ((20, 60), (120, 60)),
    "upload": ((10, 600), (30, 600)),
    "typing": ((60, 60), (300, 60)),
    "read": ((60, 60), (300, 60)),
    "suggest": ((40, 60), (120, 60)),
    "history": ((60, 60), (300, 60)),
    "csat": ((10, 600), (30, 600)),
}


class Refused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def request_origin(request: HttpRequest) -> str | None:
    """The page's origin: the Origin header, else the Referer's (same-origin GETs omit Origin)."""
    origin = request.headers.get("Origin")
    if origin and origin != "null":
        return origin_normalize(origin)
    referer = request.headers.get("Referer", "")
    if referer:
        parts = urlsplit(referer)
        return origin_normalize(f"{parts.scheme}://{parts.netloc}")
    return None


def origin_check(channel: Channel, origin: str | None) -> str:
    if origin is None:
        raise Refused(
            403, "origin_missing", "The chat widget only answers pages that send their origin."
        )
    if origin not in allowed_origins(channel.config):
        raise Refused(
            403,
            "origin_not_allowed",
            f"The chat widget is not enabled on {origin}. Add it to the channel's allowed origins.",
        )
    return origin


def client_ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))[:64]


def _hit(name: str, limit: int, window: int) -> bool:
    bucket = int(time.time() // window)
    key = f"{namespace}:{name}:{bucket}"
    cache.add(key, 0, timeout=window + 5)
    try:
        count = int(cache.incr(key))
    except ValueError:
        cache.add(key, 1, timeout=window + 5)
        count = 1
    return count > limit


def rate_check(*, action: str, channel_id: int, visitor: str, ip: str) -> None:
    # settings.WIDGET_RATE_LIMITS overrides some actions' limits (same shape as LIMITS).
    limits = {**LIMITS, **getattr(settings, "WIDGET_RATE_LIMITS", {})}
    (per_visitor, visitor_window), (per_ip, ip_window) = limits[action]
    if visitor and _hit(f"{action}:v:{channel_id}:{visitor}", per_visitor, visitor_window):
        raise Refused(
            429,
            "throttled",
            f"Slow down: at most {per_visitor} of these every {visitor_window} seconds. "
            "Please wait a moment and try again.",
        )
    if _hit(f"{action}:ip:{ip}", per_ip, ip_window):
        raise Refused(
            429,
            "throttled",
            "Too many requests from your network right now. Please wait a moment and try again.",
        )


def cors(response: HttpResponse, origin: str | None) -> HttpResponse:
    """CORS headers for an allowed origin only; other origins get none."""
    response["Vary"] = "Origin"
    if origin:
        response["Access-Control-Allow-Origin"] = origin
        response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response["Access-Control-Allow-Headers"] = "Content-Type, X-Widget-Token"
        response["Access-Control-Max-Age"] = "600"
    return response


def refusal(status: int, code: str, message: str, field: str = "") -> JsonResponse:
    fields = {field: [message]} if field else {}
    return JsonResponse(
        {"error": {"code": code, "message": message, "fields": fields}}, status=status
    )
