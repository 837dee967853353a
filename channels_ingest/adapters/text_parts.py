"""Long replies split into the parts a messaging provider accepts."""

from __future__ import annotations


def chunks(text: str, size: int) -> list[str]:
    """Split a long reply at line breaks or spaces into parts the provider accepts."""
    parts: list[str] = []
    rest = text
    while len(rest) > size:
        cut = max(rest.rfind("\n", 0, size), rest.rfind(" ", 0, size))
        cut = cut if cut > size // 2 else size
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    parts.append(rest)
    return [part for part in parts if part] or [""]
