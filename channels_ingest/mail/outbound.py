"""An agent's reply as an email, sent through an anymail backend (or SMTP) built per channel.

The thread travels in the headers: our Message-ID, In-Reply-To/References citing the
conversation, and a Reply-To carrying the ticket's token, so the customer's answer comes back
to the same ticket whatever their client does with the subject.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

from anymail.exceptions import (
    AnymailAPIError,
    AnymailError,
    AnymailNotSupportedWarning,
    AnymailRecipientsRefused,
)
from django.core.mail import EmailMultiAlternatives, get_connection

from channels_ingest.adapters.base import DeliveryError, OutboundMessage, SendResult

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


def email_build(*, config: Mapping[str, Any], message: OutboundMessage) -> EmailMultiAlternatives:
    address = str(config.get("address", ""))
    name = str(config.get("from_name", "")).replace('"', "")
    headers = {}
    if message.message_id_header:
        headers["Message-ID"] = message.message_id_header
    if message.in_reply_to:
        headers["In-Reply-To"] = message.in_reply_to
    if message.references:
        headers["References"] = " ".join(message.references)
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=f'"{name}" <{address}>' if name else address,
        to=[message.to],
        reply_to=[message.reply_to] if message.reply_to else None,
        headers=headers,
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    for attachment in message.attachments:
        email.attach(attachment.filename, attachment.content, attachment.content_type)
    return email


def _retryable(exc: Exception) -> bool:
    status = getattr(exc, "status_code", None)
    if status is None:
        return not isinstance(exc, AnymailRecipientsRefused)  # network, timeouts
    return bool(status >= 500 or status == 429)


def email_send(
    *,
    backend: str,
    backend_kwargs: Mapping[str, Any],
    config: Mapping[str, Any],
    message: OutboundMessage,
) -> SendResult:
    """Send one reply; the ESP's message id becomes the external id."""
    email = email_build(config=config, message=message)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AnymailNotSupportedWarning)  # SendGrid's notice
            connection = get_connection(backend, fail_silently=False, **backend_kwargs)
        email.connection = connection
        email.send(fail_silently=False)
    except AnymailRecipientsRefused as exc:
        raise DeliveryError(f"The recipient was refused: {exc}", retryable=False) from exc
    except AnymailAPIError as exc:
        raise DeliveryError(
            f"The provider refused the email: {exc}", retryable=_retryable(exc)
        ) from exc
    except AnymailError as exc:  # configuration or unsupported feature: trying again won't help
        raise DeliveryError(f"The email could not be sent: {exc}", retryable=False) from exc
    except OSError as exc:  # SMTP and socket errors
        raise DeliveryError(f"The mail server is unreachable: {exc}", retryable=True) from exc
    status = getattr(email, "anymail_status", None)
    external = ""
    if status is not None:
        external = str(status.message_id or "")
        if status.status and status.status <= {"rejected", "invalid"}:
            raise DeliveryError("The provider rejected the recipient.", retryable=False)
    return SendResult(external_id=(external or message.message_id_header)[:255])


def smtp_kwargs(config: Mapping[str, Any]) -> dict[str, Any]:
    port = int(config.get("smtp_port") or 465)
    return {
        "host": str(config.get("smtp_host", "")),
        "port": port,
        "username": str(config.get("smtp_username") or config.get("username", "")),
        "password": str(config.get("smtp_password") or config.get("password", "")),
        "use_ssl": port == 465,
        "use_tls": port == 587,
        "timeout": 20,
    }
