"""The public survey page ``/s/<token>/``: one click per score, an optional comment, thanks."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from analytics.surveys import (
    SurveyLinkError,
    survey_answer_record,
    survey_request_check_open,
    survey_request_from_token,
)
from helpdesk.errors import DomainError
from helpdesk.tenancy import tenant_scope


# The signed single-use token is the credential; the page has no session to protect.
@csrf_exempt
def survey_page(request: HttpRequest, token: str) -> HttpResponse:
    try:
        opened = survey_request_from_token(token=token)
    except SurveyLinkError as exc:
        return render(request, "analytics/survey_closed.html", {"message": exc.message}, status=400)
    with tenant_scope(opened.tenant):
        survey, survey_request = opened.survey, opened.request
        context = {
            "survey": survey,
            "tenant": opened.tenant,
            "csat_scale": range(1, 6),
            "ces_scale": range(1, 8),
            "nps_scale": range(0, 11),
            "picked": request.POST.get("csat") or request.GET.get("csat", ""),
        }
        try:
            survey_request_check_open(request=survey_request)
        except SurveyLinkError as exc:
            return render(
                request, "analytics/survey_closed.html", {"message": exc.message}, status=410
            )
        if request.method != "POST":
            return render(request, "analytics/survey.html", context)
        try:
            survey_answer_record(
                request=survey_request,
                csat=request.POST.get("csat"),
                ces=request.POST.get("ces"),
                nps=request.POST.get("nps"),
                comment=request.POST.get("comment", ""),
            )
        except SurveyLinkError as exc:
            return render(
                request, "analytics/survey_closed.html", {"message": exc.message}, status=410
            )
        except DomainError as exc:
            context["error"] = exc.message
            return render(request, "analytics/survey.html", context, status=400)
        return render(request, "analytics/survey_thanks.html", context)
