"""Identity resolution at 1,000,000 identities, and the customer timeline through the API.

Run from the project root against PostgreSQL (your own database; it is created and migrated
if needed, and the bench tenant is loaded once and reused on later runs)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hd_issue4 \\
    REDIS_URL=redis://127.0.0.1:6379/4 DEBUG=0 SECRET_KEY=... FIELD_ENCRYPTION_KEY=... \\
    .venv/bin/python tests/bench/bench_identity.py

Prints, for ``identity_resolve`` as ``inbox.services.message_ingest`` calls it (inside a
transaction): queries per call and p50/p95/max latency for a known sender seen a while ago
(the row's ``last_seen_at`` moves), a known sender seen just now, a new kind of a known
number (WhatsApp of a known phone) and a brand-new sender; then the timeline of a customer
with 2,000 messages over 50 tickets through the API (first page, a 200-message page, and
walking every page) with its query count.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
# Persistent connections, as a production deployment runs (README: DB_CONN_MAX_AGE).
os.environ.setdefault("DB_CONN_MAX_AGE", "600")

IDENTITIES = 1_000_000
CUSTOMERS = 600_000
TICKETS = 50
MESSAGES_PER_TICKET = 40
SAMPLES = 1_000
SLUG = "bench-identity"
KINDS = [  # kind, share of the identities
    ("email", 40),
    ("phone", 25),
    ("whatsapp", 15),
    ("messenger", 5),
    ("instagram", 5),
    ("telegram", 5),
    ("chat_user", 5),
]


def ensure_database() -> None:
    import psycopg

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database of your own (see the docstring).")
    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def kind_of(i: int) -> str:
    slot = i % 100
    for kind, share in KINDS:
        if slot < share:
            return kind
        slot -= share
    raise AssertionError(slot)


def stored_value(kind: str, i: int) -> str:
    """The normalized value of identity ``i`` (what resolution will look up)."""
    if kind == "email":
        return f"person{i}@company{i % 5000}.example"
    if kind == "phone":
        return f"+1{2_000_000_000 + i}"
    if kind == "whatsapp":
        return f"+44{7_400_000_000 + i}"
    if kind == "chat_user":
        return f"user-{i}"
    return str(10**15 + i)  # messenger, instagram and telegram ids


def raw_value(kind: str, i: int) -> str:
    """How a channel would hand the same identity over: case, formatting, prefixes."""
    value = stored_value(kind, i)
    if kind == "email":
        return value.upper()
    if kind == "phone":
        digits = value[2:]
        return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"  # national, tenant region US
    if kind == "whatsapp":
        return value[1:]  # wa_id: digits without '+'
    return value


def load(tenant_id: int) -> None:
    from django.db import connection

    from customers.services import match_key

    now = datetime.now(UTC)
    old = now - timedelta(days=30)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        raw = cursor.connection
        with raw.cursor() as pg:
            with pg.copy(
                "COPY customers_customer (tenant_id, name, tier, language, created_at, "
                "updated_at) FROM STDIN"
            ) as copy:
                for n in range(CUSTOMERS):
                    copy.write_row((tenant_id, f"Customer {n}", "", "", old, old))
            pg.execute("SELECT min(id) FROM customers_customer WHERE tenant_id = %s", [tenant_id])
            first_id = pg.fetchone()[0]  # type: ignore[index]
            with pg.copy(
                "COPY customers_identity (tenant_id, customer_id, kind, value, verified, "
                "origin, match_key, source_channel_id, first_seen_at, last_seen_at) FROM STDIN"
            ) as copy:
                for i in range(IDENTITIES):
                    kind = kind_of(i)
                    value = stored_value(kind, i)
                    copy.write_row(
                        (
                            tenant_id,
                            first_id + i % CUSTOMERS,
                            kind,
                            value,
                            True,
                            "sender",
                            match_key(kind, value),
                            None,
                            old,
                            old,
                        )
                    )
            pg.execute("ANALYZE customers_customer")
            pg.execute("ANALYZE customers_identity")
    raw.commit()
    print(f"loaded {CUSTOMERS:,} customers and {IDENTITIES:,} identities with COPY "
          f"in {time.perf_counter() - started:.1f} s")  # fmt: skip


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def report(label: str, runs: list[tuple[float, float, int]]) -> None:
    """``runs``: (wall seconds, CPU seconds of this process, queries) per call."""
    wall = [r[0] * 1000 for r in runs]
    cpu = [r[1] * 1000 for r in runs]
    queries = [r[2] for r in runs]
    print(
        f"  {label:<44} queries {min(queries)}-{max(queries)}  "
        f"wall p50 {statistics.median(wall):.2f} p95 {percentile(wall, 95):.2f} ms  "
        f"cpu p50 {statistics.median(cpu):.2f} p95 {percentile(cpu, 95):.2f} ms  (n={len(runs)})"
    )


def counted(captured: object) -> int:
    """Queries sent, without the BEGIN/COMMIT of the caller's transaction."""
    return sum(
        1
        for q in captured.captured_queries  # type: ignore[attr-defined]
        if q["sql"] not in ("BEGIN", "COMMIT")
    )


