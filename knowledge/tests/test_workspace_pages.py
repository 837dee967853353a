"""Article editing in the workspace: members only, preview without saving, save."""

from __future__ import annotations

import pytest
from django.test import Client

from helpdesk.tenancy import tenant_scope
from knowledge.models import Article, HelpCenterSettings
from tests.seats import Seat

pytestmark = pytest.mark.django_db


def _signed_in(seat: Seat) -> Client:
    client = Client()
    client.force_login(seat.member.user)
    return client


def test_members_only(seat_a: Seat, seat_b: Seat) -> None:
    assert Client().get("/app/alpha/kb/").status_code == 302
    assert _signed_in(seat_b).get("/app/alpha/kb/").status_code == 404
    page = _signed_in(seat_a).get("/app/alpha/kb/")
    assert page.status_code == 200
    assert "No articles yet." in page.content.decode()


def test_preview_renders_without_saving_then_save(seat_a: Seat) -> None:
    client = _signed_in(seat_a)
    form = {"title": "Shipping", "body": "**Fast** <img src=x onerror=alert(1)>",
            "status": "published", "locale": "en", "category": ""}  # fmt: skip
    preview = client.post("/app/alpha/kb/new/", {**form, "action": "preview"})
    html = preview.content.decode().split('data-testid="kb-preview"')[1]
    assert "<strong>Fast</strong>" in html
    assert '<img src="x">' in html
    assert "onerror" not in html
    with tenant_scope(seat_a.tenant):
        assert Article.objects.count() == 0
    saved = client.post("/app/alpha/kb/new/", {**form, "action": "save"})
    assert saved.status_code == 302
    with tenant_scope(seat_a.tenant):
        article = Article.objects.get()
    assert (article.title, article.status) == ("Shipping", "published")
    bad = client.post(f"/app/alpha/kb/{article.pk}/", {**form, "status": "gone", "action": "save"})
    assert "Choose draft or published." in bad.content.decode()
    article.refresh_from_db()
    assert article.status == "published"


def test_settings_form_refuses_bad_colour(seat_a: Seat) -> None:
    client = _signed_in(seat_a)
    bad = client.post("/app/alpha/kb/", {"brand_color": "red;}", "good_answer_min_score": "0.4",
                                         "outreach_delay_minutes": "30"})  # fmt: skip
    assert "Use a colour such as #2f6fed." in bad.content.decode()
    good = client.post("/app/alpha/kb/", {"brand_color": "#112233", "title": "Help",
                                          "good_answer_min_score": "0.4",
                                          "outreach_delay_minutes": "15",
                                          "outreach_enabled": "on"})  # fmt: skip
    assert good.status_code == 302
    with tenant_scope(seat_a.tenant):
        found = HelpCenterSettings.objects.get()
    assert (found.brand_color, found.outreach_enabled, found.outreach_delay_minutes) == (
        "#112233", True, 15,
    )  # fmt: skip
