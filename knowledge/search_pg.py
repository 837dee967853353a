"""PostgreSQL lexical search: the stored weighted tsvector (title A, body B) and pg_trgm.

Candidates are articles matching the query's selective words (full text), or whose title is
similar to the query by trigram word similarity (typo tolerance; searched only when a query
word is unknown to the tenant's articles or full text found fewer than ``FTS_CANDIDATES``).
Words found in more than a tenth of the articles still count in the rank but do not select
candidates alone, so a query with "card" over 10,000 banking articles ranks a few hundred rows,
not five thousand.
"""

from __future__ import annotations

import re
import time

from django.db import connection

from knowledge.models import LOCALE_PATTERN
from knowledge.text import STOPWORDS

_LOCALE = re.compile(LOCALE_PATTERN)

TRIGRAM_WEIGHT = 0.3
FTS_CANDIDATES = 100
TRIGRAM_CANDIDATES = 30
COMMON_SHARE = 0.1  # a lexeme in more than this share of articles is "common"
COMMON_MIN_DOCS = 50  # ... and in more than this many (small knowledge bases skip the split)
STATS_TTL_SECONDS = 300.0

_stats: dict[tuple[int, bool, str], tuple[float, int, dict[str, int], frozenset[str] | None]] = {}

# Full-text candidates and title-trigram candidates (typos).
_SQL = """
WITH fts AS (
    SELECT a.id, ts_rank(a.search_vector, to_tsquery('simple', %(rank_q)s), 1) AS rank
    FROM knowledge_article a
    WHERE a.tenant_id = %(tenant)s {filters}
      AND a.search_vector @@ to_tsquery('simple', %(match_q)s)
    ORDER BY rank DESC, a.id
    LIMIT {fts_limit}
),
trgm AS (
    SELECT a.id FROM knowledge_article a
    WHERE a.tenant_id = %(tenant)s {filters} AND %(text)s <%% a.title
    LIMIT {trgm_limit}
)
SELECT a.id, coalesce(fts.rank, 0) + %(trgm_weight)s * word_similarity(%(text)s, a.title)
FROM (SELECT id FROM fts UNION SELECT id FROM trgm) c
JOIN knowledge_article a ON a.id = c.id
LEFT JOIN fts ON fts.id = c.id
ORDER BY 2 DESC, a.id
LIMIT %(limit)s
"""

# Full-text candidates alone, with how many there were. Planning the trigram part costs more
# than running it would (PostgreSQL estimates ``<%`` by evaluating it over the column's
# statistics), so it is left out of the query when it is not needed.
_SQL_FTS_ONLY = """
WITH fts AS (
    SELECT a.id, ts_rank(a.search_vector, to_tsquery('simple', %(rank_q)s), 1) AS rank
    FROM knowledge_article a
    WHERE a.tenant_id = %(tenant)s {filters}
      AND a.search_vector @@ to_tsquery('simple', %(match_q)s)
    ORDER BY rank DESC, a.id
    LIMIT {fts_limit}
)
SELECT a.id, fts.rank + %(trgm_weight)s * word_similarity(%(text)s, a.title),
       (SELECT count(*) FROM fts)
FROM fts JOIN knowledge_article a ON a.id = fts.id
ORDER BY 2 DESC, a.id
LIMIT %(limit)s
"""


def _filters(published_only: bool, locale: str) -> str:
    filters = ""
    if published_only:
        filters += " AND a.status = 'published'"
    if locale:
        filters += " AND a.locale = %(locale)s"
    return filters


def _document_frequencies(
    tenant_id: int, published_only: bool, locale: str
) -> tuple[int, dict[str, int], frozenset[str] | None]:
    """(article count, common lexeme -> articles containing it, every lexeme or None when
    not collected), cached for a few minutes. A lexeme new since then only costs the
    trigram search a typo would."""
    key = (tenant_id, published_only, locale)
    cached = _stats.get(key)
    if cached is not None and time.monotonic() - cached[0] < STATS_TTL_SECONDS:
        return cached[1], cached[2], cached[3]
    if locale and not _LOCALE.fullmatch(locale):
        return 0, {}, None
    # ts_stat takes the query as text: only an int and a checked locale are spliced in.
    where = f"a.tenant_id = {int(tenant_id)}" + _filters(published_only, "")
    if locale:
        where += f" AND a.locale = '{locale}'"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM knowledge_article a WHERE {where}")  # noqa: S608
        row = cursor.fetchone()
        count = int(row[0]) if row else 0
        frequencies: dict[str, int] = {}
        vocabulary = None
        if count > COMMON_MIN_DOCS:
            cursor.execute(
                "SELECT word, ndoc FROM ts_stat(%s)",
                [f"SELECT a.search_vector FROM knowledge_article a WHERE {where}"],  # noqa: S608
            )
            common = max(COMMON_MIN_DOCS, int(count * COMMON_SHARE))
            found = cursor.fetchall()
            frequencies = {word: int(ndoc) for word, ndoc in found if ndoc > common}
            vocabulary = frozenset(word for word, _ in found)
    _stats[key] = (time.monotonic(), count, frequencies, vocabulary)
    return count, frequencies, vocabulary


def _lexemes(text: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tsvector_to_array(to_tsvector('english', %s))", [text])
        row = cursor.fetchone()
    return [lexeme for lexeme in (row[0] if row else []) if lexeme.isalnum()]


def pg_search(
    *,
    tenant_id: int,
    words: list[str],
    locale: str | None,
    published_only: bool,
    limit: int,
) -> list[tuple[int, float]]:
    """(article id, raw score) best first. ``words`` hold letters and digits only."""
    content = [w for w in words if w not in STOPWORDS] or words
    if not content:
        return []
    text = " ".join(content)
    lexemes = _lexemes(text)
    if not lexemes:
        return []
    _, common, vocabulary = _document_frequencies(tenant_id, published_only, locale or "")
    selective = [lexeme for lexeme in lexemes if lexeme not in common]
    rank_q = " | ".join(f"'{lexeme}'" for lexeme in lexemes)
    if selective:
        match_q = " | ".join(f"'{lexeme}'" for lexeme in selective)
    else:  # every word is common: candidates must hold them all
        match_q = " & ".join(f"'{lexeme}'" for lexeme in lexemes)
    params: dict[str, str | int | float] = {
        "rank_q": rank_q,
        "match_q": match_q,
        "text": text,
        "trgm_weight": TRIGRAM_WEIGHT,
        "tenant": tenant_id,
        "locale": locale or "",
        "limit": limit,
    }
    filters = _filters(published_only, locale or "")
    # Title trigrams (typo tolerance) are searched when a word is unknown to the articles or
    # full text found fewer than FTS_CANDIDATES; otherwise they are the slowest step.
    fuzzy = vocabulary is None or not vocabulary.issuperset(lexemes)
    with connection.cursor() as cursor:
        if not fuzzy:
            cursor.execute(_SQL_FTS_ONLY.format(filters=filters, fts_limit=FTS_CANDIDATES), params)
            rows = cursor.fetchall()
            if rows and rows[0][2] >= FTS_CANDIDATES:
                return [(int(pk), float(score)) for pk, score, _ in rows]
        sql = _SQL.format(filters=filters, fts_limit=FTS_CANDIDATES, trgm_limit=TRIGRAM_CANDIDATES)
        cursor.execute(sql, params)
        return [(int(pk), float(score)) for pk, score in cursor.fetchall()]


def pg_stats_clear() -> None:
    _stats.clear()
