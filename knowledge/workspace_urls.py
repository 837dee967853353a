"""Knowledge-base editing in the workspace, included at ``/app/<slug:tenant_slug>/kb/``."""

from django.urls import path

from knowledge import workspace_views

urlpatterns = [
    path("", workspace_views.kb_list, name="kb-workspace"),
    path("new/", workspace_views.kb_edit, name="kb-workspace-new"),
    path("<int:article_id>/", workspace_views.kb_edit, name="kb-workspace-edit"),
]
