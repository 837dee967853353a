"""Categories, articles (per-locale versions), votes, search logs and help-center settings."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone

from customers.models import Customer
from helpdesk.models import TenantOwned

LOCALE_PATTERN = r"^[a-z]{2}(?:-[A-Z]{2})?$"


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class SearchSource(models.TextChoices):
    API = "api", "API"
    HELP_CENTER = "help_center", "Help center"
    WIDGET = "widget", "Widget"


class HelpCenterSettings(TenantOwned):
    """The tenant's help-center brand and deflection configuration (one row per tenant)."""

    title = models.CharField(max_length=200, blank=True)
    logo_url = models.URLField(max_length=500, blank=True)
    brand_color = models.CharField(max_length=7, default="#2f6fed")
    # A search whose best score is below this has "no good answer".
    good_answer_min_score = models.FloatField(default=0.35)
    outreach_enabled = models.BooleanField(default=False)
    outreach_delay_minutes = models.PositiveIntegerField(default=30)
    # The chat channel whose widget the help center pages embed (none: no widget).
    widget_channel_id = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="kb_settings_one_per_tenant"),
        ]

    def __str__(self) -> str:
        return f"help center of {self.tenant_id}"


class Category(TenantOwned):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120)
    description = models.CharField(max_length=500, blank=True)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "slug"], name="kb_category_unique_slug"),
        ]
        indexes = [models.Index(fields=["tenant", "position"], name="kb_category_position")]

    def __str__(self) -> str:
        return self.name


class Article(TenantOwned):
    """One locale's version of an article; versions of one article share ``translation_key``."""

    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="articles"
    )
    translation_key = models.UUIDField(default=uuid.uuid4)
    locale = models.CharField(max_length=8, default="en")
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=120)
    body = models.TextField(blank=True, help_text="Markdown.")
    body_html = models.TextField(blank=True, help_text="Rendered and sanitized.")
    body_text = models.TextField(blank=True, help_text="Plain text, for search and snippets.")
    status = models.CharField(
        max_length=16, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT
    )
    helpful_count = models.PositiveIntegerField(default=0)
    not_helpful_count = models.PositiveIntegerField(default=0)
    # float32 vector of the semantic model, little-endian; empty when not computed.
    embedding = models.BinaryField(blank=True, default=b"")
    embedding_model = models.CharField(max_length=64, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "translation_key", "locale"], name="kb_article_one_per_locale"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "status", "locale"], name="kb_article_status_locale"),
            models.Index(fields=["tenant", "category", "status"], name="kb_article_category"),
            models.Index(fields=["tenant", "updated_at"], name="kb_article_updated"),
        ]

    def __str__(self) -> str:
        return self.title


class ArticleVote(TenantOwned):
    """A visitor's "was this helpful?" answer; one per visitor and article (latest wins)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="votes")
    visitor_key = models.CharField(max_length=64)
    helpful = models.BooleanField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "article", "visitor_key"], name="kb_vote_one_per_visitor"
            ),
        ]

    def __str__(self) -> str:
        return f"{'+' if self.helpful else '-'} {self.article_id}"


class SearchLog(TenantOwned):
    """One search, its results and what the visitor did next (the deflection signal)."""

    query = models.CharField(max_length=200)
    normalized_query = models.CharField(max_length=200)
    source = models.CharField(max_length=16, choices=SearchSource.choices)
    locale = models.CharField(max_length=8, blank=True)
    visitor_key = models.CharField(max_length=64, blank=True)
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    results = models.JSONField(default=list, help_text='[{"id": 1, "score": 0.8}, ...]')
    result_count = models.PositiveIntegerField(default=0)
    top_score = models.FloatField(default=0.0)
    failed = models.BooleanField(default=False, help_text="No result, or none good enough.")
    clicked_article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    clicked_at = models.DateTimeField(null=True, blank=True)
    voted_helpful = models.BooleanField(null=True, blank=True)
    contacted_at = models.DateTimeField(null=True, blank=True)
    ticket_id = models.BigIntegerField(null=True, blank=True, help_text="Ticket opened after.")
    outreach_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "visitor_key", "created_at"], name="kb_search_visitor"),
            models.Index(fields=["tenant", "customer", "created_at"], name="kb_search_customer"),
            models.Index(fields=["tenant", "created_at"], name="kb_search_created"),
            models.Index(
                fields=["tenant", "created_at"],
                name="kb_search_outreach_due",
                condition=models.Q(
                    failed=True,
                    customer__isnull=False,
                    contacted_at__isnull=True,
                    outreach_at__isnull=True,
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.query
