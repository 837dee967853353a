"""Amazon SNS message signatures (SignatureVersion 1: SHA1, 2: SHA256, RSA PKCS#1 v1.5).

The signing certificate is fetched once per URL, only from ``sns.<region>.amazonaws.com`` over
HTTPS, and kept in memory.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

_CERT_HOST = re.compile(r"^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$")
_NOTIFICATION_KEYS = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
_SUBSCRIPTION_KEYS = (
    "Message",
    "MessageId",
    "SubscribeURL",
    "Timestamp",
    "Token",
    "TopicArn",
    "Type",
)
_certificates: dict[str, bytes] = {}


def sns_host_allowed(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "https" and bool(_CERT_HOST.match(parts.hostname or ""))


def certificate_fetch(url: str) -> bytes:
    if url not in _certificates:
        response = requests.get(url, timeout=10)
        response.raise_for_status()
        _certificates[url] = response.content
    return _certificates[url]


def string_to_sign(message: Mapping[str, Any]) -> bytes:
    keys = _NOTIFICATION_KEYS if message.get("Type") == "Notification" else _SUBSCRIPTION_KEYS
    lines = []
    for key in keys:
        if key in message and message[key] is not None:
            lines += [key, str(message[key])]
    return ("\n".join(lines) + "\n").encode()


def sns_signature_valid(
    message: Mapping[str, Any], fetch: Callable[[str], bytes] = certificate_fetch
) -> bool:
    url = str(message.get("SigningCertURL", ""))
    version = str(message.get("SignatureVersion", ""))
    if version not in ("1", "2") or not sns_host_allowed(url):
        return False
    try:
        certificate = x509.load_pem_x509_certificate(fetch(url))
        public_key = certificate.public_key()
        signature = base64.b64decode(str(message.get("Signature", "")), validate=True)
        if not isinstance(public_key, rsa.RSAPublicKey):
            return False
        digest = hashes.SHA1() if version == "1" else hashes.SHA256()  # noqa: S303
        public_key.verify(signature, string_to_sign(message), padding.PKCS1v15(), digest)
    except (InvalidSignature, ValueError, requests.RequestException):
        return False
    return True
