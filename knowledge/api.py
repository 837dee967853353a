"""Knowledge-base endpoints: articles, categories, search and suggestions for agents."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.request import Request
from rest_framework.response import Response

from helpdesk.api.views import TenantAPIView, TenantViewSet
from helpdesk.errors import DomainError
from helpdesk.models import Role
from knowledge import selectors, services
from knowledge.models import Article, Category, SearchSource
from knowledge.public_search import search_respond
from knowledge.serializers import (
    ArticleInput,
    ArticleOutput,
    CategoryInput,
    CategoryOutput,
    SearchOutput,
    hits_payload,
)
from knowledge.validation import locale_clean


def _category(value: int | None) -> Category | None:
    if value is None:
        return None
    found = Category.objects.filter(pk=value).first()
    if found is None:
        raise DomainError("No category with this id.", field="category")
    return found


@extend_schema(tags=["knowledge"])
class CategoryViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, TenantViewSet
):
    serializer_class = CategoryOutput
    ordering = ("id",)
    write_role = Role.MANAGER

    def get_queryset(self) -> Any:
        return selectors.category_list()

    @extend_schema(request=CategoryInput, responses={201: CategoryOutput})
    def create(self, request: Request) -> Response:
        data = CategoryInput(data=request.data)
        data.is_valid(raise_exception=True)
        category = services.category_create(tenant=self.tenant, **data.validated_data)
        return Response(CategoryOutput(category).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CategoryInput, responses=CategoryOutput)
    def partial_update(self, request: Request, pk: int | None = None) -> Response:
        category = self.get_object()
        data = CategoryInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.category_update(category=category, **data.validated_data)
        return Response(CategoryOutput(category).data)

    def perform_destroy(self, instance: Category) -> None:
        services.category_delete(category=instance)


@extend_schema(tags=["knowledge"])
class ArticleViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, TenantViewSet
):
    serializer_class = ArticleOutput
    ordering = ("id",)

    def get_queryset(self) -> Any:
        params = self.request.query_params
        category = params.get("category", "")
        return selectors.article_list(
            status=params.get("status", "")[:16],
            locale=params.get("locale", "")[:8],
            category_id=int(category) if category.isdigit() else None,
        ).select_related("tenant")

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str),
            OpenApiParameter("locale", str),
            OpenApiParameter("category", int),
        ]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=ArticleInput, responses={201: ArticleOutput})
    def create(self, request: Request) -> Response:
        data = ArticleInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        translation_of = None
        if "translation_of" in values:
            translation_of = Article.objects.filter(pk=values.pop("translation_of")).first()
            if translation_of is None:
                raise DomainError("No article with this id.", field="translation_of")
        article = services.article_create(
            tenant=self.tenant,
            title=values["title"],
            body=values["body"],
            category=_category(values.get("category")),
            status=values.get("status", "draft"),
            locale=values.get("locale", ""),
            translation_of=translation_of,
        )
        return Response(ArticleOutput(article).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ArticleInput, responses=ArticleOutput)
    def partial_update(self, request: Request, pk: int | None = None) -> Response:
        article = self.get_object()
        data = ArticleInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if "translation_of" in values:
            raise DomainError("Set translation_of when creating a version.", field="translation_of")
        if "category" in values:
            values["category"] = _category(values["category"])
        services.article_update(article=article, **values)
        return Response(ArticleOutput(article).data)

    def perform_destroy(self, instance: Article) -> None:
        services.article_delete(article=instance)


def _locale_param(request: Request) -> str | None:
    raw = request.query_params.get("locale", "")
    return locale_clean(raw) if raw else None


@extend_schema(tags=["knowledge"])
class SearchView(TenantAPIView):
    """``GET /api/v1/kb/search/?q=``: the knowledge base searched as an agent sees it."""

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str),
            OpenApiParameter("locale", str),
            OpenApiParameter("limit", int),
            OpenApiParameter("drafts", bool, description="1: include drafts"),
        ],
        responses=SearchOutput,
    )
    def get(self, request: Request) -> Response:
        return Response(
            search_respond(
                tenant=self.tenant,
                query=request.query_params.get("q", ""),
                locale=_locale_param(request),
                limit_raw=request.query_params.get("limit", ""),
                source=SearchSource.API,
                visitor_key="",
                published_only=request.query_params.get("drafts") != "1",
                absolute_urls=True,
            )
        )


@extend_schema(tags=["knowledge"])
class SuggestionsView(TenantAPIView):
    """``GET /api/v1/kb/suggestions/?text=``: articles for the ticket in front of the agent,
    each with the public URL to insert into a reply."""

    @extend_schema(
        parameters=[
            OpenApiParameter("text", str),
            OpenApiParameter("locale", str),
            OpenApiParameter("limit", int),
        ],
        responses=SearchOutput,
    )
    def get(self, request: Request) -> Response:
        text = request.query_params.get("text", "")
        raw_limit = request.query_params.get("limit", "5")
        limit = int(raw_limit) if raw_limit.isdigit() else 5
        locale = _locale_param(request)
        if not text.strip():
            popular = selectors.article_popular(locale=locale or "", limit=min(max(limit, 1), 20))
            results = [
                {
                    "id": a.pk,
                    "title": a.title,
                    "snippet": a.body_text[:160],
                    "score": 0.0,
                    "url": selectors.article_public_url(
                        tenant=self.tenant, article_id=a.pk, slug=a.slug, locale=a.locale
                    ),
                }
                for a in popular
            ]
            return Response({"results": results})
        found = selectors.article_suggest(
            tenant=self.tenant, text=text, locale=locale, limit=min(max(limit, 1), 20)
        )
        return Response({"results": hits_payload(found)})
