"""End-to-end ingestion throughput: webhook -> message stored, threaded, identity resolved.

Run from the project root (PostgreSQL and Redis up; BENCH_DATABASE_URL/BENCH_REDIS_URL, by
default the ``hd_issue3twilio`` database and Redis db 3)::

    .venv/bin/python tests/bench/bench_ingest_throughput.py [--messages 5000] [--senders 1000]

First measures the raw single-row insert rate (one client, one commit per row) on the same
database. Then uvicorn (one process by default: on two cores a second one costs about a fifth
more CPU per webhook in switching than it gains; ``--server-workers``) receives signed Twilio
SMS webhooks as fast as 32 keep-alive connections send them, while one Celery worker with
two prefork processes turns the events into messages: each sender writes several messages, so
identities are resolved and later messages thread onto the sender's open ticket. The rate is
messages stored per second from the first request to the last message, also given as a
fraction of the raw insert rate.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench import pipeline_harness as h


def raw_insert_rate(seconds: float = 3.0) -> float:
    """Rows per second: one client inserting one row per transaction, committed."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_raw_insert")
        cursor.execute("CREATE TABLE bench_raw_insert (id bigserial PRIMARY KEY, body text)")
    count = 0
    start = time.perf_counter()
    with connection.cursor() as cursor:
        while time.perf_counter() - start < seconds:
            cursor.execute("INSERT INTO bench_raw_insert (body) VALUES (%s)", ["x" * 200])
            count += 1  # autocommit: each statement is its own committed transaction
    elapsed = time.perf_counter() - start
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_raw_insert")
    return count / elapsed


def stored(target: h.Target) -> int:
    from helpdesk.models import Tenant
    from helpdesk.tenancy import tenant_scope
    from inbox.models import Message

    with tenant_scope(Tenant.objects.get(pk=target.tenant_id)):
        return Message.objects.filter(channel_id=target.channel_id).count()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--senders", type=int, default=1000)
    parser.add_argument("--server-workers", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=240.0)
    args = parser.parse_args()

    h.django_setup()
    h.redis_flush()
    print(f"database {h.database_name()}, {h.host_load()}")
    raw = raw_insert_rate()
    print(f"raw single-row insert with commit (1 client): {raw:.0f} rows/s")

    target = h.target_create("bench-ingest")
    port = h.free_port()
    run = int(time.time())
    items = [
        h.signed_sms(
            target, port, f"SMe2e{run}{i:07d}", f"+1415{i % args.senders:07d}", f"Order {i}"
        )
        for i in range(args.messages)
    ]
    with (
        h.server(port, workers=args.server_workers) as web,
        h.workers(2, "bench-ingest") as worker,
    ):
        time.sleep(3)  # the worker connects to the broker
        web_before, worker_before = h.group_cpu_seconds(web), h.group_cpu_seconds(worker)
        services_before, machine_before = h.service_cpu_seconds(), h.machine_cpu_seconds()
        start = time.perf_counter()
        acks = h.load(port, items, connections=32)
        acked = time.perf_counter() - start
        done = 0
        while time.perf_counter() - start < args.timeout:
            done = stored(target)
            if done >= args.messages:
                break
            time.sleep(0.1)
        elapsed = time.perf_counter() - start
        web_cpu = h.group_cpu_seconds(web) - web_before
        worker_cpu = h.group_cpu_seconds(worker) - worker_before
        cpu = web_cpu + worker_cpu
        machine = h.machine_cpu_seconds() - machine_before
        services = {
            name: seconds - services_before[name]
            for name, seconds in h.service_cpu_seconds().items()
        }
    h.redis_flush()

    from helpdesk.models import Tenant
    from helpdesk.tenancy import tenant_scope
    from inbox.models import Ticket

    with tenant_scope(Tenant.objects.get(pk=target.tenant_id)):
        tickets = Ticket.objects.count()
        from customers.models import Identity

        identities = Identity.objects.count()
    rate = done / elapsed
    print(f"webhooks: {acks.summary()}")
    print(f"all {args.messages} acknowledged after {acked:.1f} s ({args.messages / acked:.0f}/s)")
    print(
        f"messages stored: {done} of {args.messages} in {elapsed:.1f} s; "
        f"{tickets} tickets and {identities} identities for {args.senders} senders"
    )
    print(
        f"end-to-end ingestion: {rate:.0f} messages/s = {rate / raw:.2f} x the raw insert rate "
        f"({raw:.0f} rows/s); target 500 messages/s: {'met' if rate >= 500 else 'MISSED'}"
    )

    def ms(seconds: float) -> float:
        return seconds / max(done, 1) * 1000

    client_ms = acks.client_cpu_s / args.messages * 1000
    parts = {"web": ms(web_cpu), "workers": ms(worker_cpu)}
    parts |= {name: ms(seconds) for name, seconds in services.items()}
    parts["load client"] = client_ms
    total_ms = sum(parts.values())
    print(
        f"CPU per message: {total_ms:.1f} ms in all ("
        + ", ".join(f"{name} {value:.2f}" for name, value in parts.items())
        + f"): at most {2000 / total_ms:.0f} messages/s on 2 idle cores"
    )
    print(
        f"the whole machine was busy {ms(machine):.1f} ms per message "
        f"({machine / elapsed / (os.cpu_count() or 1):.0%} of its cores; this includes the "
        "PostgreSQL backends that exited before the end)"
    )
    print(
        f"web and workers alone: {ms(cpu):.1f} ms per message; 500 messages/s leaves "
        "4 ms per message for everything on 2 cores"
    )
    print(h.host_load())
    return 0 if done == args.messages else 1


if __name__ == "__main__":
    raise SystemExit(main())
