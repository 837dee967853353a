"""PostgreSQL lexical search: the stored weighted tsvector (title A, body B) and pg_trgm.

Candidates are articles whose tsvector matches any query word, or whose title is similar to
the query by trigram word similarity (typo tolerance). Their raw score adds the two.
"""

from __future__ import annotations

from django.db import connection

from knowledge.text import STOPWORDS

TRIGRAM_WEIGHT = 0.3

_SQL = """
WITH q AS (SELECT to_tsquery('english', %(tsquery)s) AS tsq)
SELECT a.id,
       ts_rank(a.search_vector, q.tsq, 1) + %(trgm_weight)s * word_similarity(%(text)s, a.title)
FROM knowledge_article a, q
WHERE a.tenant_id = %(tenant)s
  AND (NOT %(published_only)s OR a.status = 'published')
  AND (%(locale)s = '' OR a.locale = %(locale)s)
  AND (a.search_vector @@ q.tsq OR %(text)s <%% a.title)
ORDER BY 2 DESC, a.id
LIMIT %(limit)s
"""


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
    params: dict[str, str | int | float | bool] = {
        "tsquery": " | ".join(content),
        "text": " ".join(content),
        "trgm_weight": TRIGRAM_WEIGHT,
        "tenant": tenant_id,
        "published_only": published_only,
        "locale": locale or "",
        "limit": limit,
    }
    with connection.cursor() as cursor:
        cursor.execute(_SQL, params)
        return [(int(pk), float(score)) for pk, score in cursor.fetchall()]
