"""The Graph API side of Meta channels: sending replies and fetching customers' media."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlsplit

import requests

from channels_ingest.adapters.base import ChannelContext, DeliveryError
from channels_ingest.adapters.media import (
    Fetched,
    MediaRef,
    MediaUnavailable,
    host_matches,
    media_download,
    media_json,
    origin,
)

GRAPH_VERSION = "v21.0"
DEFAULT_API_BASE_URL = f"https://graph.facebook.com/{GRAPH_VERSION}"
MAX_MEDIA_BYTES = 25 * 1024 * 1024  # the webhook body cap; WhatsApp's own media limits are lower
TIMEOUT_SECONDS = 15
# Where Meta serves media from. The token goes only to the Graph API and WhatsApp's lookaside.
MEDIA_HOSTS = frozenset(
    {"lookaside.fbsbx.com", ".fbsbx.com", ".fbcdn.net", ".cdninstagram.com", ".whatsapp.net"}
)
TOKEN_HOSTS = frozenset({"graph.facebook.com", "lookaside.fbsbx.com"})
# Graph error codes that mean "slow down / try again" even when the HTTP status is 400.
RETRYABLE_CODES = frozenset({1, 2, 4, 17, 32, 341, 613, 80007, 130429, 131000, 131048, 131056})
OUTSIDE_WINDOW = (
    "The customer last wrote more than 24 hours ago: Meta only accepts an approved template "
    "message until they write again."
)


def api_base(channel: ChannelContext) -> str:
    return str(channel.config.get("api_base_url") or DEFAULT_API_BASE_URL).rstrip("/")


def _token(channel: ChannelContext) -> str:
    return str(channel.config["access_token"])


# ------------------------------------------------------------------ media


def _media_allowed(channel: ChannelContext, url: str) -> bool:
    scheme, netloc = origin(url)
    if (scheme, netloc) == origin(api_base(channel)):
        return True
    return scheme == "https" and host_matches(urlsplit(url).hostname or "", MEDIA_HOSTS)


def _media_headers(channel: ChannelContext, url: str) -> dict[str, str]:
    host = urlsplit(url).hostname or ""
    if origin(url) == origin(api_base(channel)) or host_matches(host, TOKEN_HOSTS):
        return {"Authorization": f"Bearer {_token(channel)}"}
    return {}


def media_fetch(channel: ChannelContext, ref: MediaRef) -> Fetched:
    """A WhatsApp media id is looked up on the Graph API first; a URL is fetched directly."""
    url = ref.ref
    what = f"{ref.kind} {ref.ref[:80]}"
    if not url.startswith(("https://", "http://")):
        described = media_json(
            f"{api_base(channel)}/{quote(ref.ref, safe='')}",
            headers={"Authorization": f"Bearer {_token(channel)}"},
            what=what,
        )
        if not isinstance(described, dict) or not isinstance(described.get("url"), str):
            raise MediaUnavailable(f"{what}: the Graph API gave no download URL")
        size = described.get("file_size")
        if isinstance(size, int) and size > MAX_MEDIA_BYTES:
            raise MediaUnavailable(f"{what}: larger than {MAX_MEDIA_BYTES} bytes")
        url = described["url"]
    return media_download(
        url,
        allowed=lambda u: _media_allowed(channel, u),
        headers_for=lambda u: _media_headers(channel, u),
        max_bytes=MAX_MEDIA_BYTES,
        what=what,
    )


# ------------------------------------------------------------------ sending


def _error_of(response: requests.Response) -> Mapping[str, Any]:
    try:
        payload = response.json()
    except ValueError:
        return {}
    error = payload.get("error") if isinstance(payload, dict) else None
    return error if isinstance(error, dict) else {}


def delivery_error(response: requests.Response) -> DeliveryError:
    """Map a Graph API refusal to a retryable or terminal DeliveryError."""
    error = _error_of(response)
    code = error.get("code")
    subcode = error.get("error_subcode")
    text = str(error.get("message") or response.reason or "no detail")[:300]
    status = response.status_code
    if code == 131047 or (code == 10 and subcode == 2018278) or subcode == 2534022:
        return DeliveryError(f"{OUTSIDE_WINDOW} (Meta error {code}: {text})", retryable=False)
    if code == 190:
        return DeliveryError(
            f"Meta refused the access token (error 190: {text}); update the channel's "
            "access_token.",
            retryable=False,
        )
    retryable = status == 429 or status >= 500 or code in RETRYABLE_CODES
    label = f"Meta answered {status}" + (f" (error {code}: {text})" if code else f": {text}")
    return DeliveryError(label, retryable=retryable)


def graph_post(channel: ChannelContext, path: str, payload: Mapping[str, Any]) -> Mapping[str, Any]:
    try:
        response = requests.post(
            f"{api_base(channel)}/{path}",
            json=dict(payload),
            headers={"Authorization": f"Bearer {_token(channel)}"},
            timeout=TIMEOUT_SECONDS,
        )
    except requests.RequestException as exc:
        raise DeliveryError(f"Meta unreachable: {exc}", retryable=True) from exc
    if response.status_code >= 400:
        raise delivery_error(response)
    try:
        answer = response.json()
    except ValueError as exc:
        raise DeliveryError("Meta's answer is not JSON.", retryable=False) from exc
    return answer if isinstance(answer, dict) else {}
