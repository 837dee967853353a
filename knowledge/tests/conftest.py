"""Fixtures of the knowledge tests: a clean search cache and rate-limit counters per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from knowledge import ratelimit
from knowledge.search_index import corpus_clear
from tests.seats import in_a, seat_a, seat_b  # noqa: F401  (the shared seats)


@pytest.fixture(autouse=True)
def _fresh_search_state(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    corpus_clear()
    monkeypatch.setattr(ratelimit, "namespace", f"kb-rl-{uuid.uuid4().hex}")
    yield
    corpus_clear()
