from django.urls import path

from analytics.widget_csat import widget_csat

urlpatterns = [
    path("<int:channel_id>/csat/", widget_csat, name="widget-csat"),
]
