"""What the ingestion benchmarks share: settings, a server, workers, a loopback load client.

Everything runs on loopback against the PostgreSQL database and Redis db named by
``BENCH_DATABASE_URL`` / ``BENCH_REDIS_URL`` (defaults: ``hd_issue3twilio`` and db 3), and
every process started here is stopped by the benchmark that started it.
"""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

PROJECT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ENV = {
    "DATABASE_URL": os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hd_issue3twilio"
    ),
    "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3"),
    "DEBUG": "0",
    "SECRET_KEY": "bench-secret-key-0123456789abcdef-0123456789abcdef",
    "FIELD_ENCRYPTION_KEY": "7jZ0d3KQ1nH6mJb2fVv0Yb9bq3m1F0Hc2uXn7E2rGk4=",
    "PUBLIC_BASE_URL": "http://127.0.0.1:8000",
    "DJANGO_SETTINGS_MODULE": "helpdesk.settings",
}
ACCOUNT_SID = "AC" + "b" * 32
AUTH_TOKEN = "bench-auth-token-0123456789abcdef"
NUMBER = "+15558675310"


def django_setup() -> None:
    """Configure Django for this benchmark and remove earlier benchmark tenants."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stop the subprocesses on the way out
    os.environ.update(ENV)
    sys.path.insert(0, str(PROJECT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from helpdesk.models import Tenant

    # Pending events of an earlier run would be picked up by this run's sweeper.
    Tenant.objects.filter(slug__startswith="bench-").delete()
    history_ensure()
    _vacuum()


def _vacuum() -> None:
    """Clear what the earlier runs' deleted rows left behind, as autovacuum would between
    runs on a live database: left in place, every run measures a larger pile of dead rows
    in the indexes it scans (hundreds of thousands after a few dozen runs)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


HISTORY_SLUG = "history"  # kept from run to run (earlier runs' "bench-" tenants are not)


def history_ensure(*, customers: int = 5000, per_ticket: int = 6) -> None:
    """A tenant with a past, made once per benchmark database: customers with phone numbers,
    a solved ticket each and its messages. A run then starts on a database that holds data,
    as a live one does, not on empty tables: the plans PostgreSQL makes for prepared
    statements at a worker's start (kept for the connection's life) are made for tables of
    a realistic size, and each run starts from the same state."""
    from datetime import timedelta

    from django.utils import timezone

    from customers.models import Customer, Identity
    from helpdesk.models import Tenant
    from helpdesk.tenancy import tenant_scope
    from inbox.models import Direction, Message, Ticket

    if Tenant.objects.filter(slug=HISTORY_SLUG).exists():
        return
    tenant = Tenant.objects.create(slug=HISTORY_SLUG, name="History")
    past = timezone.now() - timedelta(days=90)
    channel = _sms_channel(tenant, "History SMS")
    with tenant_scope(tenant):
        people = Customer.objects.bulk_create(
            [Customer(tenant=tenant, name=f"Customer {n}") for n in range(customers)],
            batch_size=2000,
        )
        Identity.objects.bulk_create(
            [
                Identity(tenant=tenant, customer=c, kind="phone", value=f"+1312{n:07d}")
                for n, c in enumerate(people)
            ],
            batch_size=2000,
        )
        tickets = Ticket.objects.bulk_create(
            [
                Ticket(
                    tenant=tenant, number=n + 1, subject=f"Order {n}", status="solved",
                    customer=c, channel_kinds=["sms"], via_channel_id=channel.pk,
                    created_at=past, updated_at=past, last_activity_at=past, solved_at=past,
                )
                for n, c in enumerate(people)
            ],
            batch_size=2000,
        )  # fmt: skip
        Message.objects.bulk_create(
            [
                Message(
                    tenant=tenant, ticket=t, customer=t.customer, channel_kind="sms",
                    channel_id=channel.pk, body_text=f"Message {i} about order {n}",
                    direction=Direction.INBOUND if i % 2 == 0 else Direction.OUTBOUND,
                    external_id=f"SMhist{n:07d}{i}", created_at=past + timedelta(minutes=i),
                )
                for n, t in enumerate(tickets)
                for i in range(per_ticket)
            ],
            batch_size=2000,
        )  # fmt: skip


def redis_flush() -> None:
    """Empty this benchmark's own Redis db (broker queues, counters) before a run."""
    import redis

    redis.Redis.from_url(ENV["REDIS_URL"]).flushdb()


