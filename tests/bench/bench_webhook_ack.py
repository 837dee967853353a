"""Webhook acknowledgement latency: signed Twilio SMS webhooks at a steady rate on loopback.

Run from the project root (PostgreSQL and Redis up; uses BENCH_DATABASE_URL/BENCH_REDIS_URL,
by default the ``hd_issue3twilio`` database and Redis db 3)::

    .venv/bin/python tests/bench/bench_webhook_ack.py [--rate 200] [--seconds 20]

uvicorn serves the app as a subprocess; the client sends at a fixed rate (open loop: latency
counts from each request's scheduled time, so a stall cannot hide queued requests) over
keep-alive connections. Every request is a new message, so each one verifies the signature,
inserts its InboundEvent in PostgreSQL, wakes the drain through Redis and answers TwiML.
Target: p99 <= 20 ms at 200 requests/s.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench import pipeline_harness as h


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--server-workers", type=int, default=2, help="uvicorn processes")
    args = parser.parse_args()

    h.django_setup()
    h.redis_flush()
    target = h.target_create("bench-ack")
    port = h.free_port()
    count = int(args.rate * args.seconds)
    run = int(time.time())
    items = [
        h.signed_sms(target, port, f"SMack{run}{i:07d}", f"+1415555{i % 5000:04d}", f"Hi {i}")
        for i in range(count + args.warmup)
    ]
    print(f"database {h.database_name()}, {args.server_workers} uvicorn processes, {h.host_load()}")
    with h.server(port, workers=args.server_workers) as web:
        h.load(port, items[: args.warmup], connections=8)  # connections, caches, JIT of paths
        cpu_before = h.group_cpu_seconds(web)
        result = h.load(port, items[args.warmup :], rate=args.rate, connections=args.connections)
        cpu = h.group_cpu_seconds(web) - cpu_before
    from channels_ingest.models import InboundEvent

    stored = InboundEvent.objects.unscoped().filter(channel_id=target.channel_id).count()
    h.redis_flush()  # the queued tasks: no worker in this benchmark
    print(f"webhook acknowledgement at {args.rate:.0f}/s for {args.seconds:.0f} s:")
    print(f"  {result.summary()}")
    print(f"events stored: {stored} of {count + args.warmup} sent")
    print(f"server CPU: {cpu / count * 1000:.2f} ms per acknowledgement (PostgreSQL not counted)")
    p99 = result.percentile(99)
    verdict = "meets" if p99 <= 20 and result.statuses == {200: count} else "MISSES"
    print(f"p99 {p99:.1f} ms {verdict} the 20 ms target; {h.host_load()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
