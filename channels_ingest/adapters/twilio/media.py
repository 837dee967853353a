"""MMS and WhatsApp media: fetched with the channel's credentials from Twilio hosts only.

Media URLs point at ``api.twilio.com``, which redirects to Twilio's CDN. Every hop must be an
allow-listed host; the body is capped. When the channel sets ``api_base_url`` the API host is
swapped for it (sandboxes, regional endpoints, test doubles).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from channels_ingest.adapters.base import NormalizeError

MAX_MEDIA_BYTES = 10 * 1024 * 1024
API_HOST = "api.twilio.com"
ALLOWED_HOST_SUFFIXES = (".twilio.com", ".twiliocdn.com")
# Twilio's CDN is also reached through S3 under a bucket named for it.
S3_HOSTS = frozenset({"s3-external-1.amazonaws.com", "s3.amazonaws.com"})
MAX_REDIRECTS = 3


class MediaRefused(Exception):
    """This item will never be fetched (host, size, 4xx); the message is kept without it."""


def host_allowed(url: str) -> bool:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme != "https":
        return False
    if host == API_HOST or host.endswith(ALLOWED_HOST_SUFFIXES):
        return True
    return host in S3_HOSTS and parts.path.startswith("/media.twiliocdn.com/")


def _rebased(url: str, api_base_url: str) -> str:
    parts = urlsplit(url)
    if not api_base_url or (parts.hostname or "").lower() != API_HOST:
        return url
    return api_base_url.rstrip("/") + parts.path + (f"?{parts.query}" if parts.query else "")


def media_fetch(*, url: str, config: Mapping[str, Any]) -> bytes:
    """Download one media item: MediaRefused, or NormalizeError (retryable) on network trouble."""
    if not host_allowed(url):
        raise MediaRefused(f"Media host not allowed: {urlsplit(url).hostname}.")
    api_base_url = str(config.get("api_base_url") or "")
    target = _rebased(url, api_base_url)
    auth: tuple[str, str] | None = (str(config["account_sid"]), str(config["auth_token"]))
    try:
        for _ in range(MAX_REDIRECTS + 1):
            with requests.get(
                target, auth=auth, timeout=(5, 30), stream=True, allow_redirects=False
            ) as response:
                if response.is_redirect:
                    location = urljoin(target, response.headers.get("Location", ""))
                    if not host_allowed(location):
                        raise MediaRefused(f"Media redirected off Twilio: {location[:200]}")
                    target, auth = location, None  # the CDN URL is pre-signed
                    continue
                if response.status_code >= 500 or response.status_code == 429:
                    raise NormalizeError(
                        f"Media fetch answered {response.status_code}.", retryable=True
                    )
                if response.status_code >= 400:
                    raise MediaRefused(f"Media fetch answered {response.status_code}.")
                return _capped(response)
    except requests.RequestException as exc:
        raise NormalizeError(f"Media fetch failed: {exc}", retryable=True) from exc
    raise MediaRefused("Media redirected too many times.")


def _capped(response: requests.Response) -> bytes:
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > MAX_MEDIA_BYTES:
        raise MediaRefused(f"Media larger than {MAX_MEDIA_BYTES // (1024 * 1024)} MB.")
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(64 * 1024):
        size += len(chunk)
        if size > MAX_MEDIA_BYTES:
            raise MediaRefused(f"Media larger than {MAX_MEDIA_BYTES // (1024 * 1024)} MB.")
        chunks.append(chunk)
    return b"".join(chunks)
