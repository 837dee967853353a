"""Request middleware: the body-size cap and the tenant context for ``/app/<slug>/``."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse

from helpdesk.models import Membership, Tenant
from helpdesk.tenancy import tenant_scope

Handler = Callable[[HttpRequest], HttpResponse]

_TENANT_PATH = re.compile(r"^/(?P<area>app|help)/(?P<slug>[^/]+)/")


def error_response(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message, "fields": {}}}, status=status)


class BodySizeLimitMiddleware:
    """Refuse declared bodies over the cap before anything reads them."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        declared = request.META.get("CONTENT_LENGTH") or "0"
        limit = settings.MAX_REQUEST_BODY_BYTES
        if not declared.isdigit():
            return error_response(400, "bad_content_length", "Content-Length is not a number.")
        if int(declared) > limit:
            return error_response(
                413, "body_too_large", f"Request bodies are limited to {limit // (1024 * 1024)} MB."
            )
        return self.get_response(request)


class TenantMiddleware:
    """Activate the tenant named in ``/app/<slug>/`` (members only) or ``/help/<slug>/``."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        match = _TENANT_PATH.match(request.path_info)
        if match is None:
            return self.get_response(request)
        if match["area"] == "app" and request.user.is_authenticated:
            # One query for the seat, its tenant and user (pages show the member's name).
            membership = (
                Membership.objects.unscoped()  # the tenant is being established here
                .select_related("tenant", "user")
                .filter(tenant__slug=match["slug"], user=request.user, is_active=True)
                .first()
            )
            if membership is None:  # no such tenant, or not a member of it: the same answer
                return HttpResponse("No such workspace.", status=404, content_type="text/plain")
            request.membership = membership  # type: ignore[attr-defined]
            tenant = membership.tenant
        else:
            found = Tenant.objects.filter(slug=match["slug"]).first()
            if found is None:
                return HttpResponse("No such workspace.", status=404, content_type="text/plain")
            if match["area"] == "app":
                return redirect_to_login(request.get_full_path())
            tenant = found
        request.tenant = tenant  # type: ignore[attr-defined]
        with tenant_scope(tenant):
            return self.get_response(request)