@dataclass
class Target:
    tenant_id: int
    channel_id: int
    webhook_key: str


def target_create(slug: str) -> Target:
    """A fresh tenant with one Twilio SMS channel (earlier runs' rows are removed)."""
    from helpdesk.models import Tenant

    tenant = Tenant.objects.create(slug=slug, name=slug.title())
    channel = _sms_channel(tenant, "Bench SMS")
    return Target(tenant.pk, channel.pk, channel.webhook_key)


def _sms_channel(tenant: Any, name: str) -> Any:
    from channels_ingest.models import Channel
    from helpdesk.tenancy import tenant_scope

    with tenant_scope(tenant):
        return Channel.objects.create(
            tenant=tenant,
            kind="sms",
            provider="twilio",
            name=name,
            config={"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN, "phone_number": NUMBER},
        )


def sms_body(sid: str, sender: str, text: str) -> bytes:
    return urlencode(
        [
            ("ToCountry", "US"),
            ("SmsMessageSid", sid),
            ("NumMedia", "0"),
            ("SmsSid", sid),
            ("SmsStatus", "received"),
            ("Body", text),
            ("To", NUMBER),
            ("NumSegments", "1"),
            ("MessageSid", sid),
            ("AccountSid", ACCOUNT_SID),
            ("From", sender),
            ("ApiVersion", "2010-04-01"),
        ]
    ).encode()


@dataclass(frozen=True)
class Signed:
    path: str
    body: bytes
    signature: str


def signed_sms(target: Target, port: int, sid: str, sender: str, text: str) -> Signed:
    """A Twilio SMS webhook signed with the SDK's validator over the public URL."""
    from twilio.request_validator import RequestValidator

    path = f"/webhooks/twilio/{target.webhook_key}/inbound/"
    body = sms_body(sid, sender, text)
    from django.http import QueryDict

    url = ENV["PUBLIC_BASE_URL"] + path
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, QueryDict(body))
    return Signed(path, body, signature)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server(port: int, workers: int = 1) -> Iterator[subprocess.Popen[bytes]]:
    """uvicorn serving the app on loopback; stopped on exit."""
    env = {**os.environ, **ENV, "PUBLIC_BASE_URL": ENV["PUBLIC_BASE_URL"]}
    args = [
        str(BIN / "uvicorn"),
        "helpdesk.asgi:application",
        "--host=127.0.0.1",
        f"--port={port}",
        f"--workers={workers}",
        "--lifespan=off",
        "--no-access-log",
        "--log-level=warning",
    ]
    process = subprocess.Popen(args, cwd=PROJECT, env=env, start_new_session=True)
    try:
        _wait_healthy(port, process)
        yield process
    finally:
        _stop(process)


@contextmanager
def workers(count: int = 2, name: str = "bench") -> Iterator[subprocess.Popen[bytes]]:
    """One Celery worker with ``count`` prefork processes; stopped on exit."""
    process = worker_start(count, name)
    try:
        yield process
    finally:
        _stop(process)


