"""CPU and queries per webhook acknowledgement and per ingested message, in one process.

Run from the project root (PostgreSQL and Redis up; BENCH_DATABASE_URL/BENCH_REDIS_URL)::

    .venv/bin/python tests/bench/bench_ingest_cpu.py [--messages 1000] [--senders 200]

Wall-clock figures on a shared machine mostly measure the neighbours; these do not: the
webhook lane and the ordinary webhook view are called directly (no HTTP server) and the
drain runs in this process, and each figure is this process's CPU time (PostgreSQL and
Redis not counted) divided by the count, with the SQL statements each one sent (all of them,
and without BEGIN, COMMIT and savepoints) and, for the drain, the round trips they took
(statements riding along with others share one).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench import pipeline_harness as h

CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT", "SET LOCAL")


def _statements(captured: list[dict[str, str]]) -> tuple[int, int]:
    real = [q for q in captured if not q["sql"].startswith(CONTROL)]
    return len(captured), len(real)


@contextmanager
def _round_trips() -> Iterator[list[int]]:
    """Statements the code sends itself, each one round trip (queued writes and reads ride
    along with them, ``helpdesk.ride_along``); commits are counted apart by Django."""
    from django.db import connection

    sent = [0]

    def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        sent[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        yield sent


def _lane_cpu(items: list[h.Signed]) -> float:
    """CPU per acknowledgement through the webhook lane (the path uvicorn serves), in waves
    of 32 concurrent requests; the first one goes the ordinary way and caches the channel."""
    import asyncio

    from channels_ingest.webhook_lane import WebhookLane
    from helpdesk.asgi import django_asgi_app
    from helpdesk.lean_http import LeanHTTP

    lane = WebhookLane(LeanHTTP(django_asgi_app, prefixes=("/webhooks/",)))

    async def one(item: h.Signed) -> None:
        scope = {
            "type": "http", "method": "POST", "path": item.path, "query_string": b"",
            "root_path": "", "scheme": "http", "server": ("127.0.0.1", 8000),
            "headers": [
                (b"content-type", b"application/x-www-form-urlencoded"),
                (b"content-length", str(len(item.body)).encode()),
                (b"x-twilio-signature", item.signature.encode()),
            ],
        }  # fmt: skip
        parts = [{"type": "http.request", "body": item.body, "more_body": False}]
        statuses: list[int] = []

        async def receive() -> dict[str, object]:
            return parts.pop() if parts else {"type": "http.disconnect"}

        async def send(message: dict[str, object]) -> None:
            if message["type"] == "http.response.start":
                statuses.append(int(str(message["status"])))

        await lane(scope, receive, send)
        assert statuses == [200], statuses

    async def run() -> float:
        await one(items[0])
        cpu = time.process_time()
        for start in range(1, len(items), 32):
            await asyncio.gather(*(one(item) for item in items[start : start + 32]))
        seconds = time.process_time() - cpu
        await lane.aclose()
        return seconds / (len(items) - 1)

    try:
        return asyncio.run(run())
    finally:
        lane.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--senders", type=int, default=200)
    args = parser.parse_args()

    h.django_setup()
    h.redis_flush()
    from django.db import connection
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext

    from channels_ingest.drain import events_drain
    from channels_ingest.webhooks import webhook

    target = h.target_create("bench-cpu")
    run = int(time.time())
    warm = 100
    items = [
        h.signed_sms(target, 8000, f"SMcpu{run}{i:07d}", f"+1417{i % args.senders:07d}", f"Hi {i}")
        for i in range(args.messages + warm)
    ]
    factory = RequestFactory()
    connection.queries_log = deque(maxlen=None)  # keep every statement, not the last 9,000

    def acknowledge(item: h.Signed) -> None:
        request = factory.post(
            item.path,
            data=item.body,
            content_type="application/x-www-form-urlencoded",
            HTTP_X_TWILIO_SIGNATURE=item.signature,
        )
        _, provider, key, purpose = item.path.strip("/").split("/")
        assert webhook(request, provider, key, purpose).status_code == 200

    for item in items[:warm]:
        acknowledge(item)
    events_drain()
    with CaptureQueriesContext(connection) as acks:
        cpu = time.process_time()
        for item in items[warm:]:
            acknowledge(item)
        ack_cpu = time.process_time() - cpu
    with CaptureQueriesContext(connection) as drains, _round_trips() as trips:
        cpu = time.process_time()
        done = events_drain(max_seconds=3600)
        drain_cpu = time.process_time() - cpu
    count = args.messages
    ack_all, ack_real = _statements(acks.captured_queries)
    msg_all, msg_real = _statements(drains.captured_queries)
    lane_items = [
        h.signed_sms(target, 8000, f"SMlane{run}{i:07d}", f"+1418{i:07d}", f"Hi {i}")
        for i in range(count + 1)
    ]
    lane_cpu = _lane_cpu(lane_items)
    events_drain(max_seconds=3600)
    print(f"database {h.database_name()}, {count} messages from {args.senders} senders")
    print(f"acknowledgement (webhook lane, 32 at a time, no HTTP): {lane_cpu * 1000:.2f} ms CPU")
    print(
        f"acknowledgement (webhook view, no HTTP): {ack_cpu / count * 1000:.2f} ms CPU, "
        f"{ack_all / count:.1f} statements ({ack_real / count:.1f} without transaction control)"
    )
    print(
        f"ingestion (drain, {done} messages): {drain_cpu / max(done, 1) * 1000:.2f} ms CPU, "
        f"{msg_all / max(done, 1):.1f} statements ({msg_real / max(done, 1):.1f} without "
        f"transaction control) in {trips[0] / max(done, 1):.1f} round trips per message; "
        f"{h.host_load()}"
    )
    return 0 if done == count else 1


if __name__ == "__main__":
    raise SystemExit(main())
