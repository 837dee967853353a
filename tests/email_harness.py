"""Shared pieces of the email adapters' tests: channel secrets, signers, the test RSA key.

The RSA key below exists only for tests (Postal's webhook signature, Amazon SNS messages).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from channels_ingest.models import Channel
from helpdesk.models import Tenant
from helpdesk.tenancy import tenant_scope
from tests.factories import ChannelFactory

ADDRESS = "support@help.example.com"
TOKEN = "0123456789abcdef"  # the reply token the fixtures write to (support+TOKEN@...)
WEBHOOK_SECRET = "hook-user:hook-password-123"
MAILGUN_SIGNING_KEY = "key-mailgun-signing-0123456789"
MAILERSEND_SECRET = "ms-inbound-secret-0123456789"
RESEND_SECRET = "whsec_" + base64.b64encode(b"resend-test-secret-24byte").decode()

TEST_RSA_KEY = """-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQCyujdgr2c5rA/X
VVyt+aai5BLZeMbdKoNshKJY5x02ERUvwJED7h7SdwZ7xRWiOhATx4ls0ACgOhTo
pqQqq7w6Bu2BBmCXjvv3ski4IRUrQCsv80w9JG9H77XAseNBjH9MpFWudaZ21d/O
rmLH2NszieZn8e+RjyUKMGEpSCscBcgyFsWz6zW+j6RD8CDfYVHnQd7vUJRB92LE
P+y3yFnu5G0z+dNf4A+0Hhg2SYRWDZQJr3a+5BJK+KMoro9vZ0dkptaPxYyJEH5+
uJxuJplPP7of6oiTjmxabwee2r55A090uLso4tLQxc76AAAPH6uBmCRGwGjZD1hz
/zomHHpHAgMBAAECggEAHOcnvMyrg9Rt0g6YPfuegBR5cTkqkmpP9e+pFXl37DNt
BVuTLVsybtTCyVHrmArjE1/Juz1pVyqtZkZJ9tXuSvADM+y6bX1jsACL6VhS77tL
1fr20aMfv+Flt3N3uIpRAoLyPD6txzqlG+vFm7itEjOd0szO8kTU4kXv9djEPUlI
pGEOpFXRvdS2PCDiWEGm+a5+FxZNv0C8ePGK4Tnw7F6MS+JBAslP7iApqRZPTm+d
VEUXhlNfFuaCVRdgDMSDEsFbe0xS3QQON63tKRmZD8aXkkF4ZJlU7djQIRdCu6dz
3/LOK4PrwXm/Uf4BBNwWuqENyBXm0QUunlLDS0iueQKBgQDpV5n4b26DEPPNUQEK
TrGnHIaCN/+VhCRDLBEDvvRhVGGmg6mOfjcz4YBqkTXLxROYXNJsGMJo3swl2a6E
AfQgQG9pt1C5w2H5+FZTxZ2EAv198VrTINt+vbvjYrr2o7Ud+ZmsASSxnVtB0/Bx
bjmrSOoSNOb0dr3IDHqxLdYS8wKBgQDEFQFvXErjl4dGOcTUf6IN7EeR4f0BR8jv
ztplmZUHPewhjnWfdfY/0BHDWpnDIMmlp6sFp6nuzfQt3YENPFZz7lU+FQyXeu7L
vVD+LjrRY89WtRw90vRFJQLebhMk1L7Sdm1LJds+5s8zd+nRsYOpJn8m88CRznF9
QOjDJkAIXQKBgQDFrGeMVeH5+H+BHLFT6QyItBqi8At9vz71BLy5PqhKV7CN3pXi
V7wuIEeof7FiGWcbOO8tkeAH9U5edkVoITuNouh/V0N0yzcSCzYeq5dgASR7793w
Y7JucQ9ddwNJ8694YD21wBY0vUhUwNW9UhJar19T4ysQSBNICIJb3KewzwKBgQC4
Tw5UQKpcF7idt/tdysLm12vGomeQ5ornbsY2rhA5CGmGeUPyqYzYGpo3yFez5IPm
ZB4LaLgAsjKNUiHV8RtKSYJyopJ9aJ5BgCg7Y/UBkRH5bK+pJTtaKxnxPgJcomTj
q1G8S080ZvvoYxSzeGpLetYWJRSjeSuQEo03siKKOQKBgCfI1KKoUPedIGbKNETy
n1oXPVR2OWtY9tayPiOgeiun986c+qcJcXJXH/OjWi5a7MFgXD47lPl27EyHA+pq
j4iegER11roKfwe1SaEmK7S7WYTYgnHjal6WJImoVdCgezJW5N4c4fbFVxtamWjK
q6PyDxmnj6UTDh3nc3wEB4t4
-----END PRIVATE KEY-----"""


def private_key() -> rsa.RSAPrivateKey:
    loaded = serialization.load_pem_private_key(TEST_RSA_KEY.encode(), password=None)
    assert isinstance(loaded, rsa.RSAPrivateKey)
    return loaded


def public_key_body() -> str:
    """The public key as Postal shows it: base64 DER without PEM armour."""
    der = (
        private_key()
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return base64.b64encode(der).decode()


def certificate_pem() -> bytes:
    """A self-signed certificate for the test key (what an SNS SigningCertURL serves)."""
    key = private_key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


def rsa_sign(data: bytes, digest: hashes.HashAlgorithm) -> str:
    signature = private_key().sign(data, padding.PKCS1v15(), digest)
    return base64.b64encode(signature).decode()


def basic_auth(user_password: str = WEBHOOK_SECRET) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(user_password.encode()).decode()}


def mailgun_signature(timestamp: str, token: str) -> str:
    message = f"{timestamp}{token}".encode()
    return hmac.new(MAILGUN_SIGNING_KEY.encode(), message, hashlib.sha256).hexdigest()


def email_channel(tenant: Tenant, provider: str, **config: Any) -> Channel:
    with tenant_scope(tenant):
        channel: Channel = ChannelFactory(
            tenant=tenant, kind="email", provider=provider, config={"address": ADDRESS, **config}
        )
        return channel


Signer = Callable[[str, bytes], Mapping[str, str]]


def basic_signer(url: str, body: bytes) -> Mapping[str, str]:
    return basic_auth()


REPLY_TEXT = "The invoice still shows the old address. Could you fix it?"


def assert_reply_fixture(message: Any, *, attachments: list[tuple[str, str, int]]) -> None:
    """What every ESP's ``inbound__reply`` fixture must become (one shared customer email)."""
    assert message.body_text == REPLY_TEXT
    assert message.channel_kind == "email"
    assert message.message_id_header == "<CAF=reply.1@mail.customer.example>"
    assert message.in_reply_to == "<a1b2c3.0123456789abcdef@help.example.com>"
    assert message.references == (
        "<orig.1@mail.customer.example> <a1b2c3.0123456789abcdef@help.example.com>"
    )
    assert message.metadata["sender"] == {
        "kind": "email",
        "value": "maria.lopez@customer.example",
    }
    assert message.customer.name == "María López"
    assert message.ticket.subject == "Re: Invoice address [#42]"
    assert "<script" not in message.body_html and "onerror" not in message.body_html
    assert "<blockquote>Thanks, we updated your account.</blockquote>" in message.body_html
    with tenant_scope(message.tenant):
        stored = [(a.filename, a.content_type, a.size) for a in message.attachments.order_by("id")]
    assert stored == attachments


PDF = ("invoice.pdf", "application/pdf", 54)
PDF_BYTES = b"%PDF-1.4\n%\xc7\xec\x8f\xa2\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
