"""Pages and endpoints owned by the core: health, the workspace chooser."""

from __future__ import annotations

from typing import cast

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render

from helpdesk.models import Membership, User


def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return JsonResponse({"status": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


@login_required
def workspace_chooser(request: HttpRequest) -> HttpResponse:
    """``/app/``: straight into the only workspace, or a list to pick from."""
    memberships = list(
        Membership.objects.unscoped()  # the signed-in user's own seats, across tenants
        .select_related("tenant")
        .filter(user=cast(User, request.user), is_active=True)
        .order_by("tenant__name")
    )
    if len(memberships) == 1:
        return redirect(f"/app/{memberships[0].tenant.slug}/")
    return render(request, "helpdesk/workspaces.html", {"memberships": memberships})


def home(request: HttpRequest) -> HttpResponse:
    return redirect("/app/" if request.user.is_authenticated else "/accounts/login/")
