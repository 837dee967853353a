"""What every email adapter shares: anymail's inbound views and backends, per channel.

Each ESP folder names its anymail webhook view and backend and which channel config keys feed
them. Verification runs the view's own validators (basic auth, HMAC, Svix, RSA...) with the
channel's secrets instead of global settings, on a Django request rebuilt from the raw bytes;
parsing runs the view's own ``parse_events`` on the stored bytes; sending goes through the
ESP's anymail backend built with the channel's credentials and ``api_base_url``.
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
import warnings
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from anymail.exceptions import (
    AnymailConfigurationError,
    AnymailError,
    AnymailWebhookValidationFailure,
)
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpRequest

from channels_ingest.adapters.base import (
    Adapter,
    ChannelContext,
    Normalized,
    NormalizeError,
    OutboundMessage,
    SendResult,
    WebhookRejected,
    WebhookRequest,
    json_body,
)
from channels_ingest.mail.inbound_mime import Envelope, address_of, message_normalize
from channels_ingest.mail.outbound import email_send

logger = logging.getLogger(__name__)


def django_request(
    *, body: bytes, headers: Mapping[str, str], method: str = "POST", path: str = "/"
) -> HttpRequest:
    """A Django request carrying exactly these bytes and headers (for anymail's views)."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "443",
        "wsgi.url_scheme": "https",
        "wsgi.input": io.BytesIO(body),
        "CONTENT_LENGTH": str(len(body)),
    }
    for name, value in headers.items():
        key = name.upper().replace("-", "_")
        if key == "CONTENT_TYPE":
            environ["CONTENT_TYPE"] = value
        elif key != "CONTENT_LENGTH":
            environ[f"HTTP_{key}"] = value
    return WSGIRequest(environ)


class AnymailEmailAdapter(Adapter):
    """An ESP whose inbound webhook and sending anymail implements."""

    kinds = frozenset({"email"})
    # anymail's inbound webhook view class and backend path.
    view_class: ClassVar[type[Any]]
    backend: ClassVar[str]
    # Channel config key -> anymail's setting name, for the view and for the backend.
    view_settings: ClassVar[Mapping[str, str]] = {"webhook_secret": "webhook_secret"}
    backend_settings: ClassVar[Mapping[str, str]] = {"api_key": "api_key"}
    # The keys one of which must authenticate inbound webhooks.
    auth_fields: ClassVar[frozenset[str]] = frozenset({"webhook_secret"})
    # Whether the ESP posts JSON (checked before storing) rather than a form.
    json_payload: ClassVar[bool] = True

    def config_errors(self, kind: str, config: Mapping[str, Any]) -> dict[str, str]:
        errors: dict[str, str] = {}
        address = str(config.get("address", ""))
        if "@" not in address or " " in address.strip():
            errors["address"] = "Use the support address, like support@example.com."
        secret = config.get("webhook_secret")
        if secret is not None and (not isinstance(secret, str) or ":" not in secret):
            errors["webhook_secret"] = "Use 'user:password' (HTTP basic auth in the webhook URL)."
        if not any(config.get(name) for name in self.auth_fields):
            names = " or ".join(sorted(self.auth_fields))
            errors.setdefault(sorted(self.auth_fields)[0], f"Inbound webhooks need {names}.")
        return errors

    # Inbound -----------------------------------------------------------------------------

    def view_kwargs(self, config: Mapping[str, Any]) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            setting: config[key] for key, setting in self.view_settings.items() if config.get(key)
        }
        kwargs.setdefault("webhook_secret", [])  # never fall back to global settings
        return kwargs

    def view(self, channel: ChannelContext) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # insecure/deprecation notices: we check auth below
            return self.view_class(**self.view_kwargs(channel.config))

    def verify(self, channel: ChannelContext, request: WebhookRequest) -> None:
        if not any(channel.config.get(name) for name in self.auth_fields):
            raise WebhookRejected.signature("This channel has no webhook credentials.")
        try:
            view = self.view(channel)
            view.run_validators(django_request(body=request.body, headers=request.headers))
        except AnymailWebhookValidationFailure as exc:
            raise WebhookRejected.signature() from exc
        except (AnymailError, ValueError, KeyError, TypeError) as exc:
            raise WebhookRejected.malformed(f"Unreadable {self.provider} webhook.") from exc
        except Exception as exc:  # a setup problem on our side must not answer a 500
            logger.exception("%s webhook verification failed", self.provider)
            raise WebhookRejected.signature("The webhook could not be verified.") from exc
        if self.json_payload:
            json_body(request.body)

    def event_id(self, channel: ChannelContext, request: WebhookRequest) -> str:
        return "sha256:" + hashlib.sha256(request.body).hexdigest()

    def envelope(self, event: Any) -> Envelope:
        message = event.message
        return Envelope(
            event_id=str(event.event_id or "")[:255],
            recipient=str(getattr(message, "envelope_recipient", None) or ""),
            sender=str(getattr(message, "envelope_sender", None) or ""),
            received_at=event.timestamp,
            spam=getattr(message, "spam_detected", None),
        )

    def normalize(
        self, channel: ChannelContext, purpose: str, body: bytes, headers: Mapping[str, str]
    ) -> Sequence[Normalized]:
        request = django_request(body=body, headers=headers)
        try:
            events = self.view(channel).parse_events(request)
        except AnymailConfigurationError as exc:
            raise NormalizeError(f"Not an inbound email event: {exc}") from exc
        except OSError as exc:  # fetching content from the ESP's API (Resend, Brevo)
            raise NormalizeError(f"Could not fetch the message: {exc}", retryable=True) from exc
        except AnymailError as exc:
            retryable = getattr(exc, "status_code", None) is None or exc.status_code >= 500
            raise NormalizeError(f"{self.provider}: {exc}", retryable=retryable) from exc
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise NormalizeError(f"Malformed {self.provider} inbound payload: {exc}") from exc
        messages: list[Normalized] = []
        address = address_of(channel.config)
        for event in events:
            if event.message is None:
                continue
            item = message_normalize(
                channel_id=channel.id,
                address=address,
                message=event.message,
                envelope=self.envelope(event),
            )
            if item is not None:
                messages.append(item)
        return messages

    # Outbound ----------------------------------------------------------------------------

    def backend_kwargs(self, config: Mapping[str, Any]) -> dict[str, Any]:
        kwargs = {
            setting: config[key]
            for key, setting in self.backend_settings.items()
            if config.get(key) not in (None, "")
        }
        if config.get("api_base_url"):
            kwargs["api_url"] = str(config["api_base_url"])
        return kwargs

    def send(self, channel: ChannelContext, message: OutboundMessage) -> SendResult:
        return email_send(
            backend=self.backend,
            backend_kwargs=self.backend_kwargs(channel.config),
            config=channel.config,
            message=message,
        )

    def sign_fixture(self, channel: ChannelContext, url: str, body: bytes) -> dict[str, str]:
        """Headers that authenticate ``body`` for this channel (basic auth by default)."""
        secret = str(channel.config.get("webhook_secret", ""))
        return {"Authorization": basic_auth(secret)} if secret else {}


def basic_auth(user_password: str) -> str:
    return "Basic " + base64.b64encode(user_password.encode()).decode()
