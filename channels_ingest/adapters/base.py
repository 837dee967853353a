"""The adapter contract: verify, identify, normalize, send.

An adapter is small and pure: it never touches the ORM. The webhook view hands it the raw
request; the processing task hands it the stored bytes; the delivery task hands it an
``OutboundMessage``. Everything it returns is channel-free (``inbox.inbound``).
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, ClassVar

from django.http import HttpResponse, JsonResponse

from inbox.inbound import CallUpdate, InboundMessage, StatusUpdate

Normalized = InboundMessage | StatusUpdate | CallUpdate


@dataclass(frozen=True)
class ChannelContext:
    """What an adapter may know about its channel."""

    id: int
    tenant_id: int
    kind: str
    provider: str
    config: Mapping[str, Any]
    webhook_urls: Mapping[str, str]


@dataclass(frozen=True)
class WebhookRequest:
    purpose: str
    method: str
    url: str  # the public URL the provider called (PUBLIC_BASE_URL + path + query)
    headers: Mapping[str, str]  # names lower-cased
    query: Mapping[str, str]
    body: bytes
    content_type: str


class WebhookRejected(Exception):
    """The request is refused before anything is stored."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    @classmethod
    def signature(cls, message: str = "Missing or invalid signature.") -> WebhookRejected:
        return cls(403, "bad_signature", message)

    @classmethod
    def malformed(cls, message: str) -> WebhookRejected:
        return cls(400, "malformed_payload", message)


class NormalizeError(Exception):
    """A stored event cannot be turned into messages. ``retryable`` for transient causes."""

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable


class DeliveryError(Exception):
    """Sending failed. ``retryable`` when trying again later may succeed."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True)
class OutboundAttachment:
    filename: str
    content_type: str
    content: bytes
    url: str = ""  # a public URL of the same file, for providers that fetch media


@dataclass(frozen=True)
class OutboundMessage:
    message_id: int
    to: str  # the recipient's address on this channel (email, E.164, page-scoped id, chat id)
    body_text: str
    body_html: str = ""
    subject: str = ""
    attachments: tuple[OutboundAttachment, ...] = ()
    # Email threading: our Message-ID for this message and the chain it answers.
    message_id_header: str = ""
    in_reply_to: str = ""
    references: tuple[str, ...] = ()
    reply_to: str = ""
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SendResult:
    external_id: str
    status: str = "sent"


class Adapter(ABC):
    provider: ClassVar[str]
    kinds: ClassVar[frozenset[str]]
    purposes: ClassVar[tuple[str, ...]] = ("inbound",)
    # Config keys whose values are secrets: stored encrypted, never returned by the API.
    secret_fields: ClassVar[frozenset[str]] = frozenset()
    # Config keys a channel of this provider must have, per kind.
    required_fields: ClassVar[Mapping[str, frozenset[str]]] = {}
    # ``verify``, ``event_id`` and ``acknowledge`` are quick and touch nothing outside the
    # request (an HMAC, a small parse): the webhook lane may run them on the event loop.
    verify_on_loop: ClassVar[bool] = False

    def config_errors(self, kind: str, config: Mapping[str, Any]) -> dict[str, str]:
        """Field errors for a channel's config (beyond the required keys)."""
        return {}

    def purposes_for(self, kind: str) -> tuple[str, ...]:
        """The webhook purposes a channel of this kind has (a subset of ``purposes``)."""
        return self.purposes

    def reply_window(self, kind: str) -> timedelta | None:
        """How long after the customer's last message free-text replies are allowed."""
        return None

    def handshake(self, channel: ChannelContext, request: WebhookRequest) -> HttpResponse | None:
        """Answer a provider's GET verification (e.g. Meta's hub.challenge); None: not one."""
        return None

    @abstractmethod
    def verify(self, channel: ChannelContext, request: WebhookRequest) -> None:
        """Raise ``WebhookRejected.signature()`` unless the request is authentic."""

    def event_id(self, channel: ChannelContext, request: WebhookRequest) -> str:
        """The provider's id of this delivery; the body's hash when it has none."""
        return "sha256:" + hashlib.sha256(request.body).hexdigest()

    def acknowledge(self, channel: ChannelContext, request: WebhookRequest) -> HttpResponse:
        return JsonResponse({"status": "ok"})

    @abstractmethod
    def normalize(
        self, channel: ChannelContext, purpose: str, body: bytes, headers: Mapping[str, str]
    ) -> Sequence[Normalized]:
        """The messages, status reports and call updates in a stored event."""

    def send(self, channel: ChannelContext, message: OutboundMessage) -> SendResult:
        raise DeliveryError(f"{self.provider} channels cannot send messages.", retryable=False)

    def sign_fixture(self, channel: ChannelContext, url: str, body: bytes) -> dict[str, str]:
        """Headers (signature, Content-Type) the provider would send with ``body`` to ``url``.

        Used by ``manage.py send_channel_fixture`` to replay fixtures against a server.
        """
        raise NotImplementedError(f"Replaying {self.provider} fixtures is not supported.")


def json_body(body: bytes) -> Any:
    """Parse a JSON body or raise the malformed-payload rejection."""
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WebhookRejected.malformed("The body is not valid JSON.") from exc
