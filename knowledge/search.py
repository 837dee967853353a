"""Knowledge search: lexical ranking (PostgreSQL FTS + pg_trgm, or BM25 in Python on other
databases), optionally fused with semantic similarity (hybrid).

Every result carries a score in [0, 1] that means the same on every backend:
``lexical = coverage * (0.5 + 0.5 * raw / best_raw)``, where coverage is the share of the
query's terms the article contains, and ``hybrid = w * cosine + (1 - w) * lexical``.
"""

from __future__ import annotations

import heapq
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from django.db import connection

from helpdesk.tenancy import tenant_current
from knowledge.models import Article
from knowledge.search_index import Corpus, corpus_get
from knowledge.search_pg import pg_search
from knowledge.semantic import encoder_get, query_vector
from knowledge.text import has_word, query_normalize, query_terms, snippet, surface_forms, words

CANDIDATES = 50
SEMANTIC_WEIGHT = 0.85  # w, tuned on the training split of the stackfaq corpus
MAX_LIMIT = 50


@dataclass(frozen=True)
class SearchHit:
    id: int
    title: str
    snippet: str
    score: float
    locale: str
    slug: str


@dataclass(frozen=True)
class SearchOutcome:
    query: str
    normalized_query: str
    hits: list[SearchHit]
    mode: str  # "lexical" | "hybrid" | "empty"
    elapsed_ms: float


class _Row(NamedTuple):
    title: str
    body_text: str
    locale: str
    slug: str


def search_mode_default() -> str:
    return "hybrid" if encoder_get() is not None else "lexical"


def _rows(ids: list[int], locale: str | None, published_only: bool) -> dict[int, _Row]:
    articles = Article.objects.filter(pk__in=list(dict.fromkeys(ids)))
    if published_only:
        articles = articles.filter(status="published")
    if locale:
        articles = articles.filter(locale=locale)
    fields = ("id", "title", "body_text", "locale", "slug")
    return {pk: _Row(*rest) for pk, *rest in articles.values_list(*fields)}


def _coverage(terms: list[str], title: str, body_text: str, corpus: Corpus | None) -> float:
    """The share of ``terms`` (or their typo corrections) among the article's tokens.

    Equal to intersecting with ``tokens(title + body)``, without stemming every word of a
    long body: a term is present when one of its surface forms is among the text's words.
    """
    if not terms:
        return 0.0
    text = f"{title}\n{body_text}".lower()  # no word spans the line break
    found = 0
    for term in terms:
        known = corpus.correct(term) if corpus is not None else term
        if _present(text, term) or (known is not None and known != term and _present(text, known)):
            found += 1
    return found / len(terms)


def _present(text: str, term: str) -> bool:
    """Whether a surface form of ``term`` is one of the words of the lower-cased ``text``."""
    for probe, forms in _probes(term):
        if probe in text and any(has_word(text, form) for form in forms):
            return True
    return False


@lru_cache(maxsize=4096)
def _probes(term: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The surface forms of ``term`` under a substring each contains (most share the term)."""
    groups: dict[str, list[str]] = {}
    for form in sorted(surface_forms(term)):
        groups.setdefault(term if form.startswith(term) else form, []).append(form)
    return tuple((probe, tuple(forms)) for probe, forms in groups.items())


def article_search(
    *,
    query: str,
    locale: str | None = None,
    limit: int = 10,
    published_only: bool = True,
    mode: str | None = None,
) -> SearchOutcome:
    """The active tenant's articles best matching ``query``, best first."""
    started = time.perf_counter()
    normalized = query_normalize(query)
    terms = query_terms(normalized)
    limit = max(1, min(limit, MAX_LIMIT))
    mode = mode or search_mode_default()
    encoder = encoder_get() if mode == "hybrid" else None
    if not normalized:
        return SearchOutcome(query[:200], "", [], "empty", 0.0)
    on_pg = connection.vendor == "postgresql"
    corpus = None
    if not on_pg or encoder is not None:
        corpus = corpus_get(
            tenant_id=tenant_current().pk,
            locale=locale,
            published_only=published_only,
            semantic=encoder is not None,
            lexical=not on_pg,
        )
    cosine: dict[int, float] = {}
    embedded: frozenset[int] = frozenset()
    if encoder is not None and corpus is not None and corpus.matrix is not None:
        embedded = corpus.embedded
        sims = corpus.matrix @ query_vector(encoder, normalized)
        count = min(CANDIDATES, len(sims))
        top = sims.argpartition(len(sims) - count)[len(sims) - count :]
        cosine = {corpus.matrix_ids[i]: float(sims[i]) for i in top}
    rows: dict[int, _Row]
    if on_pg:  # one statement: lexical candidates and the rows of every candidate
        found = pg_search(
            tenant_id=tenant_current().pk,
            words=words(normalized)[:24],
            locale=locale,
            published_only=published_only,
            limit=CANDIDATES,
            extra_ids=list(cosine),
        )
        raw = [(c.id, c.raw) for c in found if c.raw is not None]
        rows = {c.id: _Row(c.title, c.body_text, c.locale, c.slug) for c in found}
    else:
        assert corpus is not None
        raw = corpus.bm25(terms, CANDIDATES)
        rows = _rows([pk for pk, _ in raw] + list(cosine), locale, published_only)
    best_raw = raw[0][1] if raw else 1.0
    lexical_rel = {pk: (score / best_raw if best_raw > 0 else 0.0) for pk, score in raw}

    def score_of(pk: int, coverage: float) -> float:
        lexical = coverage * (0.5 + 0.5 * lexical_rel[pk]) if pk in lexical_rel else 0.0
        if pk in embedded:  # articles whose embedding is not computed yet rank lexically
            semantic = max(cosine.get(pk, 0.0), 0.0)
            return SEMANTIC_WEIGHT * semantic + (1 - SEMANTIC_WEIGHT) * lexical
        return lexical

    # Coverage (reading each body) only for candidates that can still make the first
    # ``limit``: a score is at most its value at full coverage.
    bounds = sorted(((score_of(pk, 1.0), pk) for pk in rows), key=lambda b: (-b[0], b[1]))
    scored: list[tuple[float, int]] = []
    best: list[float] = []  # min-heap of the ``limit`` best scores so far
    for bound, pk in bounds:
        if len(best) == limit and bound < best[0]:
            break
        score = score_of(pk, _coverage(terms, rows[pk].title, rows[pk].body_text, corpus))
        if score > 0:
            scored.append((score, pk))
            if len(best) < limit:
                heapq.heappush(best, score)
            elif score > best[0]:
                heapq.heapreplace(best, score)
    scored.sort(key=lambda item: (-item[0], item[1]))
    hits = [
        SearchHit(
            id=pk,
            title=rows[pk].title,
            snippet=snippet(rows[pk].body_text, terms),
            score=round(score, 4),
            locale=rows[pk].locale,
            slug=rows[pk].slug,
        )
        for score, pk in scored[:limit]
    ]
    elapsed = (time.perf_counter() - started) * 1000
    mode = "hybrid" if embedded else "lexical"
    return SearchOutcome(query[:200], normalized, hits, mode, elapsed)
