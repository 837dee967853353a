"""Benchmark the agent workspace on PostgreSQL and Redis; prints figures.

Run from the project root with your own database and Redis db::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hd_issue6 REDIS_URL=redis://127.0.0.1:6379/6 \\
    DEBUG=0 SECRET_KEY=... FIELD_ENCRYPTION_KEY=... \\
    .venv/bin/python tests/bench/bench_workspace.py [--part pages|live|idle|all] [--tickets N]

* pages: the inbox page and a ticket page, server time (the whole Django stack in-process,
  session auth and middleware included) with N tickets (default 1,000,000, bulk-loaded once
  with COPY into the tenant ``bench``), p50/p95 and the queries each page runs.
* live: uvicorn + the Redis pub/sub channel layer + a Celery worker; 100 agents connected over
  WebSockets; a signed webhook is posted and the time until each agent's socket carries the
  new message is measured (and, for one agent, until the refetched inbox rows contain it).
* idle: 1,000 idle agent WebSockets on one uvicorn process; memory per connection.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from channels_ingest.adapters.api.adapter import sign  # noqa: E402
from channels_ingest.models import Channel  # noqa: E402
from channels_ingest.selectors import channel_webhook_urls  # noqa: E402
from customers.models import Customer  # noqa: E402
from helpdesk.models import Membership, Role, Tenant, TenantCounter, User  # noqa: E402
from helpdesk.tenancy import tenant_scope  # noqa: E402
from inbox.models import Ticket  # noqa: E402

STATUSES = (
    ["new"] * 3 + ["open"] * 4 + ["pending"] * 2 + ["on_hold"] + ["solved"] * 45 + ["closed"] * 45
)
KINDS = ["email", "chat", "whatsapp", "sms", "voice", "messenger", "telegram", "instagram"]
PASSWORD = "bench-password-1"


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def ms(value: float) -> str:
    return f"{value * 1000:.1f} ms"


def _copy(table: str, columns: list[str], rows: Iterator[str]) -> None:
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg cursor
        if hasattr(raw, "copy"):  # psycopg 3
            with raw.copy(sql) as copy:
                for row in rows:
                    copy.write(row)
        else:  # psycopg2
            buffer = io.StringIO("".join(rows))
            raw.copy_expert(sql, buffer)


def _member(tenant: Tenant, email: str, role: str = Role.AGENT) -> Membership:
    user = User.objects.filter(email=email).first() or User.objects.create_user(
        email, password=PASSWORD, name=email.split("@")[0].title()
    )
    seat = Membership.objects.unscoped().filter(tenant=tenant, user=user).first()
    return seat or Membership.objects.unscoped().create(tenant=tenant, user=user, role=role)


def big_tenant(total: int) -> tuple[Tenant, Membership, list[int]]:
    """The tenant ``bench`` with ``total`` tickets (loaded once; reused on later runs)."""
    tenant, _ = Tenant.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    agent = _member(tenant, "agent@bench.test", Role.ADMIN)
    with tenant_scope(tenant):
        have = Ticket.objects.count()
        if have < total:
            if have:
                raise SystemExit(f"tenant bench holds {have} tickets; drop it or ask for {have}")
            _load(tenant, total)
        sample = list(
            Ticket.objects.filter(
                status__in=["new", "open"], subject__startswith="Sample"
            ).values_list("pk", flat=True)[:200]
        )
    return tenant, agent, sample


def _load(tenant: Tenant, total: int) -> None:
    started = time.perf_counter()
    rng = random.Random(6)
    now = timezone.now()
    tid = tenant.pk
    email = Channel.objects.create(
        tenant=tenant, kind="email", provider="postmark", name="Support mail", config={}
    )
    customers = max(1, total // 10)
    first_customer = (
        Customer.objects.unscoped().order_by("-id").values_list("id", flat=True).first() or 0
    ) + 1
    ts = now.isoformat()
    _copy(
        "customers_customer",
        ["id", "tenant_id", "name", "tier", "language", "created_at", "updated_at"],
        (f"{first_customer + i}\t{tid}\tCustomer {i}\t\t\t{ts}\t{ts}\n" for i in range(customers)),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('customers_customer', 'id'), "
            "(SELECT max(id) FROM customers_customer))"
        )
    samples = 200

    def tickets() -> Iterator[str]:
        for n in range(1, total + 1):
            status = STATUSES[n % len(STATUSES)] if n > samples else "open"
            created = now - timedelta(minutes=rng.randint(0, 2 * 365 * 24 * 60))
            active = status in ("new", "open", "pending", "on_hold")
            due = r"\N"
            breached = r"\N"
            if active:
                due_at = now + timedelta(minutes=rng.randint(-3 * 24 * 60, 3 * 24 * 60))
                due = due_at.isoformat()
                if due_at < now:
                    breached = due
            kinds = json.dumps(rng.sample(KINDS, rng.choice([1, 1, 1, 2])))
            subject = f"Sample {n}" if n <= samples else f"Question {n}"
            customer = first_customer + rng.randrange(customers)
            c = created.isoformat()
            yield (
                f"{tid}\t{n}\t{subject}\t{status}\t{rng.randint(1, 4)}\t\t{kinds}\t{n:016x}\t"
                f"{c}\t{c}\t{c}\t{customer}\t{due}\t{breached}\t\t{{}}\t{{}}\n"
            )

    _copy(
        "inbox_ticket",
        [
            "tenant_id",
            "number",
            "subject",
            "status",
            "priority",
            "language",
            "channel_kinds",
            "reply_token",
            "created_at",
            "updated_at",
            "last_activity_at",
            "customer_id",
            "sla_due_at",
            "sla_breached_at",
            "routing_kind",
            "routing_requirements",
            "sla_clock",
        ],
        tickets(),
    )
    TenantCounter.objects.update_or_create(tenant=tenant, name="ticket", defaults={"value": total})
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM inbox_ticket WHERE tenant_id = %s", [tid])
        low, high = cursor.fetchone()

    def messages() -> Iterator[str]:
        for ticket_id in range(low, high + 1):
            count = 20 if ticket_id < low + samples else 1
            for k in range(count):
                direction = "inbound" if k % 2 == 0 else "outbound"
                status = "received" if direction == "inbound" else "delivered"
                yield (
                    f"{tid}\t{ticket_id}\t{direction}\temail\t{email.pk}\tRe: question\t"
                    f"Message {k} of ticket {ticket_id}, with a paragraph of text to render.\t"
                    f"\t\t{status}\t\t\t\t\t{{}}\t{ts}\n"
                )

    _copy(
        "inbox_message",
        [
            "tenant_id",
            "ticket_id",
            "direction",
            "channel_kind",
            "channel_id",
            "subject",
            "body_text",
            "body_html",
            "external_id",
            "status",
            "error",
            "message_id_header",
            "in_reply_to",
            '"references"',
            "metadata",
            "created_at",
        ],
        messages(),
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE inbox_ticket; ANALYZE inbox_message; ANALYZE customers_customer")
    print(
        f"loaded {total:,} tickets, {customers:,} customers "
        f"in {time.perf_counter() - started:.0f} s"
    )


def bench_pages(total: int, rounds: int) -> None:
    _tenant, agent, sample = big_tenant(total)
    client = Client()
    client.force_login(agent.user)
    urls = {
        "inbox page": ["/app/bench/"],
        "inbox rows fragment (live refetch)": ["/app/bench/tickets/rows/"],
        "inbox, view=breached": ["/app/bench/?view=breached"],
        "ticket page (20 messages)": [f"/app/bench/tickets/{pk}/" for pk in sample],
    }
    print(f"\n== pages: {total:,} tickets in the tenant, PostgreSQL, {rounds} requests each ==")
    print(
        f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores: wall time includes "
        "waiting for a core; CPU is this process's own time)"
    )
    for label, choices in urls.items():
        for url in choices[:10]:  # warm
            assert client.get(url).status_code == 200
        timings = []
        cpu = []
        queries = set()
        for i in range(rounds):
            url = choices[i % len(choices)]
            with CaptureQueriesContext(connection) as captured:
                started, cpu_started = time.perf_counter(), time.process_time()
                response = client.get(url)
                timings.append(time.perf_counter() - started)
                cpu.append(time.process_time() - cpu_started)
            assert response.status_code == 200
            queries.add(len(captured.captured_queries))
        print(
            f"{label:38s} p50 {ms(statistics.median(timings)):>9s}  p95 {ms(pct(timings, 95)):>9s}"
            f"  max {ms(max(timings)):>9s}  (CPU p95 {ms(pct(cpu, 95))})  queries {sorted(queries)}"
        )


# ---- live: uvicorn + Redis pub/sub + Celery worker -------------------------------------------


@contextmanager
def processes(port: int) -> Iterator[int]:
    env = dict(os.environ)
    env["PUBLIC_BASE_URL"] = f"http://127.0.0.1:{port}"
    env["DJANGO_SETTINGS_MODULE"] = "tests.bench.bench_settings"
    env["BENCH_LAYER_PREFIX"] = f"hd-bench-{os.getpid()}"
    logs = ROOT / "artifacts"
    logs.mkdir(exist_ok=True)
    web_log = (logs / "bench-uvicorn.log").open("w")
    worker_log = (logs / "bench-celery.log").open("w")
    web = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "helpdesk.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
            # As deployed (Dockerfile, Makefile): agent events are a few hundred bytes of
            # JSON, not worth compressing once per socket.
            "--ws-per-message-deflate",
            "false",
        ],
        cwd=ROOT,
        env=env,
        stdout=web_log,
        stderr=subprocess.STDOUT,
    )
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "helpdesk",
            "worker",
            "-P",
            "threads",
            "-c",
            "4",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=worker_log,
        stderr=subprocess.STDOUT,
    )
    try:
        import requests

        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline or web.poll() is not None:
                raise SystemExit("uvicorn did not start; see artifacts/bench-uvicorn.log")
            time.sleep(0.2)
        time.sleep(2)  # the worker connects to the broker
        yield web.pid
    finally:
        for process in (web, worker):
            process.terminate()
        for process in (web, worker):
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        web_log.close()
        worker_log.close()


def live_tenant(agents: int) -> tuple[Tenant, list[str], Channel]:
    tenant, _ = Tenant.objects.get_or_create(slug="bench-live", defaults={"name": "Bench live"})
    seats = [_member(tenant, f"live{i}@bench.test") for i in range(agents)]
    with tenant_scope(tenant):
        channel = Channel.objects.filter(name="Bench API").first() or Channel.objects.create(
            tenant=tenant,
            kind="api",
            provider="api",
            name="Bench API",
            config={"secret": "bench-secret-0123456789abcdef"},
        )
    sessions = []
    for seat in seats:
        store = SessionStore()
        store[SESSION_KEY] = str(seat.user.pk)
        store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        store[HASH_SESSION_KEY] = seat.user.get_session_auth_hash()
        store.create()
        sessions.append(store.session_key)
    return tenant, sessions, channel


async def _connect(port: int, slug: str, session: str) -> Any:
    import websockets

    socket = await websockets.connect(
        f"ws://127.0.0.1:{port}/ws/agent/?tenant={slug}",
        additional_headers={"Cookie": f"sessionid={session}", "Origin": f"http://127.0.0.1:{port}"},
        max_queue=None,
        ping_interval=None,
    )
    hello = json.loads(await socket.recv())
    assert hello["event"] == "hello", hello
    return socket


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _live(port: int, agents: int, posts: int, web_pid: int) -> None:
    import requests

    tenant, sessions, channel = await asyncio.to_thread(live_tenant, agents)
    url = channel_webhook_urls(channel)["inbound"].replace(
        settings.PUBLIC_BASE_URL, f"http://127.0.0.1:{port}"
    )
    sockets = []
    for start in range(0, agents, 25):
        sockets += await asyncio.gather(
            *[_connect(port, tenant.slug, s) for s in sessions[start : start + 25]]
        )
    arrivals: dict[str, list[float]] = {}

    async def listen(socket: Any) -> None:
        async for raw in socket:
            event = json.loads(raw)
            if event["event"] == "message.created":
                subject = event["data"]["ticket"]["subject"]
                arrivals.setdefault(subject, []).append(time.perf_counter())

    listeners = [asyncio.create_task(listen(s)) for s in sockets]
    latencies: list[float] = []
    visible: list[float] = []
    webhook: list[float] = []
    started_at: dict[str, float] = {}
    run = f"{time.time():.0f}"
    http = requests.Session()
    http.cookies.set("sessionid", sessions[0])
    base = f"http://127.0.0.1:{port}"
    asgi_cpu = cpu_seconds(web_pid)
    own_cpu = time.process_time()
    if True:
        for i in range(posts):
            subject = f"Live {run}-{i}"
            body = json.dumps(
                {
                    "id": f"live-{run}-{i}",
                    "from": {"kind": "email", "value": f"c{run}-{i}@x.test"},
                    "text": "Where is my order?",
                    "subject": subject,
                }
            ).encode()
            started = time.perf_counter()
            started_at[subject] = started
            response = await asyncio.to_thread(
                http.post,
                url,
                data=body,
                timeout=10,
                headers={
                    "Content-Type": "application/json",
                    "X-Helpdesk-Signature": sign("bench-secret-0123456789abcdef", body),
                },
            )
            webhook.append(time.perf_counter() - started)
            assert response.status_code == 200, response.text
            deadline = started + 5
            while len(arrivals.get(subject, [])) < agents and time.perf_counter() < deadline:
                await asyncio.sleep(0.002)
            got = arrivals.get(subject, [])
            latencies += [t - started for t in got]
            if len(got) < agents:
                print(f"  post {i}: only {len(got)}/{agents} agents got it within 5 s")
            # What a browser then does: refetch the rows fragment; visible once it holds the row.
            rows = await asyncio.to_thread(
                http.get, f"{base}/app/{tenant.slug}/tickets/rows/?q={subject}", timeout=10
            )
            assert subject in rows.text
            visible.append(time.perf_counter() - started)
            await asyncio.sleep(0.2)
    asgi_cpu = cpu_seconds(web_pid) - asgi_cpu
    own_cpu = time.process_time() - own_cpu
    for task in listeners:
        task.cancel()
    for socket in sockets:
        await socket.close()
    stages = await asyncio.to_thread(_stages, channel, run, posts, started_at, arrivals)
    print(f"\n(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    print(
        f"== live: {agents} agents connected, {posts} webhooks, uvicorn + Redis pub/sub + "
        "Celery worker =="
    )
    print(
        f"webhook answered (200)          p50 {ms(statistics.median(webhook)):>9s}  "
        f"p95 {ms(pct(webhook, 95)):>9s}"
    )
    print(
        f"webhook -> event on each socket  p50 {ms(statistics.median(latencies)):>9s}  "
        f"p95 {ms(pct(latencies, 95)):>9s}  max {ms(max(latencies)):>9s}  "
        f"({len(latencies)} deliveries)"
    )
    print(
        f"webhook -> row in refetched list p50 {ms(statistics.median(visible)):>9s}  "
        f"p95 {ms(pct(visible, 95)):>9s}"
    )
    print(
        f"CPU per webhook: uvicorn process {asgi_cpu / posts * 1000:.1f} ms (webhook, fan-out to "
        f"{agents} sockets, one rows refetch); this client {own_cpu / posts * 1000:.1f} ms"
    )
    print("where the time goes (from the webhook's start; DB timestamps of the same clock):")
    for label, values in stages.items():
        if values:
            print(
                f"  {label:44s} p50 {ms(statistics.median(values)):>9s}  "
                f"p95 {ms(pct(values, 95)):>9s}"
            )


def _stages(
    channel: Channel,
    run: str,
    posts: int,
    started_at: dict[str, float],
    arrivals: dict[str, list[float]],
) -> dict[str, list[float]]:
    """Per post: stored (webhook's insert), processed (worker done), first and last socket."""
    from channels_ingest.models import InboundEvent

    # perf_counter -> wall clock, to compare with the timestamps the processes wrote.
    offset = time.time() - time.perf_counter()
    with tenant_scope(channel.tenant):
        events = {
            e.provider_event_id: e
            for e in InboundEvent.objects.filter(
                channel=channel, provider_event_id__startswith=f"live-{run}-"
            )
        }
    stages: dict[str, list[float]] = {
        "webhook start -> event stored (ack side)": [],
        "event stored -> processed (queue + pipeline)": [],
        "processed -> first socket (commit + relay)": [],
        "first socket -> last of the agents": [],
    }
    for i in range(posts):
        subject = f"Live {run}-{i}"
        event = events.get(f"live-{run}-{i}")
        got = sorted(arrivals.get(subject, []))
        if event is None or event.processed_at is None or not got or subject not in started_at:
            continue
        start = started_at[subject] + offset
        stored = event.received_at.timestamp()
        processed = event.processed_at.timestamp()
        stages["webhook start -> event stored (ack side)"].append(stored - start)
        stages["event stored -> processed (queue + pipeline)"].append(processed - stored)
        stages["processed -> first socket (commit + relay)"].append(got[0] + offset - processed)
        stages["first socket -> last of the agents"].append(got[-1] - got[0])
    return stages


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def _idle(port: int, count: int, web_pid: int) -> None:
    tenant, sessions, _ = await asyncio.to_thread(live_tenant, 50)
    warm = [await _connect(port, tenant.slug, sessions[0]) for _ in range(5)]
    await asyncio.sleep(1)
    before = rss_kb(web_pid)
    sockets = list(warm)
    started = time.perf_counter()
    for start in range(0, count - len(warm), 50):
        batch = min(50, count - len(warm) - start)
        sockets += await asyncio.gather(
            *[
                _connect(port, tenant.slug, sessions[(start + k) % len(sessions)])
                for k in range(batch)
            ]
        )
    took = time.perf_counter() - started
    await asyncio.sleep(3)
    after = rss_kb(web_pid)
    opened = len(sockets)
    # Still alive: one event reaches every idle socket.
    channel = await asyncio.to_thread(lambda: Channel.objects.unscoped().get(name="Bench API"))
    alive = 0

    async def one(socket: Any) -> bool:
        try:
            while True:
                event = json.loads(await asyncio.wait_for(socket.recv(), 10))
                if event["event"] == "agent.presence":
                    return True
        except Exception:
            return False

    await sockets[0].send(json.dumps({"action": "presence", "state": "online"}))
    alive = sum(await asyncio.gather(*[one(s) for s in sockets]))
    for socket in sockets:
        await socket.close()
    del channel
    print(
        f"\n== idle: {opened} agent WebSockets on one uvicorn process (opened in {took:.1f} s) =="
    )
    print(
        f"RSS before {before / 1024:.1f} MB, after {after / 1024:.1f} MB: "
        f"{(after - before) / (opened - len(warm)):.1f} KB per connection; "
        f"{alive}/{opened} still received a broadcast"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--part", default="all", choices=["pages", "live", "idle", "all"])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--agents", type=int, default=100)
    parser.add_argument("--posts", type=int, default=100)
    parser.add_argument("--idle", type=int, default=1000)
    args = parser.parse_args()
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        raise SystemExit("Set DATABASE_URL (PostgreSQL) and REDIS_URL: see the docstring.")
    if args.part in ("pages", "all"):
        bench_pages(args.tickets, args.rounds)
    port = 8600 + os.getpid() % 300
    if args.part in ("live", "all"):
        with processes(port) as web:
            asyncio.run(_live(port, args.agents, args.posts, web))
    if args.part in ("idle", "all"):
        with processes(port + 1) as web:
            asyncio.run(_idle(port + 1, args.idle, web))


if __name__ == "__main__":
    main()