def timed(calls: Iterator[Callable[[], object]]) -> list[tuple[float, float, int]]:
    """Each call inside a transaction, as message_ingest runs it; the commit is not timed."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    runs = []
    for call in calls:
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as captured, transaction.atomic():
            cpu, start = time.process_time(), time.perf_counter()
            call()
            wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        runs.append((wall, cpu, counted(captured)))
    return runs


def server_ms(queryset: object) -> str:
    """PostgreSQL's own execution time of a query (EXPLAIN ANALYZE), best of five."""
    import re

    times = []
    for _ in range(5):
        plan = queryset.explain(analyze=True)  # type: ignore[attr-defined]
        times.append(float(re.findall(r"Execution Time: ([0-9.]+) ms", plan)[0]))
    return f"{min(times):.3f} ms"


def bench_resolution(tenant: object) -> None:
    from customers.models import Identity
    from customers.services import identity_resolve
    from helpdesk.models import Tenant

    assert isinstance(tenant, Tenant)
    rng = random.Random(4)
    picks = rng.sample(range(IDENTITIES), SAMPLES * 2)
    warm, sample = picks[:SAMPLES], picks[SAMPLES:]

    def resolver(i: int, kind: str | None = None) -> Callable[[], object]:
        kind = kind or kind_of(i)
        return lambda: identity_resolve(
            tenant=tenant, kind=kind, value=raw_value(kind, i), verified=True, channel_id=1
        )

    timed(resolver(i) for i in warm)  # warm caches and connections
    old = datetime.now(UTC) - timedelta(days=30)
    values = [stored_value(kind_of(i), i) for i in sample]
    Identity.objects.filter(value__in=values).update(last_seen_at=old)
    print(f"identity_resolve, {Identity.objects.count():,} identities in the tenant:")
    report("known sender, last seen a month ago", timed(resolver(i) for i in sample))
    report("known sender, seen a moment ago", timed(resolver(i) for i in sample))
    phones = [i for i in picks if kind_of(i) == "phone"][:300]
    report(
        "known phone writing on WhatsApp (new kind)",
        timed(
            (lambda i=i: identity_resolve(
                tenant=tenant, kind="whatsapp", value=stored_value("phone", i)[1:],
                verified=True, channel_id=2,
            ))
            for i in phones
        ),
    )  # fmt: skip
    from customers.services import lookup_keys

    kinds, values = lookup_keys("whatsapp", stored_value("phone", phones[0]))
    lookup = Identity.objects.select_related("customer").filter(kind__in=kinds, value__in=values)
    email = Identity.objects.select_related("customer").filter(
        kind__in=["email"], value__in=[stored_value("email", 40_000)]
    )
    print(f"  server time of the lookup: email {server_ms(email)}, number {server_ms(lookup)}")
    stamp = int(time.time())
    report(
        "new sender (customer and identity created)",
        timed(
            (lambda n=n: identity_resolve(
                tenant=tenant, kind="email", value=f"new{stamp}-{n}@fresh.example",
                verified=False, channel_id=1,
            ))
            for n in range(300)
        ),
    )  # fmt: skip


