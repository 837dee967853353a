from django.urls import path

from channels_ingest.webhooks import webhook

urlpatterns = [
    path("<slug:provider>/<str:key>/<slug:purpose>/", webhook, name="webhook"),
]
