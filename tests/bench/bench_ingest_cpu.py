"""CPU and queries per webhook acknowledgement and per ingested message, in one process.

Run from the project root (PostgreSQL and Redis up; BENCH_DATABASE_URL/BENCH_REDIS_URL)::

    .venv/bin/python tests/bench/bench_ingest_cpu.py [--messages 1000] [--senders 200]

Wall-clock figures on a shared machine mostly measure the neighbours; these do not: the
webhook view is called directly (no HTTP server) and the drain runs in this process, and
each figure is this process's CPU time (PostgreSQL and Redis not counted) divided by the
count, with the SQL statements each one sent (all of them, and without BEGIN, COMMIT and
savepoints).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import deque
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench import pipeline_harness as h

CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT", "SET LOCAL")


def _statements(captured: list[dict[str, str]]) -> tuple[int, int]:
    real = [q for q in captured if not q["sql"].startswith(CONTROL)]
    return len(captured), len(real)


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
    with CaptureQueriesContext(connection) as drains:
        cpu = time.process_time()
        done = events_drain(max_seconds=3600)
        drain_cpu = time.process_time() - cpu
    count = args.messages
    ack_all, ack_real = _statements(acks.captured_queries)
    msg_all, msg_real = _statements(drains.captured_queries)
    print(f"database {h.database_name()}, {count} messages from {args.senders} senders")
    print(
        f"acknowledgement (webhook view, no HTTP): {ack_cpu / count * 1000:.2f} ms CPU, "
        f"{ack_all / count:.1f} statements ({ack_real / count:.1f} without transaction control)"
    )
    print(
        f"ingestion (drain, {done} messages): {drain_cpu / max(done, 1) * 1000:.2f} ms CPU, "
        f"{msg_all / max(done, 1):.1f} statements ({msg_real / max(done, 1):.1f} without "
        f"transaction control) per message; {h.host_load()}"
    )
    return 0 if done == count else 1


if __name__ == "__main__":
    raise SystemExit(main())
