from django.urls import path

from channels_ingest.widget import views

urlpatterns = [
    path("<int:channel_id>/config/", views.config, name="widget-config"),
    path("<int:channel_id>/session/", views.session, name="widget-session"),
    path("<int:channel_id>/messages/", views.message, name="widget-message"),
    path("<int:channel_id>/uploads/", views.upload, name="widget-upload"),
    path("<int:channel_id>/history/", views.history, name="widget-history"),
    path("<int:channel_id>/typing/", views.typing, name="widget-typing"),
    path("<int:channel_id>/read/", views.read, name="widget-read"),
    path("<int:channel_id>/suggestions/", views.suggestions, name="widget-suggestions"),
]
