"""Benchmark the chat widget; prints figures.

Run from the project root with your own (migrated) database and Redis db, one benchmark at a
time on the machine::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hd_widget REDIS_URL=redis://127.0.0.1:6379/11 \\
    DEBUG=0 SECRET_KEY=... FIELD_ENCRYPTION_KEY=... \\
    flock /tmp/bench.lock .venv/bin/python tests/bench/bench_widget.py [--visitors 50]

* size: ``static/widget/widget.js`` raw and gzipped (-9), the figure the 30 KB budget is about.
* send: in-process (Django test client, PostgreSQL): server time and queries of one widget
  send, a conversation's first message (opens a ticket) and a follow-up.
* live: uvicorn + the Redis pub/sub channel layer + a Celery worker; one agent's WebSocket
  (``/ws/agent/``) is open; visitors post to ``/widget/<id>/messages/`` over HTTP from an
  allowed origin, and the time from the send until the agent's socket carries that message's
  ``message.created`` is measured, with the uvicorn process's CPU time per send.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from channels_ingest.models import Channel  # noqa: E402
from channels_ingest.widget import guard  # noqa: E402
from helpdesk.models import Tenant  # noqa: E402
from helpdesk.tenancy import tenant_scope  # noqa: E402
from tests.bench.bench_workspace import _connect, live_tenant, ms, pct, processes  # noqa: E402

ORIGIN = "https://shop.bench.test"
SCRIPT = ROOT / "static" / "widget" / "widget.js"


def bench_size() -> None:
    raw = SCRIPT.read_bytes()
    packed = gzip.compress(raw, compresslevel=9)
    print("== size ==")
    print(
        f"widget.js {len(raw) / 1024:.1f} KB raw, {len(packed) / 1024:.1f} KB gzipped "
        f"({len(packed):,} bytes; budget 30 KB)"
    )


def widget_channel(tenant: Tenant) -> Channel:
    with tenant_scope(tenant):
        channel = Channel.objects.filter(provider="widget", name="Bench widget").first()
        return channel or Channel.objects.create(
            tenant=tenant,
            kind="chat",
            provider="widget",
            name="Bench widget",
            config={"allowed_origins": [ORIGIN]},
        )


def _no_limits() -> None:
    # The benchmark sends from one IP far faster than a person types: lift the limits here
    # (uvicorn's own process gets them lifted by BENCH_WIDGET_NO_LIMITS in bench_settings).
    for action in list(guard.LIMITS):
        guard.LIMITS[action] = ((10**9, 60), (10**9, 60))


def bench_send(rounds: int) -> None:
    tenant, _, _ = live_tenant(1)
    channel = widget_channel(tenant)
    _no_limits()
    client = Client()
    headers = {"HTTP_ORIGIN": ORIGIN}
    first: list[float] = []
    follow: list[float] = []
    cpu: list[float] = []
    queries: dict[str, set[int]] = {"first": set(), "follow-up": set()}
    for i in range(rounds):
        token = client.post(
            f"/widget/{channel.pk}/session/", "{}", content_type="application/json", **headers
        ).json()["token"]
        for kind, timings in (("first", first), ("follow-up", follow)):
            body = json.dumps({"client_id": uuid.uuid4().hex[:16], "text": f"Bench {i} {kind}"})
            with CaptureQueriesContext(connection) as captured:
                started, cpu_started = time.perf_counter(), time.process_time()
                response = client.post(
                    f"/widget/{channel.pk}/messages/",
                    body,
                    content_type="application/json",
                    HTTP_X_WIDGET_TOKEN=token,
                    **headers,
                )
                timings.append(time.perf_counter() - started)
                cpu.append(time.process_time() - cpu_started)
            assert response.status_code == 201, response.content
            queries[kind].add(len(captured.captured_queries))
    print(f"\n== send, in-process, PostgreSQL, {rounds} conversations x 2 messages ==")
    for label, timings in (("first message (opens a ticket)", first), ("follow-up", follow)):
        print(
            f"{label:32s} p50 {ms(statistics.median(timings)):>9s}  p95 {ms(pct(timings, 95)):>9s}"
            f"  queries {sorted(queries['first' if timings is first else 'follow-up'])}"
        )
    print(
        f"CPU per send (this process)      p50 {ms(statistics.median(cpu))}  p95 {ms(pct(cpu, 95))}"
    )


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def bench_live(port: int, web_pid: int, visitors: int, messages: int) -> None:
    import requests

    tenant, sessions, _ = await asyncio.to_thread(live_tenant, 1)
    channel = await asyncio.to_thread(widget_channel, tenant)
    agent = await _connect(port, tenant.slug, sessions[0])
    arrivals: dict[int, float] = {}

    async def listen() -> None:
        async for raw in agent:
            event = json.loads(raw)
            if event["event"] == "message.created" and event["data"]["direction"] == "inbound":
                arrivals[event["data"]["id"]] = time.perf_counter()

    listener = asyncio.create_task(listen())
    http = requests.Session()
    base = f"http://127.0.0.1:{port}/widget/{channel.pk}/"
    headers = {"Origin": ORIGIN, "Content-Type": "application/json"}
    to_agent: list[float] = []
    answered: list[float] = []
    lost = 0
    cpu_before = _cpu_seconds(web_pid)
    sends = 0
    for v in range(visitors):
        session = await asyncio.to_thread(http.post, base + "session/", data="{}", headers=headers)
        token = session.json()["token"]
        for m in range(messages):
            body = json.dumps({"client_id": uuid.uuid4().hex[:16], "text": f"Visitor {v} #{m}"})
            started = time.perf_counter()
            response = await asyncio.to_thread(
                http.post,
                base + "messages/",
                data=body,
                headers={**headers, "X-Widget-Token": token},
            )
            answered.append(time.perf_counter() - started)
            assert response.status_code == 201, response.text
            sends += 1
            message_id = response.json()["message"]["id"]
            deadline = started + 5
            while message_id not in arrivals and time.perf_counter() < deadline:
                await asyncio.sleep(0.001)
            if message_id in arrivals:
                to_agent.append(arrivals[message_id] - started)
            else:
                lost += 1
            await asyncio.sleep(0.05)
    cpu = (_cpu_seconds(web_pid) - cpu_before) / sends
    listener.cancel()
    await agent.close()
    print(f"\n(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    print(
        f"== live: {visitors} visitors x {messages} messages over HTTP, one agent socket, "
        "uvicorn + Redis pub/sub + Celery worker =="
    )
    print(
        f"send answered (201)              p50 {ms(statistics.median(answered)):>9s}  "
        f"p95 {ms(pct(answered, 95)):>9s}"
    )
    print(
        f"send -> agent's socket has it    p50 {ms(statistics.median(to_agent)):>9s}  "
        f"p95 {ms(pct(to_agent, 95)):>9s}  max {ms(max(to_agent)):>9s}  "
        f"({len(to_agent)} sends, {lost} not within 5 s; goal p95 <= 250 ms)"
    )
    print(f"uvicorn CPU per send              {cpu * 1000:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--visitors", type=int, default=50)
    parser.add_argument("--messages", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=100)
    args = parser.parse_args()
    bench_size()
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        raise SystemExit("Set DATABASE_URL (PostgreSQL) and REDIS_URL: see the docstring.")
    bench_send(args.rounds)
    port = 8900 + os.getpid() % 90
    os.environ["BENCH_WIDGET_NO_LIMITS"] = "1"
    with processes(port) as web:
        asyncio.run(bench_live(port, web, args.visitors, args.messages))


if __name__ == "__main__":
    main()
