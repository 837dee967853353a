"""Per-process, per-tenant search corpora: the BM25 index and the embedding matrix.

Each corpus is keyed by the tenant, the locale filter and whether drafts count, and is rebuilt
when the articles' version (count, newest update, highest id) changes, which one indexed
aggregate query checks on every search (every few seconds for an embedding matrix alone).
"""

from __future__ import annotations

import difflib
import math
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max, QuerySet

from knowledge.models import Article
from knowledge.text import tokens

TITLE_WEIGHT = 3
# An embedding matrix alone (PostgreSQL ranks lexically itself) is checked for changes at most
# this often: embeddings are computed asynchronously anyway, and searches re-read the rows of
# their candidates with the same filters, so a removed or unpublished article never shows.
MATRIX_CHECK_SECONDS = 2.0
BM25_K1 = 1.2
BM25_B = 0.75
_MAX_CORPORA = 64

CorpusKey = tuple[int, str, bool, bool]


@dataclass
class Corpus:
    version: tuple[Any, ...]
    ids: list[int] = field(default_factory=list)
    doc_terms: list[Counter[str]] = field(default_factory=list)
    doc_len: list[int] = field(default_factory=list)
    postings: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    idf: dict[str, float] = field(default_factory=dict)
    avg_len: float = 1.0
    vocabulary: list[str] = field(default_factory=list)
    matrix: Any = None  # float32 (n, d) of the articles that have an embedding
    matrix_ids: list[int] = field(default_factory=list)
    embedded: frozenset[int] = frozenset()
    corrections: dict[str, str | None] = field(default_factory=dict)
    checked_at: float = 0.0

    def correct(self, term: str) -> str | None:
        """The vocabulary term closest to an unknown ``term`` (typo tolerance), if any."""
        if term in self.idf:
            return term
        if term not in self.corrections:
            close = difflib.get_close_matches(term, self.vocabulary, n=1, cutoff=0.8)
            self.corrections[term] = close[0] if close and len(term) >= 4 else None
        return self.corrections[term]

    def bm25(self, terms: list[str], limit: int) -> list[tuple[int, float]]:
        scores: dict[int, float] = {}
        for term in terms:
            known = self.correct(term)
            if known is None:
                continue
            idf = self.idf[known]
            for doc, tf in self.postings[known]:
                norm = BM25_K1 * (1 - BM25_B + BM25_B * self.doc_len[doc] / self.avg_len)
                scores[doc] = scores.get(doc, 0.0) + idf * tf * (BM25_K1 + 1) / (tf + norm)
        best = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:limit]
        return [(self.ids[doc], score) for doc, score in best]


_corpora: dict[CorpusKey, Corpus] = {}
_lock = threading.Lock()


def _articles(locale: str | None, published_only: bool) -> QuerySet[Article]:
    articles = Article.objects.all()
    if published_only:
        articles = articles.filter(status="published")
    if locale:
        articles = articles.filter(locale=locale)
    return articles


def _version(articles: QuerySet[Article]) -> tuple[Any, ...]:
    found = articles.aggregate(n=Count("id"), updated=Max("updated_at"), top=Max("id"))
    return (found["n"], found["updated"], found["top"])


def _build(
    articles: QuerySet[Article], version: tuple[Any, ...], *, semantic: bool, lexical: bool
) -> Corpus:
    corpus = Corpus(version=version)
    fields = ["id", "title", "body_text"] if lexical else ["id"]
    rows = articles.order_by("id").values_list(*fields, "embedding")
    vectors: list[bytes] = []
    for *row, embedding in rows:
        pk = row[0]
        if semantic and embedding:
            vectors.append(bytes(embedding))
            corpus.matrix_ids.append(pk)
        if not lexical:
            continue
        title, body_text = row[1], row[2]
        terms = Counter(tokens(body_text))
        for term in tokens(title):
            terms[term] += TITLE_WEIGHT
        doc = len(corpus.ids)
        corpus.ids.append(pk)
        corpus.doc_terms.append(terms)
        corpus.doc_len.append(sum(terms.values()))
        for term, tf in terms.items():
            corpus.postings.setdefault(term, []).append((doc, tf))
    n = max(len(corpus.ids), 1)
    corpus.avg_len = sum(corpus.doc_len) / n if corpus.doc_len else 1.0
    corpus.idf = {
        term: math.log(1 + (n - len(docs) + 0.5) / (len(docs) + 0.5))
        for term, docs in corpus.postings.items()
    }
    corpus.vocabulary = sorted(corpus.idf)
    if vectors:
        import numpy as np

        corpus.embedded = frozenset(corpus.matrix_ids)
        corpus.matrix = np.frombuffer(b"".join(vectors), dtype=np.float32).reshape(len(vectors), -1)
    return corpus


def corpus_get(
    *, tenant_id: int, locale: str | None, published_only: bool, semantic: bool, lexical: bool
) -> Corpus:
    """The current corpus for this tenant and filter, rebuilt if any article changed."""
    key: CorpusKey = (tenant_id, locale or "", published_only, lexical)
    corpus = _corpora.get(key)
    now = time.monotonic()
    if (
        corpus is not None
        and not lexical
        and corpus.version[-1] == semantic
        and now - corpus.checked_at < MATRIX_CHECK_SECONDS
    ):
        return corpus
    articles = _articles(locale, published_only)
    version = (*_version(articles), semantic)
    if corpus is not None and corpus.version == version:
        corpus.checked_at = now
        return corpus
    corpus = _build(articles, version, semantic=semantic, lexical=lexical)
    corpus.checked_at = now
    with _lock:
        if len(_corpora) >= _MAX_CORPORA:
            _corpora.pop(next(iter(_corpora)))
        _corpora[key] = corpus
    return corpus


def corpus_clear() -> None:
    from knowledge.search_pg import pg_stats_clear

    with _lock:
        _corpora.clear()
    pg_stats_clear()
