from django.urls import path

from channels_ingest import workspace_views

urlpatterns = [
    path("", workspace_views.channels_admin, name="admin-channels"),
]
