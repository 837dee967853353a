"""Fixtures of the knowledge tests: a clean search cache and rate-limit counters per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache

from knowledge.search_index import corpus_clear
from tests.conftest import in_a, seat_a, seat_b  # noqa: F401  (the shared seats)


@pytest.fixture(autouse=True)
def _fresh_search_state() -> Iterator[None]:
    corpus_clear()
    cache.clear()
    yield
    corpus_clear()
