"""Fetching provider media from adapters.

Media is fetched only from hosts the adapter allows, redirects are followed by hand so every
hop is checked, and bodies are size-capped while streaming. Transient failures (network, 429,
5xx) raise a retryable ``NormalizeError``; everything else raises ``MediaUnavailable`` so the
message is kept without that file. Error texts never quote the requested URL: some providers
(Telegram) put the credential in it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from channels_ingest.adapters.base import NormalizeError
from inbox.inbound import InboundAttachment, InboundMessage

TIMEOUT_SECONDS = 20
MAX_REDIRECTS = 3
_CHUNK = 64 * 1024


class MediaUnavailable(Exception):
    """The file cannot be fetched now or later; the message is stored without it."""


@dataclass(frozen=True)
class Fetched:
    content: bytes
    content_type: str


def host_matches(host: str, allowed: frozenset[str]) -> bool:
    """``allowed`` holds exact hosts and ``.suffix`` entries for subdomains."""
    host = host.lower().rstrip(".")
    return any(
        host == entry or (entry.startswith(".") and host.endswith(entry)) for entry in allowed
    )


def origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def _check_status(response: requests.Response, what: str) -> None:
    status = response.status_code
    if status == 429 or status >= 500:
        raise NormalizeError(f"{what}: the provider answered {status}.", retryable=True)
    if status >= 400:
        raise MediaUnavailable(f"{what}: the provider answered {status}")


def media_json(url: str, *, headers: Mapping[str, str], what: str) -> Any:
    """GET a provider API resource that describes a file (Graph media, Telegram getFile)."""
    try:
        response = requests.get(url, headers=dict(headers), timeout=TIMEOUT_SECONDS)
    except requests.RequestException as exc:
        raise NormalizeError(
            f"{what}: provider unreachable ({type(exc).__name__}).", retryable=True
        ) from exc
    _check_status(response, what)
    try:
        return response.json()
    except ValueError as exc:
        raise MediaUnavailable(f"{what}: the provider's answer is not JSON") from exc


def media_download(
    url: str,
    *,
    allowed: Callable[[str], bool],
    headers_for: Callable[[str], Mapping[str, str]],
    max_bytes: int,
    what: str,
) -> Fetched:
    """Stream ``url`` (checking every redirect hop with ``allowed``) up to ``max_bytes``."""
    for _hop in range(MAX_REDIRECTS + 1):
        if not allowed(url):
            raise MediaUnavailable(f"{what}: host {urlsplit(url).hostname!r} is not allowed")
        try:
            response = requests.get(
                url,
                headers=dict(headers_for(url)),
                timeout=TIMEOUT_SECONDS,
                stream=True,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise NormalizeError(
                f"{what}: media host unreachable ({type(exc).__name__}).", retryable=True
            ) from exc
        with response:
            if response.is_redirect and response.headers.get("location"):
                url = urljoin(url, response.headers["location"])
                continue
            _check_status(response, what)
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise MediaUnavailable(f"{what}: larger than {max_bytes} bytes")
            chunks: list[bytes] = []
            size = 0
            try:
                for chunk in response.iter_content(_CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        raise MediaUnavailable(f"{what}: larger than {max_bytes} bytes")
                    chunks.append(chunk)
            except requests.RequestException as exc:
                raise NormalizeError(
                    f"{what}: download broke off ({type(exc).__name__}).", retryable=True
                ) from exc
            content_type = response.headers.get("content-type", "").split(";")[0].strip()
            return Fetched(b"".join(chunks), content_type or "application/octet-stream")
    raise MediaUnavailable(f"{what}: too many redirects")


@dataclass(frozen=True)
class MediaRef:
    """A file a message points at: a provider id or URL, resolved by the adapter's fetcher."""

    kind: str  # image, audio, video, document, sticker, ...
    ref: str  # media id, file id or URL
    content_type: str = ""
    filename: str = ""


@dataclass(frozen=True)
class Draft:
    """A parsed message whose files are still to be fetched."""

    message: InboundMessage
    media: tuple[MediaRef, ...] = ()


_EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "image/gif": ".gif",
    "audio/ogg": ".ogg",
    "audio/mpeg": ".mp3",
    "audio/mp4": ".m4a",
    "audio/aac": ".aac",
    "video/mp4": ".mp4",
    "video/3gpp": ".3gp",
    "application/pdf": ".pdf",
}


def media_filename(ref: MediaRef, content_type: str, index: int) -> str:
    if ref.filename:
        return ref.filename[:255]
    bare = content_type.split(";")[0].strip().lower()
    return f"{ref.kind}-{index}{_EXTENSIONS.get(bare, '')}"


def draft_resolve(draft: Draft, fetch: Callable[[MediaRef], Fetched]) -> InboundMessage:
    """Fetch a draft's files; a file that cannot be fetched is noted, the message kept."""
    if not draft.media:
        return draft.message
    attachments: list[InboundAttachment] = []
    missing: list[dict[str, str]] = []
    for index, ref in enumerate(draft.media, start=1):
        try:
            fetched = fetch(ref)
        except MediaUnavailable as exc:
            missing.append({"kind": ref.kind, "ref": ref.ref[:255], "reason": str(exc)})
            continue
        content_type = ref.content_type or fetched.content_type
        attachments.append(
            InboundAttachment(
                filename=media_filename(ref, content_type, index),
                content_type=content_type.split(";")[0].strip()[:127],
                content=fetched.content,
            )
        )
    metadata = dict(draft.message.metadata)
    if missing:
        metadata["media_unavailable"] = missing
    return replace(draft.message, attachments=tuple(attachments), metadata=metadata)
