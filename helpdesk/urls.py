"""The URLconf. Rooms contribute their own url modules (included by name, never imported)."""

from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from helpdesk import views
from helpdesk.api.errors import api_not_found

api_v1 = [
    path("", include("helpdesk.api_urls")),
    path("", include("customers.urls")),
    path("", include("inbox.urls")),
    path("", include("channels_ingest.urls")),
    path("", include("routing.urls")),
    path("", include("analytics.urls")),
    path("", include("knowledge.urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("app/", views.workspace_chooser, name="workspaces"),
    path("app/<slug:tenant_slug>/analytics/", include("analytics.workspace_urls")),
    path("app/<slug:tenant_slug>/kb/", include("knowledge.workspace_urls")),
    path("app/<slug:tenant_slug>/admin/channels/", include("channels_ingest.workspace_urls")),
    path("app/<slug:tenant_slug>/", include("inbox.workspace_urls")),
    path("help/<slug:tenant_slug>/", include("knowledge.help_urls")),
    path("s/", include("analytics.survey_urls")),
    path("api/v1/", include(api_v1)),
    path("webhooks/", include("channels_ingest.webhook_urls")),
    path("widget/", include("channels_ingest.widget_urls")),
    path("widget/", include("analytics.widget_urls")),
    path("api/v1/<path:rest>", api_not_found),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]