def worker_start(count: int, name: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, **ENV}
    args = [
        str(BIN / "celery"),
        "-A",
        "helpdesk",
        "worker",
        f"--concurrency={count}",
        "--pool=prefork",
        f"--hostname={name}@%h",
        "--loglevel=WARNING",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    return subprocess.Popen(args, cwd=PROJECT, env=env, start_new_session=True)


def worker_children(process: subprocess.Popen[bytes]) -> list[int]:
    path = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    return [int(pid) for pid in path.read_text().split()] if path.exists() else []


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _wait_healthy(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the server exited while starting")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                if sock.recv(64).startswith(b"HTTP/1.1 200"):
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the server did not become healthy")


@dataclass
class LoadResult:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    elapsed_s: float = 0.0
    client_cpu_s: float = 0.0  # what this load client itself spent, on the same cores

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]

    def summary(self) -> str:
        done = len(self.latencies_ms)
        return (
            f"{done} requests in {self.elapsed_s:.1f} s ({done / self.elapsed_s:.0f}/s), "
            f"statuses {dict(sorted(self.statuses.items()))}; latency ms "
            f"p50 {self.percentile(50):.1f}, p95 {self.percentile(95):.1f}, "
            f"p99 {self.percentile(99):.1f}, max {max(self.latencies_ms):.1f}, "
            f"mean {statistics.fmean(self.latencies_ms):.1f}"
        )


async def _request(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, port: int, item: Signed
) -> int:
    head = (
        f"POST {item.path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"X-Twilio-Signature: {item.signature}\r\nContent-Length: {len(item.body)}\r\n\r\n"
    )
    writer.write(head.encode() + item.body)
    await writer.drain()
    status_line = await reader.readline()
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    if length:
        await reader.readexactly(length)
    return int(status_line.split()[1])


async def _load(
    port: int, items: Sequence[Signed], rate: float | None, connections: int
) -> LoadResult:
    """Send every item; open loop at ``rate`` per second (latency from the scheduled start),
    or as fast as ``connections`` allow when ``rate`` is None."""
    result = LoadResult()
    pool: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    for _ in range(connections):
        pool.put_nowait(await asyncio.open_connection("127.0.0.1", port))
    loop = asyncio.get_running_loop()
    start = loop.time()

    async def one(index: int, item: Signed) -> None:
        scheduled = start + index / rate if rate else loop.time()
        if rate:
            await asyncio.sleep(max(0.0, scheduled - loop.time()))
        reader, writer = await pool.get()
        try:
            status = await _request(reader, writer, port, item)
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
            status = 0
            writer.close()
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        pool.put_nowait((reader, writer))
        result.latencies_ms.append((loop.time() - scheduled) * 1000)
        result.statuses[status] = result.statuses.get(status, 0) + 1

    if rate:
        await asyncio.gather(*(one(i, item) for i, item in enumerate(items)))
    else:
        queue = iter(enumerate(items))

        async def lane() -> None:
            for index, item in queue:
                await one(index, item)

        await asyncio.gather(*(lane() for _ in range(connections)))
    result.elapsed_s = loop.time() - start
    while not pool.empty():
        pool.get_nowait()[1].close()
    return result


def load(
    port: int, items: Sequence[Signed], *, rate: float | None = None, connections: int = 32
) -> LoadResult:
    # A full collection of this process's heap takes ~100 ms here: in the middle of a run it
    # would stall the client and show up as server latency. Nothing it allocates is cyclic.
    gc.collect()
    gc.disable()
    try:
        started = time.process_time()
        result = asyncio.run(_load(port, items, rate, connections))
        result.client_cpu_s = time.process_time() - started
    finally:
        gc.enable()
    return result


def _cpu_seconds(wanted: Callable[[str, list[str]], bool], *, children: bool = False) -> float:
    """User + system CPU of every live process ``wanted(name, stat fields after the name)``;
    with ``children``, that of their exited and reaped children instead (a PostgreSQL backend
    or autovacuum worker that ended is counted in its postmaster's cutime and cstime)."""
    ticks = os.sysconf("SC_CLK_TCK")
    first = 13 if children else 11  # cutime, cstime or utime, stime
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            head, tail = stat.read_text().rsplit(")", 1)
            name, fields = head.partition("(")[2], tail.split()
        except (OSError, IndexError):
            continue
        if wanted(name, fields):
            total += int(fields[first]) + int(fields[first + 1])
    return total / ticks


def group_cpu_seconds(process: subprocess.Popen[bytes]) -> float:
    """User + system CPU of every live process in ``process``'s session group."""
    return _cpu_seconds(lambda _, fields: int(fields[2]) == process.pid)  # process group id


def machine_cpu_seconds() -> float:
    """Busy CPU of the whole machine (every process, exited ones too), from /proc/stat."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def service_cpu_seconds() -> dict[str, float]:
    """CPU of the PostgreSQL and Redis servers on this machine: live processes plus the
    PostgreSQL backends and autovacuum workers that exited meanwhile."""

    def postgres(name: str, _: list[str]) -> bool:
        return name.startswith("postgres")

    return {
        "PostgreSQL": _cpu_seconds(postgres) + _cpu_seconds(postgres, children=True),
        "Redis": _cpu_seconds(lambda name, _: name.startswith("redis-server")),
    }


def host_load() -> str:
    one, five, _ = os.getloadavg()
    return (
        f"host load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores; "
        f"{cpu_reference()}"
    )


def cpu_reference() -> str:
    """How fast this machine's core is right now: on a shared host it drifts by a third or
    more within an hour, which moves every figure here with it."""
    import timeit

    best = min(timeit.repeat("sum(range(1_000_000))", number=5, repeat=5)) / 5
    return f"reference loop sum(range(10**6)) {best * 1000:.1f} ms (about 12 ms on a quiet core)"


def database_name() -> str:
    return urlsplit(ENV["DATABASE_URL"]).path.lstrip("/")
