"""``X-Twilio-Signature``: HMAC-SHA1 of the called URL plus the sorted form parameters.

Checked with the SDK's ``RequestValidator`` against the public URL the provider called, over
the parameters parsed from the raw body (every value of a repeated name kept). JSON bodies
(Twilio's newer products) carry ``bodySHA256`` in the query and are signed over the URL only.
"""

from __future__ import annotations

import threading
from urllib.parse import parse_qs, parse_qsl, urlsplit

from twilio.request_validator import RequestValidator

from channels_ingest.adapters.base import WebhookRejected

SIGNATURE_HEADER = "x-twilio-signature"


class FormParams(dict[str, list[str]]):
    """Form parameters with every value of a repeated name (``getlist`` as Django's QueryDict)."""

    def getlist(self, name: str) -> list[str]:
        return self[name]

    def first(self, name: str, default: str = "") -> str:
        values = self.get(name)
        return values[0] if values else default


_last_parsed = threading.local()


def form_params(body: bytes) -> FormParams:
    """Parse an ``application/x-www-form-urlencoded`` body or raise the 400 rejection.

    The same body object parsed last on this thread is not parsed again (a webhook's
    signature check and its event id both read it); callers only read the result.
    """
    last = getattr(_last_parsed, "entry", None)
    if last is not None and last[0] is body:
        return last[1]
    try:
        text = body.decode("utf-8")
        parsed = parse_qs(text, keep_blank_values=True, strict_parsing=bool(text))
    except (UnicodeDecodeError, ValueError) as exc:
        raise WebhookRejected.malformed("The body is not a form-encoded Twilio request.") from exc
    params = FormParams(parsed)
    _last_parsed.entry = (body, params)
    return params


def has_body_hash(url: str) -> bool:
    return any(name == "bodySHA256" for name, _ in parse_qsl(urlsplit(url).query))


def signature_check(*, auth_token: str, url: str, body: bytes, signature: str) -> None:
    """Raise 403 unless Twilio signed this request; then 400 if the body is not a form."""
    if not signature:
        raise WebhookRejected.signature()
    validator = RequestValidator(auth_token)
    if has_body_hash(url):
        text = body.decode("utf-8", errors="replace")
        if not validator.validate(url, text, signature):
            raise WebhookRejected.signature()
        return
    try:
        params: FormParams | None = form_params(body)
    except WebhookRejected:
        params = None  # checked over the URL alone: a signed but unreadable body is a 400
    if not validator.validate(url, params or FormParams(), signature):
        raise WebhookRejected.signature()
    if params is None:
        raise WebhookRejected.malformed("The body is not a form-encoded Twilio request.")


def signature_compute(*, auth_token: str, url: str, body: bytes) -> str:
    """The signature Twilio would send for this body posted to ``url`` (fixtures, tests)."""
    if has_body_hash(url):
        params = FormParams()
    else:
        try:
            params = form_params(body)
        except WebhookRejected:
            params = FormParams()
    return str(RequestValidator(auth_token).compute_signature(url, params))
