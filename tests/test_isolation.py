"""The tenant-isolation matrix: every API route, called as tenant B on tenant A's objects.

Detail routes must answer 404 for every method and leave tenant A's rows exactly as they
were; list routes must not show a single row of tenant A.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from helpdesk.models import TenantOwned
from helpdesk.tenancy import tenant_scope
from tests.isolation_registry import BODIES, DETAIL_ROUTES, LIST_ROUTES, SUMMARY_ROUTES
from tests.seats import Seat

METHODS = ("get", "post", "put", "patch", "delete")


def _walk(patterns: list[Any], prefix: str = "") -> list[tuple[str, str, Any]]:
    found = []
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            found += _walk(entry.url_patterns, route)
        elif isinstance(entry, URLPattern) and entry.name:
            found.append((route, entry.name, entry))
    return found


def api_routes() -> dict[str, tuple[str, Any]]:
    return {
        name: (route, pattern)
        for route, name, pattern in _walk(get_resolver().url_patterns)
        if route.startswith("api/v1/")
    }


def allowed_methods(pattern: URLPattern) -> list[str]:
    callback = pattern.callback
    actions = getattr(callback, "actions", None)
    if actions:
        return sorted(m for m in actions if m in METHODS)
    view_class = callback.view_class  # type: ignore[attr-defined]
    return [m for m in METHODS if hasattr(view_class, m)]


def needs_object(pattern: URLPattern) -> bool:
    return bool(pattern.pattern.regex.groupindex)


def tenant_rows(tenant_id: int) -> dict[str, list[tuple]]:
    rows = {}
    for model in apps.get_models():
        if issubclass(model, TenantOwned):
            values = model.objects.unscoped().filter(tenant_id=tenant_id).order_by("pk").values()
            rows[model._meta.label] = [tuple(sorted(v.items())) for v in values]
    return rows


def test_every_api_route_is_in_the_matrix() -> None:
    routes = api_routes()
    detail = {name for name, (_, p) in routes.items() if needs_object(p)}
    listing = set(routes) - detail
    assert detail - set(DETAIL_ROUTES) == set(), "add these detail routes to isolation_registry"
    listing -= set(SUMMARY_ROUTES)
    assert listing - set(LIST_ROUTES) == set(), "add these list routes to isolation_registry"
    assert set(DETAIL_ROUTES) <= detail, "stale entries in DETAIL_ROUTES"


@pytest.mark.parametrize("name", sorted(DETAIL_ROUTES))
def test_detail_routes_hide_other_tenants_objects(name: str, seat_a: Seat, seat_b: Seat) -> None:
    with tenant_scope(seat_a.tenant):
        kwargs = DETAIL_ROUTES[name](seat_a.tenant)
    _, pattern = api_routes()[name]
    url = reverse(name, kwargs=kwargs)
    before = tenant_rows(seat_a.tenant.pk)
    client = seat_b.client()
    methods = allowed_methods(pattern)
    assert methods
    for method in methods:
        body = BODIES.get((name, method), {})
        response = getattr(client, method)(url, body, format="json")
        assert response.status_code == 404, (method, url, response.content)
        assert response.json()["error"]["code"] == "not_found", (method, response.content)
    assert tenant_rows(seat_a.tenant.pk) == before
    # The owner sees the very same object, so the 404 above is about the tenant alone.
    if "get" in methods:
        assert seat_a.client().get(url).status_code == 200


@pytest.mark.parametrize("name", sorted(LIST_ROUTES))
def test_list_routes_show_nothing_of_other_tenants(name: str, seat_a: Seat, seat_b: Seat) -> None:
    with tenant_scope(seat_a.tenant):
        for make in DETAIL_ROUTES.values():
            make(seat_a.tenant)
    model = LIST_ROUTES[name]
    theirs = set(model.objects.unscoped().filter(tenant=seat_a.tenant).values_list("pk", flat=True))
    assert theirs, "tenant A must own rows of this model for the check to mean anything"
    response = seat_b.client().get(reverse(name))
    assert response.status_code == 200
    seen = {row["id"] for row in response.json()["results"]}
    assert seen & theirs == set()
    mine = seat_a.client().get(reverse(name)).json()["results"]
    assert {row["id"] for row in mine} & theirs


@pytest.mark.parametrize("name", sorted(SUMMARY_ROUTES))
def test_summary_routes_count_nothing_of_other_tenants(
    name: str, seat_a: Seat, seat_b: Seat
) -> None:
    make, path = SUMMARY_ROUTES[name]
    with tenant_scope(seat_a.tenant):
        make(seat_a.tenant)
    before = tenant_rows(seat_a.tenant.pk)

    def value(client: Any) -> Any:
        response = client.get(reverse(name))
        assert response.status_code == 200, response.content
        found = response.json()
        for key in path:
            found = found[key]
        return found

    assert value(seat_b.client()) == 0
    assert tenant_rows(seat_a.tenant.pk) == before
    assert value(seat_a.client()) > 0
