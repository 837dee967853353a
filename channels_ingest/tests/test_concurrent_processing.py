"""Two workers process two events of one channel side by side (PostgreSQL row locks)."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection, connections

from channels_ingest.adapters.api.adapter import ApiAdapter
from channels_ingest.services import event_process, event_receive
from helpdesk.tenancy import tenant_scope
from tests.factories import ChannelFactory, TenantFactory


@pytest.mark.django_db(transaction=True)
def test_an_event_in_progress_does_not_block_its_channel(monkeypatch) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    tenant = TenantFactory(slug="locks")
    with tenant_scope(tenant):
        channel = ChannelFactory(tenant=tenant)
        events = [
            event_receive(
                channel=channel,
                purpose="inbound",
                event_id=name,
                body=json.dumps(
                    {
                        "id": name,
                        "from": {"kind": "email", "value": f"{name}@example.com"},
                        "text": "Hi",
                    }
                ).encode(),
                content_type="application/json",
                headers={},
            )[0]
            for name in ("slow", "fast")
        ]
    inside, release = threading.Event(), threading.Event()
    normalize = ApiAdapter.normalize

    def slow_normalize(self, channel, purpose, body, headers):  # type: ignore[no-untyped-def]
        if b'"slow"' in body:
            inside.set()
            release.wait(10)
        return normalize(self, channel, purpose, body, headers)

    monkeypatch.setattr(ApiAdapter, "normalize", slow_normalize)
    outcome: list[str] = []

    def first_worker() -> None:
        try:
            with tenant_scope(tenant):
                outcome.append(event_process(event_id=events[0].pk))
        finally:
            connections.close_all()

    worker = threading.Thread(target=first_worker)
    worker.start()
    assert inside.wait(10)
    try:
        with tenant_scope(tenant):
            assert event_process(event_id=events[1].pk) == "done"
            assert event_process(event_id=events[0].pk) == "skipped"  # held by the other
    finally:
        release.set()
        worker.join(10)
    assert outcome == ["done"]
