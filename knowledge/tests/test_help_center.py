"""The public help center: pages, locales, SEO URLs, votes, search, sitemap, empty states."""

from __future__ import annotations

import pytest
from django.test import Client

from helpdesk.tenancy import tenant_scope
from knowledge.models import Article, ArticleVote, SearchLog
from knowledge.services import article_create, category_create
from tests.seats import Seat

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(seat_a: Seat) -> dict[str, Article]:
    tenant = seat_a.tenant
    with tenant_scope(tenant):
        billing = category_create(tenant=tenant, name="Billing", description="Invoices and plans")
        english = article_create(
            tenant=tenant, title="Download your invoices", body="Go to **Settings**.",
            category=billing, status="published", locale="en",
        )  # fmt: skip
        spanish = article_create(
            tenant=tenant, title="Descarga tus facturas", body="Ve a **Ajustes**.",
            status="published", locale="es", translation_of=english,
        )  # fmt: skip
        draft = article_create(
            tenant=tenant, title="Secret draft", body="not yet", category=billing, locale="en"
        )
    return {"en": english, "es": spanish, "draft": draft}


def test_home_lists_categories_and_popular_articles(site: dict[str, Article]) -> None:
    page = Client().get("/help/alpha/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Billing" in html and "1 article" in html
    assert "Download your invoices" in html
    assert "Secret draft" not in html
    assert "hd_kb_visitor" in page.cookies


def test_empty_help_center_says_so(seat_a: Seat) -> None:
    html = Client().get("/help/alpha/").content.decode()
    assert "No articles have been published here yet." in html


def test_unknown_tenant_category_and_article_are_404(site: dict[str, Article]) -> None:
    client = Client()
    assert client.get("/help/nobody/").status_code == 404
    assert client.get("/help/alpha/categories/nope/").status_code == 404
    assert client.get(f"/help/alpha/articles/{site['draft'].pk}-secret-draft/").status_code == 404
    assert client.get("/help/alpha/articles/999999-x/").status_code == 404


def test_article_page_canonical_url_and_locale_versions(site: dict[str, Article]) -> None:
    client = Client()
    english = site["en"]
    canonical = f"/help/alpha/articles/{english.pk}-download-your-invoices/"
    page = client.get(canonical)
    assert page.status_code == 200
    html = page.content.decode()
    assert "<strong>Settings</strong>" in html
    assert 'hreflang="es"' in html
    short = client.get(f"/help/alpha/articles/{english.pk}/")
    assert (short.status_code, short["Location"]) == (301, canonical)
    wrong = client.get(f"/help/alpha/articles/{english.pk}-old-title/")
    assert (wrong.status_code, wrong["Location"]) == (301, canonical)
    switched = client.get(canonical, {"lang": "es"})
    assert switched.status_code == 302
    assert (
        switched["Location"]
        == f"/help/alpha/articles/{site['es'].pk}-descarga-tus-facturas/?lang=es"
    )
    spanish_home = client.get("/help/alpha/", {"lang": "es"}).content.decode()
    assert "Descarga tus facturas" in spanish_home
    assert "Download your invoices" not in spanish_home


def test_votes_count_once_per_visitor_and_need_csrf(site: dict[str, Article]) -> None:
    article = site["en"]
    url = f"/help/alpha/articles/{article.pk}/vote/"
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(url, {"helpful": "yes"}).status_code == 403
    client = Client()
    client.get(f"/help/alpha/articles/{article.pk}-download-your-invoices/")
    first = client.post(url, {"helpful": "yes"})
    assert first.status_code == 302
    assert first["Location"].endswith("?voted=yes")
    client.post(url, {"helpful": "yes"})
    client.post(url, {"helpful": "no"})
    assert client.post(url, {"helpful": "maybe"}).status_code == 400
    article.refresh_from_db()
    assert (article.helpful_count, article.not_helpful_count) == (0, 1)
    with tenant_scope(article.tenant):
        assert ArticleVote.objects.count() == 1


def test_a_vote_flood_is_throttled_and_counts_stop(site: dict[str, Article]) -> None:
    article = site["en"]
    url = f"/help/alpha/articles/{article.pk}/vote/"
    statuses = []
    for n in range(70):
        client = Client()
        client.cookies["hd_kb_visitor"] = f"visitor{n}"
        statuses.append(client.post(url, {"helpful": "yes"}).status_code)
    assert statuses.count(302) == 60
    assert statuses.count(429) == 10
    article.refresh_from_db()
    assert article.helpful_count == 60


def test_votes_on_drafts_are_404(site: dict[str, Article]) -> None:
    response = Client().post(f"/help/alpha/articles/{site['draft'].pk}/vote/", {"helpful": "yes"})
    assert response.status_code == 404


def test_public_search_json_html_and_click_tracking(site: dict[str, Article]) -> None:
    client = Client()
    data = client.get("/help/alpha/search/", {"q": "invoices"}).json()
    assert data["results"][0]["title"] == "Download your invoices"
    assert "Secret draft" not in str(data)
    page = client.get("/help/alpha/search/", {"q": "invoices"}, HTTP_ACCEPT="text/html")
    html = page.content.decode()
    assert "Results for “invoices”" in html
    search_id = data["search_id"]
    client.get(f"/help/alpha/articles/{site['en'].pk}-download-your-invoices/", {"sq": search_id})
    with tenant_scope(site["en"].tenant):
        log = SearchLog.objects.get(pk=search_id)
        assert log.source == "help_center"
        assert log.clicked_article_id == site["en"].pk
        assert SearchLog.objects.count() == 2


def test_public_search_without_answer_says_so(site: dict[str, Article]) -> None:
    page = Client().get("/help/alpha/search/", {"q": "@@@ ###"}, HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    failed = (
        Client()
        .get("/help/alpha/search/", {"q": "teleport my llama"}, HTTP_ACCEPT="text/html")
        .content.decode()
    )
    assert "We found nothing for this search." in failed or "may not answer" in failed


def test_public_search_flood_is_throttled(site: dict[str, Article]) -> None:
    client = Client()
    codes = [client.get("/help/alpha/search/", {"q": "invoice"}).status_code for _ in range(62)]
    assert codes.count(429) == 2
    assert (
        client.get("/help/alpha/search/", {"q": "invoice"}).json()["error"]["code"] == "throttled"
    )


def test_sitemap_lists_published_articles(site: dict[str, Article]) -> None:
    response = Client().get("/help/alpha/sitemap.xml")
    assert response["Content-Type"] == "application/xml"
    xml = response.content.decode()
    assert (
        f"http://127.0.0.1:8000/help/alpha/articles/{site['en'].pk}-download-your-invoices/" in xml
    )
    assert f"/help/alpha/articles/{site['es'].pk}-descarga-tus-facturas/?lang=es" in xml
    assert "secret-draft" not in xml


def test_brand_colour_and_logo_show(seat_a: Seat, site: dict[str, Article]) -> None:
    from knowledge.services import settings_update

    with tenant_scope(seat_a.tenant):
        settings_update(
            tenant=seat_a.tenant, brand_color="#aa3300", logo_url="https://x.test/l.png"
        )
    html = Client().get("/help/alpha/").content.decode()
    assert "--brand: #aa3300" in html
    assert 'src="https://x.test/l.png"' in html
