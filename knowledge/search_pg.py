"""PostgreSQL lexical search in one statement: the stored weighted tsvector (title A, body B)
and pg_trgm.

The statement stems the query (``to_tsvector('english')``) and ranks a bounded set of
full-text candidates with ``ts_rank``: the articles holding two of the query's rarer words if
there are at least ``FTS_CANDIDATES`` of them, else those holding two query words one of which
is rare if there are enough, else those holding any rare word. Words found in more than a
tenth of the articles ("common") still count in the rank but do not select candidates alone.
So a long question over 10,000 banking articles ranks a few hundred rows, not thousands; a
knowledge base of at most ``RANK_ALL_MAX`` articles ranks every match.

Titles similar to the query by trigram word similarity (typo tolerance) join the candidates
when a rare query word is unknown to the tenant's articles, or when the rare words found fewer
than ``FTS_CANDIDATES``. Queries of more than ``TRIGRAM_MAX_WORDS`` words skip this: a title
within word similarity 0.6 of a long question shares most of its words, and full text finds it.

The rows of the best candidates, and of any extra ids asked for (semantic candidates), come
back with the ranking, so a search costs one round trip.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from django.db import connection

from helpdesk.prepared import prepared_cursor
from knowledge.models import LOCALE_PATTERN
from knowledge.text import STOPWORDS

_LOCALE = re.compile(LOCALE_PATTERN)

TRIGRAM_WEIGHT = 0.3
FTS_CANDIDATES = 100
TRIGRAM_CANDIDATES = 30
TRIGRAM_MAX_WORDS = 8
COMMON_SHARE = 0.1  # a lexeme in more than this share of articles is "common"
COMMON_MIN_DOCS = 50  # ... and in more than this many (small knowledge bases skip the split)
STATS_TTL_SECONDS = 300.0
RANK_ALL_MAX = 1000

SqlParam = str | int | float | bool | list[str] | list[int]


_stats: dict[tuple[int, bool, str], tuple[float, int, list[str]]] = {}

# Query values reach the plan as parameters of one-row CTEs, never as constants: PostgreSQL
# then plans without estimating ``@@`` and ``<%`` on the column statistics (costlier than
# running them) and always reads candidates through the GIN indexes. ``{a}``/``{u}`` are the
# tenant, status and locale conditions on the aliases a and u.
_SQL = r"""
WITH words AS MATERIALIZED (
    SELECT l AS lexeme, l = ANY(%(common)s::text[]) AS common,
           '''' || replace(replace(l, '\', '\\'), '''', '\''') || '''' AS quoted
    FROM unnest(tsvector_to_array(to_tsvector('english', %(text)s))) l
),
q AS MATERIALIZED (
    SELECT to_tsquery('simple', string_agg(quoted, ' | ')) AS rank_q,
           CASE WHEN bool_and(common) THEN to_tsquery('simple', string_agg(quoted, ' & '))
                ELSE to_tsquery('simple', string_agg(quoted, ' | ') FILTER (WHERE NOT common))
           END AS match_q,
           bool_or(common) AS some_common,
           (SELECT to_tsquery('simple', string_agg(w1.quoted || ' & (' || rest || ')', ' | '))
            FROM words w1, LATERAL (SELECT string_agg(w2.quoted, ' | ') AS rest FROM words w2
                                    WHERE w2.lexeme > w1.lexeme AND NOT w2.common) r
            WHERE NOT w1.common AND rest IS NOT NULL) AS rare_pair_q,
           (SELECT to_tsquery('simple', string_agg(w1.quoted || ' & (' || rest || ')', ' | '))
            FROM words w1, LATERAL (SELECT string_agg(w2.quoted, ' | ') AS rest FROM words w2
                                    WHERE w2.lexeme > w1.lexeme
                                      AND NOT (w1.common AND w2.common)) r
            WHERE rest IS NOT NULL) AS pair_q,
           %(text)s::text AS text
    FROM words
),
rare_pairs AS MATERIALIZED (
    SELECT a.id, a.title, ts_rank(a.search_vector, (SELECT rank_q FROM q), 1) AS rank
    FROM knowledge_article a
    WHERE {a} AND %(tiered)s AND a.search_vector @@ (SELECT rare_pair_q FROM q)
),
pairs AS MATERIALIZED (
    SELECT a.id, a.title, ts_rank(a.search_vector, (SELECT rank_q FROM q), 1) AS rank
    FROM knowledge_article a
    WHERE {a} AND %(tiered)s AND (SELECT some_common FROM q)
      AND (SELECT count(*) FROM rare_pairs) < {fts_limit}
      AND a.search_vector @@ (SELECT pair_q FROM q)
),
tier AS MATERIALIZED (
    SELECT CASE WHEN (SELECT count(*) FROM rare_pairs) >= {fts_limit} THEN 1
                WHEN (SELECT count(*) FROM pairs) >= {fts_limit} THEN 2
                ELSE 3 END AS tier
),
singles AS MATERIALIZED (
    SELECT a.id, a.title, ts_rank(a.search_vector, (SELECT rank_q FROM q), 1) AS rank
    FROM knowledge_article a
    WHERE {a} AND (SELECT tier FROM tier) = 3 AND a.search_vector @@ (SELECT match_q FROM q)
),
fts AS MATERIALIZED (
    SELECT id, title, rank FROM (
        SELECT * FROM rare_pairs WHERE (SELECT tier FROM tier) = 1
        UNION ALL
        SELECT * FROM pairs WHERE (SELECT tier FROM tier) = 2
        UNION ALL
        SELECT * FROM singles
    ) pool
    ORDER BY rank DESC, id
    LIMIT {fts_limit}
),
trgm AS (
    SELECT a.id, a.title FROM knowledge_article a
    WHERE {a} AND %(fuzzy)s AND EXISTS (SELECT FROM words)
      AND ((SELECT tier FROM tier) = 3 AND NOT (SELECT bool_and(common) FROM words)
               AND (SELECT count(*) FROM fts) < {fts_limit}
           OR EXISTS (SELECT FROM words w WHERE NOT w.common AND (
               SELECT true FROM knowledge_article u
               WHERE {u} AND u.search_vector @@ to_tsquery('simple', w.quoted) LIMIT 1) IS NULL))
      AND (SELECT text FROM q) <%% a.title
    LIMIT {trgm_limit}
),
ranked AS (
    SELECT c.id, coalesce(fts.rank, 0) + %(trgm_weight)s * word_similarity(%(text)s, c.title)
           AS raw
    FROM (SELECT id, title FROM fts UNION ALL
          SELECT id, title FROM trgm WHERE id NOT IN (SELECT id FROM fts)) c
    LEFT JOIN fts ON fts.id = c.id
    ORDER BY raw DESC, c.id
    LIMIT %(limit)s
)
SELECT a.id, r.raw, a.title, a.body_text, a.locale, a.slug
FROM (
    SELECT id, raw FROM ranked
    UNION ALL
    SELECT id, NULL FROM unnest(%(extra)s::bigint[]) e(id)
    WHERE id NOT IN (SELECT id FROM ranked)
) r
JOIN knowledge_article a ON a.id = r.id
WHERE {a}
ORDER BY r.raw DESC NULLS LAST, a.id
"""


@dataclass(frozen=True)
class PgCandidate:
    id: int
    raw: float | None  # None: asked for as an extra id, not a lexical match
    title: str
    body_text: str
    locale: str
    slug: str


def _conditions(alias: str, published_only: bool, locale: str) -> str:
    sql = f"{alias}.tenant_id = %(tenant)s"
    if published_only:
        sql += f" AND {alias}.status = 'published'"
    if locale:
        sql += f" AND {alias}.locale = %(locale)s"
    return sql


def _statement(published_only: bool, locale: str) -> str:
    return _SQL.format(
        a=_conditions("a", published_only, locale),
        u=_conditions("u", published_only, locale),
        fts_limit=FTS_CANDIDATES,
        trgm_limit=TRIGRAM_CANDIDATES,
    )


def _stats_get(tenant_id: int, published_only: bool, locale: str) -> tuple[int, list[str]]:
    """(article count, the lexemes in more than ``COMMON_SHARE`` of them: none in a small
    knowledge base), cached for a few minutes. A word that became common since only costs a
    larger candidate set."""
    key = (tenant_id, published_only, locale)
    cached = _stats.get(key)
    if cached is not None and time.monotonic() - cached[0] < STATS_TTL_SECONDS:
        return cached[1], cached[2]
    if locale and not _LOCALE.fullmatch(locale):
        return 0, []
    # ts_stat takes the query as text: only an int and a checked locale are spliced in.
    where = f"a.tenant_id = {int(tenant_id)}"
    if published_only:
        where += " AND a.status = 'published'"
    if locale:
        where += f" AND a.locale = '{locale}'"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM knowledge_article a WHERE {where}")  # noqa: S608
        row = cursor.fetchone()
        count = int(row[0]) if row else 0
        common: list[str] = []
        if count > COMMON_MIN_DOCS:
            cursor.execute(
                "SELECT word FROM ts_stat(%s) WHERE ndoc > %s ORDER BY word",
                [
                    f"SELECT a.search_vector FROM knowledge_article a WHERE {where}",  # noqa: S608
                    max(COMMON_MIN_DOCS, int(count * COMMON_SHARE)),
                ],
            )
            common = [word for (word,) in cursor.fetchall()]
    _stats[key] = (time.monotonic(), count, common)
    return count, common


def pg_search(
    *,
    tenant_id: int,
    words: list[str],
    locale: str | None,
    published_only: bool,
    limit: int,
    extra_ids: list[int] | None = None,
) -> list[PgCandidate]:
    """The best lexical candidates, best first (``raw`` descending), then the rows of
    ``extra_ids`` that are not among them; all within the tenant and filters.
    ``words`` hold letters and digits only."""
    content = [w for w in words if w not in STOPWORDS] or words
    if not content and not extra_ids:
        return []
    sql, params = _search(
        tenant_id=tenant_id,
        text=" ".join(content),
        locale=locale or "",
        published_only=published_only,
        limit=limit,
        extra_ids=extra_ids or [],
    )
    # Prepared once per connection (psycopg keeps the statement, and prepares it again after
    # a rollback has deallocated it): parsing and planning cost about as much as running it.
    with prepared_cursor() as cursor:
        cursor.execute(sql, params)
        return [
            PgCandidate(int(pk), None if raw is None else float(raw), title, body, loc, slug)
            for pk, raw, title, body, loc, slug in cursor.fetchall()
        ]


def _search(
    *,
    tenant_id: int,
    text: str,
    locale: str,
    published_only: bool,
    limit: int,
    extra_ids: list[int],
) -> tuple[str, dict[str, SqlParam]]:
    """The search statement and its parameters (``text``: the query's content words)."""
    count, common = _stats_get(tenant_id, published_only, locale)
    params: dict[str, SqlParam] = {
        "text": text,
        "common": common,
        "tiered": count > RANK_ALL_MAX,
        "fuzzy": len(text.split()) <= TRIGRAM_MAX_WORDS,
        "trgm_weight": TRIGRAM_WEIGHT,
        "tenant": tenant_id,
        "locale": locale,
        "limit": limit,
        "extra": extra_ids,
    }
    return _statement(published_only, locale), params


def pg_stats_clear() -> None:
    _stats.clear()
