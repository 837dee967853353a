"""Article editing in the agent workspace: ``/app/<slug>/kb/`` (members only, middleware)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from helpdesk.errors import DomainError
from helpdesk.models import Tenant
from knowledge import selectors, services
from knowledge.models import Article, ArticleStatus, Category
from knowledge.text import markdown_render


def _tenant(request: HttpRequest) -> Tenant:
    return request.tenant  # type: ignore[attr-defined]


def kb_list(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    tenant = _tenant(request)
    error = ""
    brand = services.settings_get(tenant=tenant)
    if request.method == "POST":
        color = request.POST.get("brand_color", "").strip()
        try:
            if color and not (len(color) == 7 and color[0] == "#" and
                              all(c in "0123456789abcdefABCDEF" for c in color[1:])):  # fmt: skip
                raise DomainError("Use a colour such as #2f6fed.", field="brand_color")
            threshold = float(request.POST.get("good_answer_min_score", "0.35"))
            if not 0 <= threshold <= 1:
                raise DomainError("The threshold is between 0 and 1.", field="threshold")
            delay = request.POST.get("outreach_delay_minutes", "30")
            if not delay.isdigit() or int(delay) > 24 * 60:
                raise DomainError("The delay is 0 to 1440 minutes.", field="delay")
            widget = request.POST.get("widget_channel_id", "").strip()
            if widget and not widget.isdigit():
                raise DomainError("The chat widget is a channel id.", field="widget_channel_id")
            logo = request.POST.get("logo_url", "").strip()[:500]
            if logo and not logo.startswith("https://"):
                raise DomainError("The logo URL must start with https://.", field="logo_url")
            services.settings_update(
                tenant=tenant,
                title=request.POST.get("title", "")[:200],
                logo_url=logo,
                brand_color=color or brand.brand_color,
                good_answer_min_score=threshold,
                outreach_enabled=request.POST.get("outreach_enabled") == "on",
                outreach_delay_minutes=int(delay),
                widget_channel_id=int(widget) if widget else None,
            )
            return HttpResponseRedirect(
                reverse("kb-workspace", kwargs={"tenant_slug": tenant.slug})
            )
        except (DomainError, ValueError) as exc:
            error = getattr(exc, "message", "Some settings are invalid.")
    articles = selectors.article_list().order_by("-updated_at", "-id")[:200]
    return render(
        request,
        "knowledge/kb_list.html",
        {"tenant": tenant, "articles": articles, "brand": brand, "error": error},
    )


def _form_values(request: HttpRequest) -> dict[str, Any]:
    category_raw = request.POST.get("category", "")
    return {
        "title": request.POST.get("title", ""),
        "body": request.POST.get("body", ""),
        "status": request.POST.get("status", ArticleStatus.DRAFT),
        "locale": request.POST.get("locale", ""),
        "category_id": int(category_raw) if category_raw.isdigit() else None,
    }


def kb_edit(request: HttpRequest, tenant_slug: str, article_id: int | None = None) -> HttpResponse:
    tenant = _tenant(request)
    article: Article | None = None
    if article_id is not None:
        article = Article.objects.filter(pk=article_id).first()
        if article is None:
            raise Http404("No such article.")
    values: dict[str, Any] = {
        "title": article.title if article else "",
        "body": article.body if article else "",
        "status": article.status if article else ArticleStatus.DRAFT,
        "locale": article.locale if article else tenant.locale,
        "category_id": article.category_id if article else None,
    }
    preview = ""
    error = ""
    if request.method == "POST":
        values = _form_values(request)
        if request.POST.get("action") == "preview":
            preview = markdown_render(values["body"])
        else:
            try:
                if values["status"] not in ArticleStatus.values:
                    raise DomainError("Choose draft or published.", field="status")
                category = None
                if values["category_id"] is not None:
                    category = Category.objects.filter(pk=values["category_id"]).first()
                    if category is None:
                        raise DomainError("No such category.", field="category")
                if article is None:
                    article = services.article_create(
                        tenant=tenant,
                        title=values["title"],
                        body=values["body"],
                        category=category,
                        status=values["status"],
                        locale=values["locale"],
                    )
                else:
                    services.article_update(
                        article=article,
                        title=values["title"],
                        body=values["body"],
                        category=category,
                        status=values["status"],
                        locale=values["locale"],
                    )
                return HttpResponseRedirect(
                    reverse("kb-workspace", kwargs={"tenant_slug": tenant.slug})
                )
            except DomainError as exc:
                error = exc.message
    return render(
        request,
        "knowledge/kb_edit.html",
        {
            "tenant": tenant,
            "article": article,
            "values": values,
            "categories": selectors.category_list(),
            "statuses": ArticleStatus.choices,
            "preview": preview,
            "error": error,
        },
    )
