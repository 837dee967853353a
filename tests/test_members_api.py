from helpdesk.models import Membership, Role, User
from helpdesk.tenancy import tenant_scope
from tests.factories import MembershipFactory, token_for
from tests.seats import Seat


def test_admin_adds_a_member_who_can_sign_in(seat_a: Seat) -> None:
    response = seat_a.client().post(
        "/api/v1/members/",
        {
            "email": "New.Agent@Example.test",
            "name": "New Agent",
            "role": "agent",
            "password": "a-long-pass-phrase",
        },
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["email"], body["role"], body["is_active"]) == (
        "new.agent@example.test",
        "agent",
        True,
    )
    assert User.objects.get(email="new.agent@example.test").check_password("a-long-pass-phrase")


def test_weak_password_and_duplicate_are_refused(seat_a: Seat) -> None:
    client = seat_a.client()
    weak = client.post(
        "/api/v1/members/",
        {"email": "w@x.test", "role": "agent", "password": "password"},
        format="json",
    )
    assert weak.status_code == 400
    assert "password" in weak.json()["error"]["fields"]
    dup = client.post(
        "/api/v1/members/", {"email": seat_a.member.user.email, "role": "agent"}, format="json"
    )
    assert dup.status_code == 400
    with tenant_scope(seat_a.tenant):
        assert Membership.objects.count() == 1
    assert not User.objects.filter(email="w@x.test").exists()


def test_last_admin_cannot_leave_or_be_demoted(seat_a: Seat) -> None:
    client = seat_a.client()
    demote = client.patch(f"/api/v1/members/{seat_a.member.pk}/", {"role": "agent"}, format="json")
    assert demote.status_code == 400
    assert demote.json()["error"]["fields"] == {
        "role": "The workspace needs at least one active admin."
    }
    assert client.delete(f"/api/v1/members/{seat_a.member.pk}/").status_code == 400
    seat_a.member.refresh_from_db()
    assert (seat_a.member.role, seat_a.member.is_active) == (Role.ADMIN, True)


def test_delete_deactivates_and_their_token_stops(seat_a: Seat) -> None:
    with tenant_scope(seat_a.tenant):
        agent = MembershipFactory(tenant=seat_a.tenant, role=Role.AGENT)
        agent_token = token_for(agent)
    assert seat_a.client().delete(f"/api/v1/members/{agent.pk}/").status_code == 204
    agent.refresh_from_db()
    assert agent.is_active is False
    other = Seat(tenant=seat_a.tenant, member=agent, token=agent_token)
    assert other.client().get("/api/v1/tickets/").status_code == 401
