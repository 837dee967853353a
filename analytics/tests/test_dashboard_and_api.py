"""The summary API, the dashboard page, its drill-down and CSV, and refusals of bad input."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest
from django.test import Client

from analytics.models import AnalyticsEvent, DailyCube, DailyRollup
from analytics.rollup import rollup_refresh
from analytics.tests.journey import Journey, journey_build
from helpdesk.models import Role
from helpdesk.tenancy import tenant_scope
from tests.factories import MembershipFactory, TeamFactory, token_for
from tests.seats import Seat

RANGE = "from=2026-11-02&to=2026-11-02"


@pytest.fixture
def journey(seat_a: Seat, django_capture_on_commit_callbacks: Any) -> Journey:
    with tenant_scope(seat_a.tenant):
        built = journey_build(seat_a.tenant, django_capture_on_commit_callbacks)
        rollup_refresh(tenant=seat_a.tenant)
    return built


def _browser(seat: Seat) -> Client:
    client = Client()
    client.force_login(seat.member.user)
    return client


def _rows(tenant: Any) -> list[tuple]:
    with tenant_scope(tenant):
        return [
            *sorted(DailyRollup.objects.values_list("day", "member_id", "resolved")),
            (AnalyticsEvent.objects.count(),),
        ]


def test_summary_api_returns_the_dashboard_numbers(journey: Journey, seat_a: Seat) -> None:
    response = seat_a.client().get(f"/api/v1/analytics/summary/?{RANGE}&channel=email")
    assert response.status_code == 200
    body = response.json()
    assert body["period"] == {"from": "2026-11-02", "to": "2026-11-02", "days": 1}
    assert body["filters"] == {"channel": "email"}
    headline = body["headline"]
    assert (headline["tickets_resolved"], headline["frt_minutes"], headline["csat"]) == (
        1,
        20.0,
        100.0,
    )
    everything = seat_a.client().get(f"/api/v1/analytics/summary/?{RANGE}").json()
    assert everything["headline"]["resolution_hours"] == 2.17


@pytest.mark.parametrize(
    "query, field, message",
    [
        ("from=2026-11-05&to=2026-11-01", "from", "The period starts after it ends"),
        ("from=2020-01-01&to=2026-11-01", "to", "at most 731 days"),
        ("from=yesterday", "from", "Use a date like"),
        ("channel=fax", "channel", "Unknown channel: 'fax'."),
        ("team=999999", "team", "Unknown team: '999999'."),
        ("team=billing", "team", "Unknown team: 'billing'."),
        ("agent=999999", "agent", "Unknown agent: '999999'."),
        ("tier=platinum", "tier", "Unknown tier: 'platinum'."),
    ],
)
def test_summary_api_refuses_bad_input(
    journey: Journey, seat_a: Seat, query: str, field: str, message: str
) -> None:
    before = _rows(seat_a.tenant)
    response = seat_a.client().get(f"/api/v1/analytics/summary/?{query}")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert message in error["message"]
    assert list(error["fields"]) == [field]
    assert _rows(seat_a.tenant) == before


def test_filters_naming_another_tenants_things_are_unknown(
    journey: Journey, seat_a: Seat, seat_b: Seat
) -> None:
    with tenant_scope(seat_b.tenant):
        their_team = TeamFactory(tenant=seat_b.tenant)
    client = seat_a.client()
    assert client.get(f"/api/v1/analytics/summary/?team={their_team.pk}").status_code == 400
    assert client.get(f"/api/v1/analytics/summary/?agent={seat_b.member.pk}").status_code == 400


def test_agents_may_not_read_analytics(journey: Journey, seat_a: Seat) -> None:
    agent = MembershipFactory(tenant=seat_a.tenant, role=Role.AGENT)
    response = seat_a.client()
    response.credentials(HTTP_AUTHORIZATION=f"Token {token_for(agent)}")
    assert response.get("/api/v1/analytics/summary/").status_code == 403
    browser = Client()
    browser.force_login(agent.user)
    page = browser.get(f"/app/{seat_a.tenant.slug}/analytics/")
    assert page.status_code == 403


def test_dashboard_page_shows_numbers_flags_and_charts(journey: Journey, seat_a: Seat) -> None:
    page = _browser(seat_a).get(f"/app/{seat_a.tenant.slug}/analytics/?{RANGE}")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="metric-frt_minutes"' in html
    assert "55.0min" in html and "2.17h" in html and "240.00" in html
    assert "vendor/chart-4.6.1.umd.min.js" in html
    assert 'id="series-data"' in html
    assert "tickets/?metric=resolved&amp;from=2026-11-02&amp;to=2026-11-02" in html


def test_dashboard_refuses_a_reversed_range_with_a_message(journey: Journey, seat_a: Seat) -> None:
    page = _browser(seat_a).get(
        f"/app/{seat_a.tenant.slug}/analytics/?from=2026-12-01&to=2026-11-01"
    )
    assert page.status_code == 400
    assert "The period starts after it ends" in page.content.decode()


def test_drill_down_lists_the_tickets_behind_a_number(journey: Journey, seat_a: Seat) -> None:
    client = _browser(seat_a)
    base = f"/app/{seat_a.tenant.slug}/analytics/tickets/?{RANGE}"
    fcr = client.get(base + "&metric=fcr").content.decode()
    assert fcr.count('data-testid="drill-row"') == 1
    assert f'data-ticket="{journey.bob_ticket.pk}"' in fcr
    switched = client.get(base + "&metric=switched").content.decode()
    assert f'data-ticket="{journey.ann_ticket.pk}"' in switched
    assert switched.count('data-testid="drill-row"') == 1
    low = client.get(base + "&metric=low_csat").content.decode()
    assert f'data-ticket="{journey.ann_ticket.pk}"' in low
    assert client.get(base + "&metric=bogus").status_code == 400


def test_csv_export_carries_the_same_numbers(journey: Journey, seat_a: Seat) -> None:
    response = _browser(seat_a).get(f"/app/{seat_a.tenant.slug}/analytics/export.csv?{RANGE}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["section", "key", "metric", "value", "previous", "change"]
    headline = {r[2]: r[3] for r in rows if r[0] == "headline"}
    assert (headline["fcr_rate"], headline["ces"], headline["tickets_created"]) == (
        "50.0",
        "6.0",
        "2",
    )
    assert ["by_channel", "email", "csat", "100.0", "", ""] in rows


def test_flags_a_low_channel_and_a_multi_channel_drop(seat_a: Seat) -> None:
    day = date(2026, 11, 2)
    with tenant_scope(seat_a.tenant):
        for channel, multi, answers, satisfied in (
            ("email", False, 10, 9),
            ("chat", False, 10, 9),
            ("sms", True, 10, 6),
        ):
            values = {"csat_count": answers, "csat_satisfied": satisfied, "csat_sum": satisfied * 5}
            DailyRollup.objects.create(
                tenant=seat_a.tenant, day=day, channel_kind=channel, multi_channel=multi, **values
            )
            for dim, key in (("channel", channel), ("multi", "1" if multi else "0")):
                DailyCube.objects.create(tenant=seat_a.tenant, day=day, dim=dim, key=key, **values)
    body = seat_a.client().get(f"/api/v1/analytics/summary/?{RANGE}").json()
    assert [(f["kind"], f.get("channel")) for f in body["flags"]] == [
        ("channel_csat_low", "sms"),
        ("multi_channel_csat_drop", None),
    ]
    assert body["flags"][0]["message"] == (
        "CSAT on sms is 60.0%, 30.0 points below the other channels (90.0%)."
    )


def test_search_events_give_deflection_and_top_failed_searches(
    seat_a: Seat, django_capture_on_commit_callbacks: Any
) -> None:
    from analytics.tests.journey import at, clock
    from helpdesk.events import event_publish

    tenant = seat_a.tenant
    with tenant_scope(tenant):
        with clock(at(10), django_capture_on_commit_callbacks):
            for name, query in (
                ("kb.search", "refund"),
                ("kb.search_failed", "Reset  Password"),
                ("kb.search_failed", "reset password"),
                ("kb.search_failed", "invoice pdf"),
                ("kb.deflected", ""),
            ):
                event_publish(tenant_id=tenant.pk, name=name, payload={"query": query})
        rollup_refresh(tenant=tenant)
    body = seat_a.client().get(f"/api/v1/analytics/summary/?{RANGE}").json()
    assert body["search"] == {
        "searches": 4,
        "failed_searches": 3,
        "deflected": 1,
        "top_failed_searches": [
            {"query": "reset password", "count": 2},
            {"query": "invoice pdf", "count": 1},
        ],
    }
    assert body["headline"]["deflection_rate"] == 100.0  # 1 deflection, no ticket
