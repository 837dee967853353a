"""Retrieval quality on stackfaq's held-out queries, asserted at the measured figures minus a
small margin (see README, "Knowledge and help center")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from helpdesk.tenancy import tenant_scope
from knowledge.search_index import corpus_clear
from knowledge.semantic import semantic_available
from tests.bench.kb_quality import STACKFAQ, stackfaq_articles_create, stackfaq_evaluate
from tests.seats import Seat

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not STACKFAQ.is_file(), reason=f"{STACKFAQ} is absent (read in place)"),
]

# Held-out split, measured: lexical BM25 (SQLite) and PostgreSQL FTS differ a little.
LEXICAL_FLOOR = {"sqlite": (0.56, 0.78, 0.66), "postgresql": (0.63, 0.80, 0.71)}
HYBRID_FLOOR = (0.90, 0.98, 0.93)


@pytest.fixture
def stackfaq(seat_a: Seat, django_capture_on_commit_callbacks: Callable[..., Any]) -> list[int]:
    corpus_clear()
    with tenant_scope(seat_a.tenant), django_capture_on_commit_callbacks(execute=True):
        return stackfaq_articles_create(seat_a.tenant)


def test_lexical_quality(seat_a: Seat, stackfaq: list[int]) -> None:
    with tenant_scope(seat_a.tenant):
        quality = stackfaq_evaluate(stackfaq, held_out=True, mode="lexical")
    r1, r5, mrr = LEXICAL_FLOOR[connection.vendor]
    assert quality.queries == 250
    assert quality.recall_at_1 >= r1 and quality.recall_at_5 >= r5 and quality.mrr_at_10 >= mrr


@pytest.mark.skipif(not semantic_available(), reason="the semantic extra is not installed")
def test_hybrid_quality(seat_a: Seat, stackfaq: list[int]) -> None:
    with tenant_scope(seat_a.tenant):
        quality = stackfaq_evaluate(stackfaq, held_out=True, mode="hybrid")
    r1, r5, mrr = HYBRID_FLOOR
    assert quality.recall_at_1 >= r1 and quality.recall_at_5 >= r5 and quality.mrr_at_10 >= mrr
