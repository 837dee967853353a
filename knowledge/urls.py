from django.urls import path

from helpdesk.api.views import api_router
from knowledge.api import ArticleViewSet, CategoryViewSet, SearchView, SuggestionsView

router = api_router()
router.register("kb/articles", ArticleViewSet, basename="kb-article")
router.register("kb/categories", CategoryViewSet, basename="kb-category")

urlpatterns = [
    *router.urls,
    path("kb/search/", SearchView.as_view(), name="kb-search"),
    path("kb/suggestions/", SuggestionsView.as_view(), name="kb-suggestions"),
]
