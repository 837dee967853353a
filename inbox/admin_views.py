"""Admin screens of the workspace that read the rooms below: members and SLA policies."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from helpdesk.models import Membership, Role
from inbox.macro_selectors import macro_list
from routing.models import SlaPolicy


def _admin(request: HttpRequest) -> Membership:
    member: Membership = request.membership  # type: ignore[attr-defined]
    if not member.has_role(Role.ADMIN):
        raise Http404("Admins only.")
    return member


def _render(request: HttpRequest, template: str, tab: str, **extra: Any) -> HttpResponse:
    context = {
        "tenant": request.tenant,  # type: ignore[attr-defined]
        "member": _admin(request),
        "section": "admin",
        "admin_tab": tab,
        **extra,
    }
    return render(request, template, context)


def members_admin(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    members = Membership.objects.select_related("user").order_by("-is_active", "user__name")
    return _render(request, "admin/members.html", "members", members=members, roles=Role.choices)


def sla_admin(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    policies = SlaPolicy.objects.select_related("business_hours").order_by("name")
    return _render(request, "admin/sla.html", "sla", policies=policies)


def macros_admin(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    return _render(request, "admin/macros.html", "macros", macros=macro_list())
