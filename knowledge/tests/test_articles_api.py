"""The article and category API: writes, sanitizing, and every refusal leaves nothing behind."""

from __future__ import annotations

import pytest

from helpdesk.tenancy import tenant_scope
from knowledge.models import Article, Category
from tests.seats import Seat

pytestmark = pytest.mark.django_db

URL = "/api/v1/kb/articles/"


def _count(seat: Seat) -> tuple[int, int]:
    with tenant_scope(seat.tenant):
        return Article.objects.count(), Category.objects.count()


def test_create_renders_markdown_and_strips_scripts(seat_a: Seat) -> None:
    client = seat_a.client()
    category = client.post("/api/v1/kb/categories/", {"name": "Billing"}, format="json")
    assert category.status_code == 201
    assert category.json()["slug"] == "billing"
    body = "# Invoices\n\nOpen **Billing**.<script>alert(1)</script>\n\n[x](javascript:alert(1))"
    response = client.post(
        URL,
        {"title": "Download invoices", "body": body, "category": category.json()["id"],
         "status": "published", "locale": "en"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["slug"] == "download-invoices"
    assert data["status"] == "published"
    assert data["category"] == category.json()["id"]
    assert "<strong>Billing</strong>" in data["body_html"]
    assert "<script" not in data["body_html"]
    assert "javascript:" not in data["body_html"]
    assert data["url"] == (
        f"http://127.0.0.1:8000/help/alpha/articles/{data['id']}-download-invoices/"
    )
    fetched = client.get(f"{URL}{data['id']}/").json()
    assert fetched["title"] == "Download invoices"
    listed = client.get(URL, {"status": "published"}).json()["results"]
    assert [row["id"] for row in listed] == [data["id"]]


def test_patch_publishes_and_delete_removes(seat_a: Seat) -> None:
    client = seat_a.client()
    created = client.post(URL, {"title": "Draft one", "body": "Text"}, format="json").json()
    assert created["status"] == "draft"
    assert created["locale"] == "en"
    assert created["published_at"] is None
    patched = client.patch(
        f"{URL}{created['id']}/", {"status": "published", "title": "Final one"}, format="json"
    ).json()
    assert patched["status"] == "published"
    assert patched["slug"] == "final-one"
    assert patched["published_at"] is not None
    assert client.delete(f"{URL}{created['id']}/").status_code == 204
    assert _count(seat_a) == (0, 0)


def test_locale_versions_share_a_key_and_cannot_repeat(seat_a: Seat) -> None:
    client = seat_a.client()
    english = client.post(URL, {"title": "Reset", "body": "x", "locale": "en"}, format="json")
    spanish = client.post(
        URL,
        {
            "title": "Restablecer",
            "body": "y",
            "locale": "es",
            "translation_of": english.json()["id"],
        },
        format="json",
    )  # fmt: skip
    assert spanish.status_code == 201
    assert spanish.json()["translation_key"] == english.json()["translation_key"]
    again = client.post(
        URL,
        {"title": "Otra", "body": "z", "locale": "es", "translation_of": english.json()["id"]},
        format="json",
    )
    assert again.status_code == 409
    assert again.json()["error"]["fields"] == {"locale": "This article already has a 'es' version."}
    assert _count(seat_a) == (2, 0)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "T", "body": "b", "category": 999999}, "category"),
        ({"title": "T", "body": "b", "status": "archived"}, "status"),
        ({"title": "T", "body": "b", "locale": "english!"}, "locale"),
        ({"title": "T", "body": "b", "locale": "xx-yy-zz"}, "locale"),
        ({"title": "   ", "body": "b"}, "title"),
        ({"title": "x" * 201, "body": "b"}, "title"),
        ({"title": "T", "body": "b", "translation_of": 424242}, "translation_of"),
        ({"title": "T", "body": "b", "views": 5}, "views"),
        ({"body": "b"}, "title"),
    ],
)
def test_bad_article_input_is_refused_and_writes_nothing(
    seat_a: Seat, body: dict[str, object], field: str
) -> None:
    response = seat_a.client().post(URL, body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    assert _count(seat_a) == (0, 0)


def test_bad_patch_leaves_the_article_as_it_was(seat_a: Seat) -> None:
    client = seat_a.client()
    created = client.post(URL, {"title": "Keep", "body": "same"}, format="json").json()
    for body in ({"status": "gone"}, {"category": 77777}, {"locale": "??"}, {"title": ""}):
        response = client.patch(f"{URL}{created['id']}/", body, format="json")
        assert response.status_code == 400, (body, response.content)
    assert client.get(f"{URL}{created['id']}/").json() == created


def test_other_tenants_category_is_unknown(seat_a: Seat, seat_b: Seat) -> None:
    theirs = seat_b.client().post("/api/v1/kb/categories/", {"name": "Theirs"}, format="json")
    response = seat_a.client().post(
        URL, {"title": "T", "body": "b", "category": theirs.json()["id"]}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"category": "No category with this id."}
    assert _count(seat_a) == (0, 0)


def test_category_slug_conflict_and_agent_cannot_create(seat_a: Seat) -> None:
    from tests.seats import make_seat

    client = seat_a.client()
    assert (
        client.post("/api/v1/kb/categories/", {"name": "Billing"}, format="json").status_code == 201
    )
    clash = client.post("/api/v1/kb/categories/", {"name": "Billing"}, format="json")
    assert clash.status_code == 409
    agent = make_seat("agent-kb", role="agent")
    refused = agent.client().post("/api/v1/kb/categories/", {"name": "Mine"}, format="json")
    assert refused.status_code == 403
    assert _count(seat_a) == (0, 1)
    assert _count(agent) == (0, 0)


def test_deleting_a_category_keeps_its_articles(seat_a: Seat) -> None:
    client = seat_a.client()
    category = client.post("/api/v1/kb/categories/", {"name": "Old"}, format="json").json()
    article = client.post(
        URL, {"title": "Stays", "body": "b", "category": category["id"]}, format="json"
    ).json()
    assert client.delete(f"/api/v1/kb/categories/{category['id']}/").status_code == 204
    assert client.get(f"{URL}{article['id']}/").json()["category"] is None
