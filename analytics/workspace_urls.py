from django.urls import path

from analytics import views

urlpatterns = [
    path("", views.dashboard_page, name="analytics-dashboard"),
    path("tickets/", views.drill_page, name="analytics-drill"),
    path("export.csv", views.export_csv, name="analytics-export"),
]
