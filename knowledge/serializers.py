"""API shapes of the knowledge base."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from helpdesk.api.serializers import StrictSerializer
from knowledge.models import Article, ArticleStatus, Category
from knowledge.selectors import article_public_url
from knowledge.services import MAX_BODY, MAX_TITLE


class CategoryInput(StrictSerializer):
    name = serializers.CharField(max_length=120)
    slug = serializers.SlugField(max_length=120, required=False)
    description = serializers.CharField(max_length=500, required=False, allow_blank=True)
    position = serializers.IntegerField(min_value=0, max_value=100_000, required=False)


class CategoryOutput(serializers.ModelSerializer[Category]):
    class Meta:
        model = Category
        fields = ["id", "name", "slug", "description", "position", "created_at"]


class ArticleInput(StrictSerializer):
    title = serializers.CharField(max_length=MAX_TITLE)
    body = serializers.CharField(max_length=MAX_BODY, allow_blank=True, trim_whitespace=False)
    category = serializers.IntegerField(allow_null=True, required=False)
    status = serializers.ChoiceField(choices=ArticleStatus.choices, required=False)
    locale = serializers.CharField(max_length=8, required=False)
    translation_of = serializers.IntegerField(required=False)


class ArticleOutput(serializers.ModelSerializer[Article]):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Article
        fields = [
            "id", "title", "slug", "body", "body_html", "category", "status", "locale",
            "translation_key", "helpful_count", "not_helpful_count", "url", "published_at",
            "created_at", "updated_at",
        ]  # fmt: skip

    def get_url(self, article: Article) -> str:
        return article_public_url(
            tenant=article.tenant, article_id=article.pk, slug=article.slug, locale=article.locale
        )


class SearchResultOutput(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    title = serializers.CharField()
    snippet = serializers.CharField()
    score = serializers.FloatField()
    url = serializers.CharField()


class SearchOutput(serializers.Serializer):  # type: ignore[type-arg]
    results = SearchResultOutput(many=True)
    search_id = serializers.IntegerField(allow_null=True)
    mode = serializers.CharField()
    failed = serializers.BooleanField()


def hits_payload(hits: list[Any]) -> list[dict[str, Any]]:
    return [
        {"id": h.id, "title": h.title, "snippet": h.snippet, "score": h.score, "url": h.url}
        for h in hits
    ]
