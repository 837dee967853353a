"""A small registry between sibling rooms: the widget asks for articles, knowledge answers.

channels_ingest and knowledge may not import each other; knowledge registers its search here
in ``ready()`` and the widget calls it without knowing who answers.
"""

from __future__ import annotations

from typing import Any, Protocol

from helpdesk.models import Tenant


class ArticleSearch(Protocol):
    def __call__(self, *, tenant: Tenant, query: str, visitor_key: str) -> dict[str, Any]: ...


_search: list[ArticleSearch] = []


def article_search_register(search: ArticleSearch) -> None:
    _search[:] = [search]


def article_search(*, tenant: Tenant, query: str, visitor_key: str) -> dict[str, Any] | None:
    """``{"results": [...], "search_id", "failed"}``; None when no knowledge base is installed."""
    if not _search:
        return None
    return _search[0](tenant=tenant, query=query, visitor_key=visitor_key)
