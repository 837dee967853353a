from channels_ingest.models import Channel
from helpdesk.models import Role
from helpdesk.tenancy import tenant_scope
from tests.seats import Seat, make_seat


def test_create_returns_webhook_urls_and_hides_secrets(seat_a: Seat, settings) -> None:
    settings.PUBLIC_BASE_URL = "https://help.example.com"
    response = seat_a.client().post(
        "/api/v1/channels/",
        {
            "kind": "api",
            "provider": "api",
            "name": "Orders system",
            "config": {"secret": "x" * 20, "api_base_url": "http://127.0.0.1:9"},
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    with tenant_scope(seat_a.tenant):
        channel = Channel.objects.get(pk=body["id"])
    assert body["webhook_urls"] == {
        "inbound": f"https://help.example.com/webhooks/api/{channel.webhook_key}/inbound/"
    }
    assert body["config"] == {"api_base_url": "http://127.0.0.1:9", "secret": {"set": True}}
    assert channel.config["secret"] == "x" * 20
    listed = seat_a.client().get("/api/v1/channels/").json()["results"]
    assert [c["id"] for c in listed] == [channel.pk]
    assert "x" * 20 not in str(listed)


def test_invalid_channels_are_refused_and_nothing_is_stored(seat_a: Seat) -> None:
    client = seat_a.client()
    cases = [
        ({"kind": "fax", "provider": "api", "name": "x"}, "kind"),
        ({"kind": "api", "provider": "pigeon", "name": "x"}, "provider"),
        ({"kind": "api", "provider": "api", "name": "x"}, "config"),
        (
            {"kind": "api", "provider": "api", "name": "x", "config": {"secret": "short"}},
            "config.secret",
        ),
        ({"kind": "api", "provider": "api", "name": "x", "config": "nope"}, "config"),
        ({"kind": "api", "provider": "api", "name": "x", "colour": "red"}, "colour"),
    ]
    for payload, field in cases:
        response = client.post("/api/v1/channels/", payload, format="json")
        assert response.status_code == 400, payload
        assert field in response.json()["error"]["fields"], (payload, response.json())
    with tenant_scope(seat_a.tenant):
        assert Channel.objects.count() == 0


def test_agents_cannot_create_channels(db) -> None:
    agent = make_seat("agentco", role=Role.AGENT)
    response = agent.client().post(
        "/api/v1/channels/",
        {"kind": "api", "provider": "api", "name": "x", "config": {"secret": "y" * 20}},
        format="json",
    )
    assert response.status_code == 403
    with tenant_scope(agent.tenant):
        assert Channel.objects.count() == 0


def test_patch_merges_config_and_delete_switches_off(seat_a: Seat) -> None:
    client = seat_a.client()
    created = client.post(
        "/api/v1/channels/",
        {"kind": "api", "provider": "api", "name": "x", "config": {"secret": "y" * 20}},
        format="json",
    ).json()
    patched = client.patch(
        f"/api/v1/channels/{created['id']}/",
        {"name": "Renamed", "config": {"api_base_url": "http://127.0.0.1:9"}},
        format="json",
    ).json()
    assert patched["name"] == "Renamed"
    assert patched["config"] == {"api_base_url": "http://127.0.0.1:9", "secret": {"set": True}}
    refused = client.patch(
        f"/api/v1/channels/{created['id']}/", {"config": {"secret": "tiny"}}, format="json"
    )
    assert refused.status_code == 400
    assert client.delete(f"/api/v1/channels/{created['id']}/").status_code == 204
    with tenant_scope(seat_a.tenant):
        channel = Channel.objects.get(pk=created["id"])
    assert (channel.is_active, channel.config["secret"]) == (False, "y" * 20)
