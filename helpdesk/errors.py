"""Domain errors: services raise these; the API answers them with a 4xx envelope."""

from __future__ import annotations


class DomainError(ValueError):
    """A request the domain refuses. ``field`` names the input at fault, if one is."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class Conflict(DomainError):
    status = 409
    code = "conflict"
