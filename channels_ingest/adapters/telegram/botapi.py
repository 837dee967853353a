"""The Telegram Bot API side: sendMessage and getFile downloads, from the bot API host only."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import requests

from channels_ingest.adapters.base import ChannelContext, DeliveryError
from channels_ingest.adapters.media import (
    Fetched,
    MediaRef,
    MediaUnavailable,
    media_download,
    media_json,
    origin,
)

DEFAULT_API_BASE_URL = "https://api.telegram.org"
MAX_FILE_BYTES = 20 * 1024 * 1024  # bots cannot download bigger files
TIMEOUT_SECONDS = 15


def api_base(channel: ChannelContext) -> str:
    return str(channel.config.get("api_base_url") or DEFAULT_API_BASE_URL).rstrip("/")


def _bot(channel: ChannelContext) -> str:
    return f"{api_base(channel)}/bot{channel.config['bot_token']}"


def file_fetch(channel: ChannelContext, ref: MediaRef) -> Fetched:
    what = f"{ref.kind} {ref.ref[:80]}"
    described = media_json(
        f"{_bot(channel)}/getFile?file_id={quote(ref.ref, safe='')}", headers={}, what=what
    )
    result = described.get("result") if isinstance(described, dict) else None
    path = result.get("file_path") if isinstance(result, dict) else None
    if not isinstance(path, str) or not path or ".." in path:
        raise MediaUnavailable(f"{what}: Telegram gave no file path")
    size = result.get("file_size") if isinstance(result, dict) else None
    if isinstance(size, int) and size > MAX_FILE_BYTES:
        raise MediaUnavailable(f"{what}: larger than {MAX_FILE_BYTES} bytes")
    base = api_base(channel)
    return media_download(
        f"{base}/file/bot{channel.config['bot_token']}/{quote(path)}",
        allowed=lambda url: origin(url) == origin(base),
        headers_for=lambda url: {},
        max_bytes=MAX_FILE_BYTES,
        what=what,
    )


def _refusal(response: requests.Response) -> DeliveryError:
    try:
        answer: Any = response.json()
    except ValueError:
        answer = {}
    answer = answer if isinstance(answer, dict) else {}
    description = str(answer.get("description") or response.reason or "no detail")[:300]
    status = response.status_code
    parameters = answer.get("parameters") if isinstance(answer.get("parameters"), dict) else {}
    if status == 429:
        wait = parameters.get("retry_after") if parameters else None
        return DeliveryError(
            f"Telegram is rate limiting this bot (retry after {wait} s): {description}",
            retryable=True,
        )
    if status == 403:
        return DeliveryError(
            f"Telegram refused: {description} (the customer blocked or never started the bot).",
            retryable=False,
        )
    return DeliveryError(f"Telegram answered {status}: {description}", retryable=status >= 500)


def send_message(channel: ChannelContext, chat_id: str, text: str) -> Mapping[str, Any]:
    try:
        response = requests.post(
            f"{_bot(channel)}/sendMessage",
            json={"chat_id": chat_id, "text": text},
            timeout=TIMEOUT_SECONDS,
        )
    except requests.RequestException as exc:
        # The exception text may carry the URL and so the token: keep only its type.
        raise DeliveryError(
            f"Telegram unreachable ({type(exc).__name__}).", retryable=True
        ) from exc
    if response.status_code >= 400:
        raise _refusal(response)
    try:
        answer = response.json()
    except ValueError as exc:
        raise DeliveryError("Telegram's answer is not JSON.", retryable=False) from exc
    result = answer.get("result") if isinstance(answer, dict) and answer.get("ok") else None
    if not isinstance(result, dict):
        raise DeliveryError(
            "Telegram accepted the message but returned no result.", retryable=False
        )
    return result