def timeline_customer(tenant: object) -> int:
    from django.db import connection

    from customers.models import Customer
    from customers.services import customer_create
    from helpdesk.counters import counter_next
    from helpdesk.models import Tenant
    from inbox.models import Message, Ticket

    assert isinstance(tenant, Tenant)
    existing = Customer.objects.filter(name="Timeline bench").first()
    if existing is not None:
        return existing.pk
    customer = customer_create(tenant=tenant, name="Timeline bench")
    kinds = ["email", "whatsapp", "voice", "chat", "sms"]
    start = datetime(2025, 1, 1, tzinfo=UTC)
    for t in range(TICKETS):
        kind = kinds[t % len(kinds)]
        ticket = Ticket.objects.create(
            tenant=tenant,
            number=counter_next(tenant=tenant, name="ticket"),
            subject=f"Question {t}",
            customer=customer,
            channel_kinds=[kind],
            created_at=start + timedelta(days=t),
        )
        Message.objects.bulk_create(
            [
                Message(
                    tenant=tenant,
                    ticket=ticket,
                    direction="inbound" if m % 2 == 0 else "outbound",
                    channel_kind=kind,
                    channel_id=100 + t % len(kinds),
                    customer=customer if m % 2 == 0 else None,
                    body_text=f"Message {m} of ticket {t}. " * 8,
                    created_at=start + timedelta(days=t, minutes=m * 7),
                )
                for m in range(MESSAGES_PER_TICKET)
            ]
        )
    with connection.cursor() as cursor:  # what autovacuum would do after such a load
        cursor.execute("ANALYZE inbox_ticket")
        cursor.execute("ANALYZE inbox_message")
    return customer.pk


def bench_timeline(tenant: object) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from helpdesk.models import Role, Tenant
    from helpdesk.services import api_token_create, member_add

    assert isinstance(tenant, Tenant)
    customer_id = timeline_customer(tenant)
    member = member_add(tenant=tenant, email="bench-timeline@bench.test", role=Role.ADMIN)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(membership=member)}")
    url = f"/api/v1/customers/{customer_id}/timeline/"

    def get(path: str) -> tuple[tuple[float, float, int], dict[str, object]]:
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as captured:
            cpu, start = time.process_time(), time.perf_counter()
            response = client.get(path)
            wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        assert response.status_code == 200, response.content[:300]
        return (wall, cpu, counted(captured)), response.json()

    for _ in range(20):
        get(url)
    print(f"timeline through the API, {TICKETS} tickets, {TICKETS * MESSAGES_PER_TICKET:,} "
          "messages (Django test client, full middleware stack):")  # fmt: skip
    from customers.models import Customer
    from inbox.customer_timeline import customer_timeline, timeline_messages

    timeline = customer_timeline(customer=Customer.objects.get(pk=customer_id))
    keys = timeline.message_keys[:51]
    rows = timeline_messages(keys=list(keys))
    assert len(rows) == 51
    from inbox.models import Message

    page = Message.objects.filter(pk__in=[k.pk for k in keys]).select_related(
        "call", "author__user", "customer"
    )
    print(f"  server time: page of message ids {server_ms(keys)}, their rows {server_ms(page)}")
    for label, path in (("first page (50 messages)", url), ("page of 200", url + "?limit=200")):
        report(label, [get(path)[0] for _ in range(200)])
    walks, total = [], 0
    for _ in range(5):
        next_url: object = url + "?limit=200"
        wall, cpu, queries, total = 0.0, 0.0, 0, 0
        while next_url:
            run, body = get(str(next_url))
            wall, cpu, queries = wall + run[0], cpu + run[1], queries + run[2]
            results = body["results"]
            assert isinstance(results, list)
            total += len(results)
            next_url = body["next"]
        walks.append((wall, cpu, queries))
    report(f"all {total:,} messages, 10 pages of 200 (queries summed)", walks)


def main() -> None:
    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from customers.models import Identity
    from helpdesk.models import Tenant
    from helpdesk.tenancy import tenant_scope

    load_avg = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} cores, load average {load_avg} (shared with others)")
    calibration = time.process_time()
    sum(range(10**7))
    print(
        "  calibration: sum(range(10**7)) took "
        f"{(time.process_time() - calibration) * 1000:.0f} ms of CPU (an idle core: ~100 ms)"
    )
    tenant, _ = Tenant.objects.get_or_create(slug=SLUG, defaults={"name": "Bench", "country": "US"})
    with tenant_scope(tenant):
        loaded = datetime.now(UTC) - timedelta(days=1)
        if not Identity.objects.filter(first_seen_at__lt=loaded).exists():
            load(tenant.pk)
        else:
            print("reusing the loaded bench tenant")
        bench_resolution(tenant)
        bench_timeline(tenant)


if __name__ == "__main__":
    main()
