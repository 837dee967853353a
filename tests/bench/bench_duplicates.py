"""Duplicates and crashes: exactly one message per delivery, none lost when workers die.

Run from the project root (PostgreSQL and Redis up; BENCH_DATABASE_URL/BENCH_REDIS_URL, by
default the ``hd_issue3twilio`` database and Redis db 3)::

    .venv/bin/python tests/bench/bench_duplicates.py [--copies-of 300] [--webhooks 10000]

1. Concurrent copies: every message is posted three times at once (three connections), and
   again after processing; exactly one InboundEvent and one Message each must remain.
2. Crashes: ``--webhooks`` distinct signed webhooks are posted while the Celery worker's
   processes are SIGKILLed repeatedly and the whole worker is killed once and restarted. The
   sweeper (run here every 10 seconds, as beat does every 30) re-queues whatever the dead processes
   held. Every webhook must end as exactly one message.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench import pipeline_harness as h


def counts(target: h.Target) -> tuple[int, int, int, dict[str, int]]:
    from django.db.models import Count

    from channels_ingest.models import InboundEvent
    from helpdesk.models import Tenant
    from helpdesk.tenancy import tenant_scope
    from inbox.models import Message

    with tenant_scope(Tenant.objects.get(pk=target.tenant_id)):
        messages = Message.objects.filter(channel_id=target.channel_id)
        events = InboundEvent.objects.filter(channel_id=target.channel_id)
        states = dict(events.values_list("state").annotate(n=Count("id")).values_list("state", "n"))
        return (
            messages.count(),
            messages.values("external_id").distinct().count(),
            events.count(),
            states,
        )


def wait_for(target: h.Target, expected: int, timeout: float, sweep: bool = False) -> float:
    from channels_ingest.tasks import inbound_events_sweep

    start = last_sweep = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if counts(target)[0] >= expected:
            break
        if sweep and time.perf_counter() - last_sweep > 10:
            inbound_events_sweep()
            last_sweep = time.perf_counter()
        time.sleep(0.25)
    return time.perf_counter() - start


def concurrent_copies(port: int, copies_of: int, timeout: float) -> bool:
    target = h.target_create("bench-dup")
    run = int(time.time())
    distinct = [
        h.signed_sms(target, port, f"SMdup{run}{i:06d}", f"+1415{i:07d}", f"Copy {i}")
        for i in range(copies_of)
    ]
    triples = [item for item in distinct for _ in range(3)]  # three in flight at once
    first = h.load(port, triples, connections=48)
    wait_for(target, copies_of, timeout=timeout)
    again = h.load(port, distinct, connections=16)  # redelivered after processing
    time.sleep(3)
    messages, unique, events, states = counts(target)
    ok = messages == unique == events == copies_of and set(first.statuses) == {200}
    verdict = (
        "exactly one each"
        if ok
        else "DUPLICATED"
        if messages != unique or events != copies_of
        else "no duplicates, but NOT ALL PROCESSED in time"
    )
    print(
        f"concurrent copies: {copies_of} messages x 3 concurrent + 1 late copy -> "
        f"{events} events, {messages} messages ({unique} distinct); statuses "
        f"{first.statuses} then {again.statuses}; states {states}: "
        f"{verdict}"
    )
    return ok


def crashes(port: int, webhooks: int, timeout: float) -> bool:
    target = h.target_create("bench-crash")
    run = int(time.time())
    items = [
        h.signed_sms(target, port, f"SMkill{run}{i:07d}", f"+1416{i % 2000:07d}", f"Msg {i}")
        for i in range(webhooks)
    ]
    worker = h.worker_start(2, "bench-crash")
    kills: list[str] = []
    sending = threading.Thread(target=lambda: result.append(h.load(port, items, connections=32)))
    result: list[h.LoadResult] = []
    start = time.perf_counter()
    sending.start()
    try:
        for round_ in range(6):
            time.sleep(5)
            children = h.worker_children(worker)
            if round_ == 3:  # the whole worker dies with what it prefetched, then restarts
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait()
                kills.append(f"worker {worker.pid} with {len(children)} pool processes")
                worker = h.worker_start(2, "bench-crash")
                time.sleep(10)  # let it start its pool before the next kill
            elif children and worker.poll() is None:
                os.kill(children[0], signal.SIGKILL)  # the pool replaces it
                kills.append(f"pool process {children[0]}")
        sending.join()
        if worker.poll() is not None:  # as a supervisor would
            worker = h.worker_start(2, "bench-crash")
        waited = wait_for(target, webhooks, timeout=timeout, sweep=True)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=30)
    elapsed = time.perf_counter() - start
    messages, unique, events, states = counts(target)
    ok = messages == unique == webhooks and events == webhooks
    verdict = (
        "none lost"
        if ok
        else "DUPLICATED"
        if messages != unique or events != webhooks
        else "no duplicates, but NOT ALL PROCESSED in time"
    )
    print(f"crash run: {result[0].summary() if result else 'no load result'}")
    print(f"SIGKILLed: {', '.join(kills)}")
    print(
        f"{webhooks} webhooks -> {events} events, {messages} messages ({unique} distinct) "
        f"after {elapsed:.0f} s (last {waited:.0f} s draining with the sweeper); states "
        f"{states}; unprocessed {webhooks - messages}: {verdict}"
    )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--copies-of", type=int, default=300)
    parser.add_argument("--webhooks", type=int, default=10_000)
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args()

    h.django_setup()
    h.redis_flush()
    print(f"database {h.database_name()}, {h.host_load()}")
    port = h.free_port()
    with h.server(port, workers=2):
        with h.workers(2, "bench-dup"):
            time.sleep(3)
            copies_ok = concurrent_copies(port, args.copies_of, args.timeout)
        crash_ok = crashes(port, args.webhooks, args.timeout)
    h.redis_flush()
    print(h.host_load())
    return 0 if copies_ok and crash_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
