"""Encryption at rest for secrets (channel credentials): Fernet, with key rotation."""

from __future__ import annotations

import base64
import hashlib
import json
from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


@cache
def _fernet() -> MultiFernet:
    """FIELD_ENCRYPTION_KEY holds one or more comma-separated Fernet keys, newest first."""
    raw = settings.FIELD_ENCRYPTION_KEY
    if raw:
        keys = [key.strip().encode() for key in raw.split(",") if key.strip()]
    else:  # development only: settings refuse to start without a key when DEBUG is off
        keys = [base64.urlsafe_b64encode(hashlib.sha256(settings.SECRET_KEY.encode()).digest())]
    return MultiFernet([Fernet(key) for key in keys])


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("Encrypted value cannot be read with the configured keys.") from exc


class EncryptedJSONField(models.TextField):  # type: ignore[type-arg]
    _pyi_private_set_type: dict[str, Any]  # type: ignore[assignment]
    _pyi_private_get_type: dict[str, Any]  # type: ignore[assignment]
    """A JSON object stored encrypted; reads and writes dicts."""

    def from_db_value(self, value: str | None, *args: Any) -> dict[str, Any]:
        if not value:
            return {}
        data: dict[str, Any] = json.loads(decrypt(value))
        return data

    def to_python(self, value: Any) -> dict[str, Any]:
        if isinstance(value, dict):
            return value
        if not value:
            return {}
        data: dict[str, Any] = json.loads(decrypt(value))
        return data

    def get_prep_value(self, value: Any) -> str:
        return encrypt(json.dumps(value or {}, sort_keys=True))
