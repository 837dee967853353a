"""Help-center pages, included at ``/help/<slug:tenant_slug>/``."""

from django.urls import path

from knowledge import help_views

urlpatterns = [
    path("", help_views.home, name="kb-help-home"),
    path("search/", help_views.search, name="kb-help-search"),
    path("sitemap.xml", help_views.sitemap, name="kb-help-sitemap"),
    path("categories/<slug:category_slug>/", help_views.category, name="kb-help-category"),
    path("articles/<int:article_id>/", help_views.article, name="kb-help-article-short"),
    path(
        "articles/<int:article_id>-<slug:article_slug>/",
        help_views.article,
        name="kb-help-article",
    ),
    path("articles/<int:article_id>/vote/", help_views.vote, name="kb-help-vote"),
]
