from django.urls import path

from analytics import survey_views

urlpatterns = [
    path("<str:token>/", survey_views.survey_page, name="survey-answer"),
]
