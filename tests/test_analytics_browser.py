"""A real browser opens the managers' dashboard, reads the journey's numbers, draws the charts
and applies a filter; the screenshot lands in artifacts/screenshots/ to be looked at."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from analytics.rollup import rollup_refresh
from analytics.tests.journey import journey_build
from helpdesk.models import Role
from helpdesk.tenancy import tenant_scope
from tests.factories import MembershipFactory, TenantFactory

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian chromium is not installed at /usr/bin/chromium"
)


@pytest.fixture
def dashboard_data(
    transactional_db: None, settings: Any, django_capture_on_commit_callbacks: Any
) -> tuple[str, str]:
    settings.ANALYTICS_EVENT_LOG_ASYNC = False  # rows written before the page reads them
    tenant = TenantFactory(slug="acme", name="Acme Support")
    manager = MembershipFactory(tenant=tenant, role=Role.MANAGER, user__email="boss@acme.test")
    with tenant_scope(tenant):
        journey_build(tenant, django_capture_on_commit_callbacks)
        rollup_refresh(tenant=tenant)
    return tenant.slug, manager.user.email


def test_manager_reads_the_dashboard(
    live_server: Any, dashboard_data: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API runs an event loop in this thread; the ORM calls here are sync.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    slug, email = dashboard_data
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 1700})
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", email)
        page.fill("input[name=password]", "pw-for-tests-1")
        page.click("button[type=submit]")
        page.goto(f"{live_server.url}/app/{slug}/analytics/?from=2026-10-27&to=2026-11-02")
        assert page.inner_text("[data-testid=metric-frt_minutes] .metric-value") == "55.0min"
        assert page.inner_text("[data-testid=metric-csat] .metric-value") == "50.0%"
        assert page.inner_text("[data-testid=metric-tickets_resolved] .metric-value") == "2"
        drawn = page.evaluate(
            "['chart-volume', 'chart-quality', 'chart-channel', 'chart-multi']"
            ".map((id) => !!Chart.getChart(id))"
        )
        assert drawn == [True, True, True, True]
        page.screenshot(path=str(SHOTS / "analytics_dashboard.png"), full_page=True)
        page.select_option("select[name=channel]", "email")
        page.click("[data-testid=analytics-filters] button[type=submit]")
        page.wait_for_url("**channel=email**")
        assert page.inner_text("[data-testid=metric-tickets_resolved] .metric-value") == "1"
        assert page.inner_text("[data-testid=metric-fcr_rate] .metric-value") == "100.0%"
        page.click("text=resolved on first contact")
        assert page.locator("[data-testid=drill-row]").count() == 1
        page.screenshot(path=str(SHOTS / "analytics_drilldown.png"), full_page=True)
        browser.close()
