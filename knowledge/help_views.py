"""The public help center: ``/help/<tenant-slug>/`` (the middleware activates the tenant).

Locale: ``?lang=xx`` on any page, else the tenant's default locale. A visitor is known by the
``hd_kb_visitor`` cookie (or ``?visitor=`` from the widget), which ties searches, clicks,
votes and a later contact together.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from helpdesk.errors import DomainError
from helpdesk.models import Tenant
from knowledge import selectors, services
from knowledge.models import Article, Category, SearchSource
from knowledge.public_search import search_respond
from knowledge.ratelimit import client_ip, rate_limited
from knowledge.validation import locale_clean

VISITOR_COOKIE = "hd_kb_visitor"
SEARCHES_PER_MINUTE_PER_IP = 60
VOTES_PER_HOUR_PER_VISITOR = 20
VOTES_PER_HOUR_PER_IP = 60


def _tenant(request: HttpRequest) -> Tenant:
    return request.tenant  # type: ignore[attr-defined]


def _visitor(request: HttpRequest) -> str:
    given = request.GET.get("visitor", "") or request.COOKIES.get(VISITOR_COOKIE, "")
    given = "".join(ch for ch in given if ch.isalnum() or ch in "-_")[:64]
    if not given:
        given = secrets.token_urlsafe(16)
        request.kb_new_visitor = given  # type: ignore[attr-defined]
    return given


def _remember(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    new = getattr(request, "kb_new_visitor", None)
    if new:
        response.set_cookie(
            VISITOR_COOKIE, new, max_age=60 * 60 * 24 * 365, httponly=True, samesite="Lax"
        )
    return response


def _locale(request: HttpRequest) -> str:
    raw = request.GET.get("lang", "")
    try:
        return locale_clean(raw) if raw else _tenant(request).locale
    except DomainError:
        return _tenant(request).locale


def _context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    tenant = _tenant(request)
    locale = _locale(request)
    locales = sorted(
        set(selectors.article_published().values_list("locale", flat=True)) | {tenant.locale}
    )
    return {
        "tenant": tenant,
        "brand": services.settings_get(tenant=tenant),
        "locale": locale,
        "locales": locales,
        "lang_query": "" if locale == tenant.locale else f"?lang={locale}",
        **extra,
    }


def _page(request: HttpRequest, template: str, status: int = 200, **extra: Any) -> HttpResponse:
    _visitor(request)
    response = render(request, f"knowledge/{template}", _context(request, **extra), status=status)
    _remember(request, response)
    return response


def _with_urls(request: HttpRequest, articles: list[Article]) -> list[dict[str, Any]]:
    tenant = _tenant(request)
    return [
        {
            "article": a,
            "url": selectors.article_path(
                tenant=tenant, article_id=a.pk, slug=a.slug, locale=a.locale
            ),
        }
        for a in articles
    ]


@require_GET
def home(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    locale = _locale(request)
    categories = [
        c for c in selectors.category_with_counts(locale=locale) if getattr(c, "published", 0)
    ]
    popular = selectors.article_popular(locale=locale, limit=6)
    return _page(
        request, "help_home.html", categories=categories, popular=_with_urls(request, popular)
    )


@require_GET
def category(request: HttpRequest, tenant_slug: str, category_slug: str) -> HttpResponse:
    found = Category.objects.filter(slug=category_slug).first()
    if found is None:
        raise Http404("No such category.")
    articles = list(
        selectors.article_published(locale=_locale(request))
        .filter(category=found)
        .order_by("title", "id")
    )
    return _page(
        request, "help_category.html", category=found, articles=_with_urls(request, articles)
    )


def _published(article_id: int) -> Article:
    found = selectors.article_published().filter(pk=article_id).first()
    if found is None:
        raise Http404("No such article.")
    return found


@require_GET
def article(
    request: HttpRequest, tenant_slug: str, article_id: int, article_slug: str = ""
) -> HttpResponseBase:
    found = _published(article_id)
    tenant = _tenant(request)
    versions = selectors.article_versions(article=found)
    wanted = request.GET.get("lang", "")
    if wanted and wanted != found.locale:
        other = next((v for v in versions if v.locale == wanted), None)
        if other is not None:
            return HttpResponseRedirect(
                selectors.article_path(
                    tenant=tenant, article_id=other.pk, slug=other.slug, locale=other.locale
                )
            )
    if article_slug != found.slug:
        return HttpResponsePermanentRedirect(
            selectors.article_path(
                tenant=tenant, article_id=found.pk, slug=found.slug, locale=found.locale
            )
        )
    visitor = _visitor(request)
    search_id = request.GET.get("sq", "")
    if search_id.isdigit():
        services.search_click_record(search_id=int(search_id), article=found, visitor_key=visitor)
    response = render(
        request,
        "knowledge/help_article.html",
        _context(
            request,
            article=found,
            versions=_with_urls(request, versions),
            voted=request.GET.get("voted", ""),
        )
        | {"locale": found.locale},
    )
    _remember(request, response)
    return response


@require_POST
def vote(request: HttpRequest, tenant_slug: str, article_id: int) -> HttpResponseBase:
    found = _published(article_id)
    visitor = _visitor(request)
    helpful_raw = request.POST.get("helpful", "")
    if helpful_raw not in ("yes", "no"):
        return HttpResponse("Answer with helpful=yes or helpful=no.", status=400,
                            content_type="text/plain")  # fmt: skip
    if rate_limited(
        scope="vote-visitor", key=visitor, limit=VOTES_PER_HOUR_PER_VISITOR, window_seconds=3600
    ) or rate_limited(
        scope="vote-ip", key=client_ip(request), limit=VOTES_PER_HOUR_PER_IP, window_seconds=3600
    ):
        return HttpResponse("Too many votes; please try again later.", status=429,
                            content_type="text/plain")  # fmt: skip
    services.article_vote(article=found, visitor_key=visitor, helpful=helpful_raw == "yes")
    path = selectors.article_path(
        tenant=_tenant(request), article_id=found.pk, slug=found.slug, locale=found.locale
    )
    joiner = "&" if "?" in path else "?"
    return _remember(request, HttpResponseRedirect(f"{path}{joiner}voted={helpful_raw}"))


def _wants_html(request: HttpRequest) -> bool:
    return "text/html" in request.headers.get("Accept", "") and request.GET.get("format") != "json"


@require_GET
def search(request: HttpRequest, tenant_slug: str) -> HttpResponseBase:
    """JSON ``{"results": [...]}`` for programs (the widget), an HTML page for browsers."""
    if rate_limited(
        scope="search-ip",
        key=client_ip(request),
        limit=SEARCHES_PER_MINUTE_PER_IP,
        window_seconds=60,
    ):
        message = "Too many searches; please wait a minute."
        if _wants_html(request):
            return HttpResponse(message, status=429, content_type="text/plain")
        return JsonResponse({"error": {"code": "throttled", "message": message, "fields": {}}},
                            status=429)  # fmt: skip
    visitor = _visitor(request)
    source = (
        SearchSource.WIDGET if request.GET.get("source") == "widget" else (SearchSource.HELP_CENTER)
    )
    locale = _locale(request)
    query = request.GET.get("q", "")
    answer = search_respond(
        tenant=_tenant(request),
        query=query,
        locale=locale,
        limit_raw=request.GET.get("limit", ""),
        source=source,
        visitor_key=visitor,
    )
    if not _wants_html(request):
        return _remember(request, JsonResponse(answer))
    for row in answer["results"]:
        if answer["search_id"]:
            joiner = "&" if "?" in row["url"] else "?"
            row["url"] = f"{row['url']}{joiner}sq={answer['search_id']}"
    return _page(
        request,
        "help_search.html",
        query=query[:200],
        answer=answer,
        searched=answer["mode"] != "empty",
    )


@require_GET
def sitemap(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    tenant = _tenant(request)
    articles = selectors.article_published().order_by("id")
    entries = [
        {
            "loc": selectors.article_public_url(
                tenant=tenant, article_id=a.pk, slug=a.slug, locale=a.locale
            ),
            "lastmod": a.updated_at.date().isoformat(),
        }
        for a in articles.select_related(None).only("id", "slug", "locale", "updated_at")[:50_000]
    ]
    return render(
        request,
        "knowledge/sitemap.xml",
        {"entries": entries, "home": selectors.help_home_url(tenant=tenant)},
        content_type="application/xml",
    )
