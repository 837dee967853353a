"""The pipeline around the adapters: stored once, processed once, swept, retried, delivered."""

import json
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from channels_ingest.adapters.api.adapter import sign
from channels_ingest.models import Channel, EventState, InboundEvent
from channels_ingest.services import event_process, event_receive
from channels_ingest.tasks import inbound_events_sweep
from helpdesk.tenancy import tenant_scope
from inbox.models import Message, Ticket
from tests.factories import ChannelFactory
from tests.http_double import http_double
from tests.seats import Seat
from tests.webhooks import post_webhook

SECRET = "pipeline-secret-0123456789"


def body(event_id: str, text: str = "Hello") -> bytes:
    sender = {"kind": "email", "value": "kim@example.com", "name": "Kim"}
    return json.dumps({"id": event_id, "from": sender, "text": text}).encode()


def receive(channel: Channel, event_id: str, text: str = "Hello") -> InboundEvent:
    """Store a verified delivery the way the webhook view does."""
    event, _ = event_receive(
        channel=channel,
        purpose="inbound",
        event_id=event_id,
        body=body(event_id, text),
        content_type="application/json",
        headers={},
    )
    return event


def inbound_ticket(channel: Channel, event_id: str, text: str = "Hello") -> Ticket:
    """A ticket opened by one processed inbound message."""
    with tenant_scope(channel.tenant):
        event_process(event_id=receive(channel, event_id, text).pk)
        return Ticket.objects.get()


def deliver_to(channel: Channel, base_url: str) -> None:
    with tenant_scope(channel.tenant):
        Channel.objects.filter(pk=channel.pk).update(
            config={"secret": SECRET, "api_base_url": base_url}
        )


@pytest.fixture
def channel(seat_a: Seat) -> Channel:
    with tenant_scope(seat_a.tenant):
        return ChannelFactory(tenant=seat_a.tenant, config={"secret": SECRET})


