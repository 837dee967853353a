"""Input checks shared by the API, the pages and the services."""

from __future__ import annotations

import re

from helpdesk.errors import DomainError
from knowledge.models import LOCALE_PATTERN

_LOCALE = re.compile(LOCALE_PATTERN)


def locale_clean(value: str) -> str:
    """``en`` or ``pt-BR``; anything else is refused."""
    value = (value or "").strip()
    if len(value) == 5 and "_" in value:
        value = value.replace("_", "-")
    value = value[:2].lower() + "-" + value[3:].upper() if len(value) == 5 else value.lower()
    if not _LOCALE.match(value):
        raise DomainError("Use a locale such as 'en' or 'pt-BR'.", field="locale")
    return value
