"""The sweeper re-queues a stuck event once per lease, not on every sweep."""

from datetime import timedelta
from unittest import mock

from django.utils import timezone

from channels_ingest.models import InboundEvent
from channels_ingest.services import event_receive, events_due
from helpdesk.tenancy import tenant_scope
from tests.factories import ChannelFactory
from tests.seats import Seat


def test_a_stuck_event_is_handed_out_once_per_lease(seat_a: Seat) -> None:
    with tenant_scope(seat_a.tenant):
        channel = ChannelFactory(tenant=seat_a.tenant)
        event, _ = event_receive(
            channel=channel,
            purpose="inbound",
            event_id="stuck-1",
            body=b"{}",
            content_type="application/json",
            headers={},
        )
        fresh, _ = event_receive(
            channel=channel,
            purpose="inbound",
            event_id="fresh-1",
            body=b"{}",
            content_type="application/json",
            headers={},
        )
        InboundEvent.objects.filter(pk=event.pk).update(
            next_attempt_at=timezone.now() - timedelta(minutes=1)
        )
    assert events_due() == [(seat_a.tenant.pk, event.pk)]  # the fresh one is within grace
    assert events_due() == []
    with tenant_scope(seat_a.tenant):
        event.refresh_from_db()
        assert event.next_attempt_at > timezone.now() + timedelta(seconds=80)
        assert event.state == "pending"
    later = timezone.now() + timedelta(minutes=3)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert sorted(events_due()) == sorted(
            [(seat_a.tenant.pk, event.pk), (seat_a.tenant.pk, fresh.pk)]
        )