def test_acknowledged_even_when_the_broker_is_down_and_the_sweeper_recovers(
    channel: Channel, django_capture_on_commit_callbacks
) -> None:
    payload = body("lost-1")
    with (
        mock.patch("celery.app.task.Task.delay", side_effect=ConnectionError("broker down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = post_webhook(
            channel, payload, headers={"X-Helpdesk-Signature": sign(SECRET, payload)}
        )
    assert response.status_code == 200
    with tenant_scope(channel.tenant):
        event = InboundEvent.objects.get()
        assert (event.state, Message.objects.count()) == (EventState.PENDING, 0)
        InboundEvent.objects.filter(pk=event.pk).update(
            next_attempt_at=timezone.now() - timedelta(minutes=1)
        )
    assert inbound_events_sweep() == 1
    with tenant_scope(channel.tenant):
        event.refresh_from_db()
        assert event.state == EventState.DONE
        assert Message.objects.get().body_text == "Hello"
    assert inbound_events_sweep() == 0


def test_processing_twice_stores_one_message(channel: Channel) -> None:
    with tenant_scope(channel.tenant):
        event, created = event_receive(
            channel=channel,
            purpose="inbound",
            event_id="e1",
            body=body("e1"),
            content_type="application/json",
            headers={},
        )
        assert created
        assert event_process(event_id=event.pk) == EventState.DONE
        assert event_process(event_id=event.pk) == "skipped"
        assert Message.objects.count() == 1


def test_a_crash_is_retried_with_backoff_then_given_up(channel: Channel) -> None:
    with tenant_scope(channel.tenant):
        event = receive(channel, "e2")
        with mock.patch(
            "channels_ingest.services.message_ingest", side_effect=RuntimeError("db hiccup")
        ):
            assert event_process(event_id=event.pk) == EventState.RETRY
            event.refresh_from_db()
            assert event.attempts == 1
            assert event.last_error == "RuntimeError: db hiccup"
            assert event.next_attempt_at > timezone.now() + timedelta(seconds=25)
            for _ in range(7):
                event_process(event_id=event.pk)
            event.refresh_from_db()
        assert (event.state, event.attempts) == (EventState.FAILED, 8)
        assert Message.objects.count() == 0


def test_a_bad_payload_fails_for_good_without_retry(channel: Channel) -> None:
    with tenant_scope(channel.tenant):
        event, _ = event_receive(
            channel=channel,
            purpose="inbound",
            event_id="e3",
            body=b'{"id": "e3", "from": "nobody"}',
            content_type="application/json",
            headers={},
        )
        assert event_process(event_id=event.pk) == EventState.FAILED
        event.refresh_from_db()
        assert event.attempts == 1
        assert "needs 'from'" in event.last_error


def test_reply_goes_out_through_the_channel_and_records_the_remote_id(
    channel: Channel, seat_a: Seat, django_capture_on_commit_callbacks
) -> None:
    ticket = inbound_ticket(channel, "e4", "Where is my parcel?")
    with http_double(reply={"id": "remote-77"}) as double:
        deliver_to(channel, double.base_url)
        with django_capture_on_commit_callbacks(execute=True):
            response = seat_a.client().post(
                f"/api/v1/tickets/{ticket.pk}/messages/", {"body": "On its way!"}, format="json"
            )
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "queued"
    [sent] = double.requests
    assert sent.path == "/messages"
    assert sent.json() == {
        "id": f"hd-{response.json()['id']}",
        "to": "kim@example.com",
        "text": "On its way!",
    }
    assert sent.headers["X-Helpdesk-Signature"] == sign(SECRET, sent.body)
    with tenant_scope(channel.tenant):
        reply = Message.objects.get(pk=response.json()["id"])
    assert (reply.status, reply.external_id, reply.channel_id) == ("sent", "remote-77", channel.pk)


def test_internal_notes_never_leave(
    channel: Channel, seat_a: Seat, django_capture_on_commit_callbacks
) -> None:
    ticket = inbound_ticket(channel, "e5")
    with http_double() as double:
        deliver_to(channel, double.base_url)
        with django_capture_on_commit_callbacks(execute=True):
            response = seat_a.client().post(
                f"/api/v1/tickets/{ticket.pk}/messages/",
                {"body": "Customer is VIP", "internal": True},
                format="json",
            )
    assert response.status_code == 201
    assert response.json()["direction"] == "note"
    assert double.requests == []


def test_remote_refusal_marks_the_reply_failed(
    channel: Channel, seat_a: Seat, django_capture_on_commit_callbacks
) -> None:
    ticket = inbound_ticket(channel, "e6")
    with http_double(status=422, reply={"error": "bad recipient"}) as double:
        deliver_to(channel, double.base_url)
        with django_capture_on_commit_callbacks(execute=True):
            response = seat_a.client().post(
                f"/api/v1/tickets/{ticket.pk}/messages/", {"body": "Hi"}, format="json"
            )
    with tenant_scope(channel.tenant):
        reply = Message.objects.get(pk=response.json()["id"])
    assert (reply.status, reply.error) == ("failed", "Remote answered 422.")


def test_reply_refusals_change_nothing(channel: Channel, seat_a: Seat) -> None:
    with tenant_scope(channel.tenant):
        ticket = Ticket.objects.create(
            tenant=channel.tenant, number=1, customer_id=_customer(channel).pk
        )
    client = seat_a.client()
    url = f"/api/v1/tickets/{ticket.pk}/messages/"
    no_channel = client.post(url, {"body": "Hi"}, format="json")
    assert no_channel.status_code == 400
    assert no_channel.json()["error"]["fields"] == {
        "channel_id": "This ticket has no channel to reply on; name one."
    }
    assert client.post(url, {"body": "Hi", "channel_id": 999999}, format="json").status_code == 400
    assert client.post(url, {"body": "   "}, format="json").status_code == 400
    assert client.post(url, {"text": "Hi"}, format="json").status_code == 400
    with tenant_scope(channel.tenant):
        assert Message.objects.count() == 0


def _customer(channel: Channel):
    from customers.services import customer_create

    return customer_create(tenant=channel.tenant, name="Nobody")
