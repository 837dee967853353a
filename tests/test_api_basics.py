"""Auth, the error envelope and refusals of bad input, each leaving the data unchanged."""

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from helpdesk.models import ApiToken, Role
from helpdesk.tenancy import tenant_scope
from inbox.models import Ticket
from tests.factories import TicketFactory
from tests.seats import Seat, make_seat


def error(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    return body["error"]


@pytest.fixture
def ticket(seat_a: Seat) -> Ticket:
    with tenant_scope(seat_a.tenant):
        return TicketFactory(tenant=seat_a.tenant, subject="Printer on fire")


def snapshot(seat: Seat) -> list[tuple]:
    with tenant_scope(seat.tenant):
        return list(
            Ticket.objects.order_by("id").values_list("id", "subject", "status", "priority")
        )


def test_missing_token_is_401_with_envelope(seat_a: Seat) -> None:
    response = APIClient().get("/api/v1/tickets/")
    assert response.status_code == 401
    assert error(response)["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("header", ["Token nope", "Token a b", "Token hd_" + "x" * 40])
def test_bad_token_is_401(seat_a: Seat, header: str) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/v1/tickets/")
    assert response.status_code == 401
    assert error(response)["code"] == "not_authenticated"


def test_revoked_token_and_deactivated_member_stop_working(seat_a: Seat) -> None:
    client = seat_a.client()
    assert client.get("/api/v1/tickets/").status_code == 200
    ApiToken.objects.unscoped().filter(membership=seat_a.member).update(revoked_at=timezone.now())
    assert client.get("/api/v1/tickets/").status_code == 401
    ApiToken.objects.unscoped().filter(membership=seat_a.member).update(revoked_at=None)
    seat_a.member.is_active = False
    seat_a.member.save()
    response = client.get("/api/v1/tickets/")
    assert response.status_code == 401
    assert error(response)["message"] == "This member is deactivated."


def test_malformed_json_is_400_and_changes_nothing(seat_a: Seat, ticket: Ticket) -> None:
    before = snapshot(seat_a)
    response = seat_a.client().patch(
        f"/api/v1/tickets/{ticket.pk}/", data='{"status": "open"', content_type="application/json"
    )
    assert response.status_code == 400
    assert error(response)["code"] == "malformed_body"
    assert snapshot(seat_a) == before


def test_non_json_body_is_415(seat_a: Seat, ticket: Ticket) -> None:
    before = snapshot(seat_a)
    response = seat_a.client().patch(
        f"/api/v1/tickets/{ticket.pk}/", data="status=open", content_type="text/plain"
    )
    assert response.status_code == 415
    assert error(response)["code"] == "unsupported_media_type"
    assert snapshot(seat_a) == before


def test_unknown_and_read_only_fields_are_refused(seat_a: Seat, ticket: Ticket) -> None:
    before = snapshot(seat_a)
    response = seat_a.client().patch(
        f"/api/v1/tickets/{ticket.pk}/",
        {"status": "open", "stauts": "x", "number": 9},
        format="json",
    )
    assert response.status_code == 400
    body = error(response)
    assert body["code"] == "invalid"
    assert body["fields"] == {
        "number": "Unknown or read-only field.",
        "stauts": "Unknown or read-only field.",
    }
    assert snapshot(seat_a) == before


def test_json_array_body_is_refused(seat_a: Seat, ticket: Ticket) -> None:
    before = snapshot(seat_a)
    response = seat_a.client().patch(f"/api/v1/tickets/{ticket.pk}/", [1, 2], format="json")
    assert response.status_code == 400
    assert error(response)["message"] == "Expected a JSON object."
    assert snapshot(seat_a) == before


def test_oversized_body_is_413_before_it_is_read(seat_a: Seat, ticket: Ticket) -> None:
    before = snapshot(seat_a)
    response = seat_a.client().generic(
        "PATCH",
        f"/api/v1/tickets/{ticket.pk}/",
        "{}",
        content_type="application/json",
        CONTENT_LENGTH=str(26 * 1024 * 1024),
    )
    assert response.status_code == 413
    assert error(response)["code"] == "body_too_large"
    assert snapshot(seat_a) == before


def test_wrong_role_is_403_and_changes_nothing(db: None) -> None:
    agent = make_seat("agents-only", role=Role.AGENT)
    response = agent.client().post(
        "/api/v1/members/", {"email": "new@x.test", "role": "admin"}, format="json"
    )
    assert response.status_code == 403
    assert error(response)["code"] == "permission_denied"
    with tenant_scope(agent.tenant):
        from helpdesk.models import Membership

        assert Membership.objects.count() == 1


def test_unknown_api_path_is_json_404(seat_a: Seat) -> None:
    response = seat_a.client().get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert error(response)["code"] == "not_found"


def test_method_not_allowed_is_405(seat_a: Seat, ticket: Ticket) -> None:
    response = seat_a.client().delete(f"/api/v1/tickets/{ticket.pk}/")
    assert response.status_code == 405
    assert error(response)["code"] == "method_not_allowed"


def test_bad_cursor_and_limit_are_400(seat_a: Seat) -> None:
    client = seat_a.client()
    assert error(client.get("/api/v1/tickets/?cursor=%%%"))["fields"] == {
        "cursor": "This cursor is not valid; start again."
    }
    assert client.get("/api/v1/tickets/?cursor=WzFd").status_code == 400
    assert client.get("/api/v1/tickets/?limit=0").status_code == 400
    assert client.get("/api/v1/tickets/?limit=abc").status_code == 400
    assert client.get("/api/v1/tickets/?customer=abc").status_code == 400


def test_healthz_and_schema_and_docs(db: None) -> None:
    client = APIClient()
    assert client.get("/healthz").json() == {"status": "ok"}
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/tickets/{id}/" in schema.content
    assert client.get("/api/docs/").status_code == 200
