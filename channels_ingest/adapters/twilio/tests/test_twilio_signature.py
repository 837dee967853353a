"""The signature check against Twilio's public vectors (read in place) and our own cases."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from django.http import QueryDict
from twilio.request_validator import RequestValidator

from channels_ingest.adapters.base import WebhookRejected
from channels_ingest.adapters.twilio.signature import signature_check, signature_compute
from channels_ingest.adapters.twilio.tests.support import AUTH_TOKEN

PROJECT = Path(__file__).resolve().parents[4]
CANDIDATES = [
    Path(os.environ.get("HELPDESK_CORPORA", PROJECT.parent / "shared" / "corpora")),
    PROJECT.parent.parent / "shared" / "corpora",  # from a worktree under <repo>/wt/
]
VECTORS = next(
    (c / "twilio" / "twilio_signature_vectors.json" for c in CANDIDATES if c.is_dir()), None
)


def _vectors() -> dict[str, Any]:
    if VECTORS is None or not VECTORS.is_file():
        pytest.skip("../shared/corpora/twilio/twilio_signature_vectors.json is absent")
    data: dict[str, Any] = json.loads(VECTORS.read_text())
    return data


def _case_body(case: dict[str, Any]) -> bytes:
    if "raw_body" in case:
        return str(case["raw_body"]).encode()
    pairs = [tuple(p) for p in case.get("params_multi") or case.get("params", {}).items()]
    return urlencode(pairs).encode()


def _check(token: str, case: dict[str, Any]) -> bool:
    try:
        signature_check(
            auth_token=token,
            url=case["url"],
            body=_case_body(case),
            signature=case["signature"],
        )
    except WebhookRejected as refusal:
        assert refusal.status == 403, refusal.message
        return False
    return True


def test_public_vectors() -> None:
    data = _vectors()
    results = {case["name"]: _check(data["auth_token"], case) for case in data["cases"]}
    expected = {
        case["name"]: case["valid"] if isinstance(case["valid"], bool) else False
        for case in data["cases"]
    }
    assert results == expected
    assert sum(expected.values()) >= 10


def test_self_generated_inbound_payloads() -> None:
    generated = _vectors()["self_generated"]
    results = [_check(generated["auth_token"], case) for case in generated["cases"]]
    assert results == [True] * len(generated["cases"])
    assert len(results) == 6


def test_repeated_values_are_all_signed() -> None:
    url = "https://helpdesk.example.com/webhooks/twilio/k/inbound/"
    body = b"MessageSid=SM1&Tag=b&Tag=a&Tag=a"
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, QueryDict(body))
    signature_check(auth_token=AUTH_TOKEN, url=url, body=body, signature=signature)
    assert signature_compute(auth_token=AUTH_TOKEN, url=url, body=body) == signature
    with pytest.raises(WebhookRejected):
        signature_check(
            auth_token=AUTH_TOKEN, url=url, body=b"MessageSid=SM1&Tag=b", signature=signature
        )


def test_json_body_is_bound_by_its_sha256() -> None:
    body = b'{"event": "x"}'
    url = (
        "https://h.example/webhooks/twilio/k/status/?bodySHA256=" + hashlib.sha256(body).hexdigest()
    )
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, {})
    signature_check(auth_token=AUTH_TOKEN, url=url, body=body, signature=signature)
    with pytest.raises(WebhookRejected) as caught:
        signature_check(auth_token=AUTH_TOKEN, url=url, body=b'{"event": "y"}', signature=signature)
    assert caught.value.status == 403


def test_one_request_body_is_parsed_once_and_a_bad_one_refused_every_time(monkeypatch) -> None:
    from channels_ingest.adapters.twilio import signature

    calls: list[str] = []
    real = signature.parse_qs

    def counting(text: str, **kwargs: Any) -> dict[str, list[str]]:
        calls.append(text)
        return real(text, **kwargs)

    monkeypatch.setattr(signature, "parse_qs", counting)
    body = urlencode({"MessageSid": "SM1", "Body": "Hi"}).encode()
    first = signature.form_params(body)
    assert signature.form_params(body) is first  # the signature check, then the event id
    assert calls == ["MessageSid=SM1&Body=Hi"]
    again = signature.form_params(bytes(bytearray(body)))  # equal bytes, another request
    assert again == first and again is not first
    assert len(calls) == 2
    broken = b"\xff\xfe=1"
    for _ in range(2):
        with pytest.raises(WebhookRejected):
            signature.form_params(broken)
