"""The workspace pages: login, the tenant's inbox, and 404 for strangers."""

import pytest
from django.core.management import call_command
from django.test import Client

from helpdesk.models import Tenant
from tests.seats import Seat


@pytest.mark.django_db
def test_demo_admin_signs_in_and_sees_the_inbox() -> None:
    call_command("seed_demo", verbosity=0)
    client = Client()
    login = client.post(
        "/accounts/login/", {"username": "admin@demo.test", "password": "demo", "next": "/app/"}
    )
    assert login.status_code == 302
    page = client.get("/app/", follow=True)
    assert page.redirect_chain[-1][0] == "/app/demo/"
    html = page.content.decode()
    assert html.count('data-testid="ticket-row"') == 9  # the demo's active tickets
    assert "Invoice charged twice for October" in html


@pytest.mark.django_db
def test_wrong_password_shows_a_clear_message() -> None:
    call_command("seed_demo", verbosity=0)
    page = Client().post("/accounts/login/", {"username": "admin@demo.test", "password": "x"})
    assert page.status_code == 200
    assert "That email and password do not match" in page.content.decode()


def test_anonymous_is_sent_to_login(seat_a: Seat) -> None:
    response = Client().get("/app/alpha/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/app/alpha/"


def test_other_tenants_workspace_and_unknown_slug_are_404(seat_a: Seat, seat_b: Seat) -> None:
    client = Client()
    client.force_login(seat_b.member.user)
    assert client.get("/app/bravo/").status_code == 200
    assert client.get("/app/alpha/").status_code == 404
    assert client.get("/app/no-such-tenant/").status_code == 404
    assert Tenant.objects.count() == 2


def test_empty_inbox_says_so(seat_a: Seat) -> None:
    client = Client()
    client.force_login(seat_a.member.user)
    html = client.get("/app/alpha/").content.decode()
    assert "No tickets here." in html
