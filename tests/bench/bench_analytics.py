# ruff: noqa: E501 - SQL statements read better unwrapped
"""Analytics benchmark: the dashboard over 90 days of a big tenant, and the event log's cost.

Run on PostgreSQL (your own database):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hd_issue8 REDIS_URL=redis://127.0.0.1:6379/10 \
    DEBUG=0 SECRET_KEY=some-long-test-secret-key-0123456789abcdef \
    FIELD_ENCRYPTION_KEY=7jZ0d3KQ1nH6mJb2fVv0Yb9bq3m1F0Hc2uXn7E2rGk4= \
    .venv/bin/python tests/bench/bench_analytics.py [--tickets 1000000] [--events 10000000]
        [--event-budget 300] [--reload]

It loads (once; ``--reload`` starts over) a tenant ``bench`` with customers, tickets and raw
analytics events generated in SQL (generate_series), then the daily rollup those tickets
produce, computed in SQL with the rollup's own column meanings (rollup_refresh would take far
longer than the budget at this size; its behaviour is pinned by the tests). Event loading stops
at ``--event-budget`` seconds and the script prints exactly how many events it loaded.

Then it prints: dashboard and summary API server time for 90 days (median of 7 runs after one
warm-up), and the event log's cost per ingestion (time spent in the ``"*"`` subscriber per
``message_ingest``, and the wall-clock difference with the subscriber switched off).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from analytics import eventlog  # noqa: E402
from analytics.models import AnalyticsEvent, RollupState  # noqa: E402
from helpdesk import events  # noqa: E402
from helpdesk.models import Membership, Role, Tenant, User  # noqa: E402
from helpdesk.services import api_token_create  # noqa: E402
from helpdesk.tenancy import tenant_scope  # noqa: E402
from inbox.inbound import InboundMessage, SenderIdentity  # noqa: E402
from inbox.services import message_ingest  # noqa: E402

AGENTS = 60
TEAMS = 8
CUSTOMERS = 100_000
CHANNELS = ["email", "chat", "voice", "whatsapp", "sms", "messenger", "telegram"]


def sql(statement: str, params: list[object] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


def scalar(statement: str, params: list[object] | None = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])
        return int(cursor.fetchone()[0])


def wipe(tenant_id: int) -> None:
    for table in (
        "analytics_dailyrollup",
        "analytics_slarollup",
        "analytics_searchrollup",
        "analytics_analyticsevent",
        "analytics_rollupstate",
        "inbox_message",
        "inbox_ticket",
        "customers_identity",
        "customers_customer",
    ):
        sql(f"DELETE FROM {table} WHERE tenant_id = %s", [tenant_id])


def setup_tenant() -> tuple[Tenant, Membership, list[int], list[int]]:
    tenant, _ = Tenant.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    with tenant_scope(tenant):
        from customers.models import Organization
        from routing.models import Team

        manager_user, _ = User.objects.get_or_create(email="manager@bench.test")
        manager, _ = Membership.objects.get_or_create(
            tenant=tenant, user=manager_user, defaults={"role": Role.MANAGER}
        )
        agents = []
        for i in range(AGENTS):
            user, _ = User.objects.get_or_create(email=f"agent{i}@bench.test")
            member, _ = Membership.objects.get_or_create(tenant=tenant, user=user)
            agents.append(member.pk)
        teams = [
            Team.objects.get_or_create(tenant=tenant, name=f"Team {i}")[0].pk for i in range(TEAMS)
        ]
        for tier in ("gold", "silver", "bronze"):
            Organization.objects.get_or_create(
                tenant=tenant, name=f"Org {tier}", defaults={"tier": tier}
            )
    return tenant, manager, agents, teams


def load(tenant: Tenant, agents: list[int], teams: list[int], tickets: int) -> dict[str, object]:
    t = tenant.pk
    started = time.perf_counter()
    wipe(t)
    org_ids = [
        scalar("SELECT id FROM customers_organization WHERE tenant_id=%s AND tier=%s", [t, tier])
        for tier in ("gold", "silver", "bronze")
    ]
    sql(
        """INSERT INTO customers_customer (tenant_id, name, tier, language, created_at, updated_at,
               organization_id)
           SELECT %s, 'Customer ' || g, '', 'en', now(), now(),
                  CASE WHEN g %% 4 = 3 THEN NULL ELSE (%s::bigint[])[1 + g %% 4] END
           FROM generate_series(1, %s) g""",
        [t, org_ids, CUSTOMERS],
    )
    first_customer = scalar("SELECT min(id) FROM customers_customer WHERE tenant_id=%s", [t])
    # One ticket per row: created over the last 365 days; 90 % solved; a third multi-channel.
    sql(
        """INSERT INTO inbox_ticket (tenant_id, number, subject, status, priority, language,
               channel_kinds, reply_token, created_at, updated_at, first_touch_at,
               first_response_at, last_activity_at, solved_at, assignee_id, team_id, customer_id,
               sla_breached_at)
           SELECT %(t)s, g, 'Ticket ' || g,
                  CASE WHEN g %% 10 = 0 THEN 'open' ELSE 'solved' END, 2, '',
                  CASE WHEN g %% 3 = 0
                       THEN jsonb_build_array((%(ch)s::text[])[1 + g %% 7], (%(ch)s::text[])[1 + (g + 1) %% 7])
                       ELSE jsonb_build_array((%(ch)s::text[])[1 + g %% 7]) END,
                  md5(g::text), c, c, c, c + ((g %% 240) || ' minutes')::interval, c,
                  CASE WHEN g %% 10 = 0 THEN NULL ELSE c + ((g %% 72) || ' hours')::interval END,
                  (%(a)s::bigint[])[1 + g %% %(na)s], (%(tm)s::bigint[])[1 + (g %% %(na)s) %% %(nt)s],
                  %(fc)s + g %% %(nc)s,
                  CASE WHEN g %% 7 = 0 THEN c + interval '5 hours' ELSE NULL END
           FROM (SELECT g, now() - ((g::bigint * 31536) / 1000 || ' seconds')::interval
                           * 1 AS c FROM generate_series(1, %(n)s) g) s""",
        {
            "t": t,
            "ch": CHANNELS,
            "a": agents,
            "na": len(agents),
            "tm": teams,
            "nt": len(teams),
            "fc": first_customer,
            "nc": CUSTOMERS,
            "n": tickets,
        },
    )
    with tenant_scope(tenant):
        from helpdesk.models import TenantCounter

        TenantCounter.objects.update_or_create(
            tenant=tenant, name="ticket", defaults={"value": tickets + 1000}
        )
    return {"tickets_seconds": round(time.perf_counter() - started, 1)}


def load_analytics(tenant: Tenant, events_n: int, budget: float) -> dict[str, object]:
    t = tenant.pk
    for table in (
        "analytics_dailyrollup",
        "analytics_dailycube",
        "analytics_slarollup",
        "analytics_searchrollup",
        "analytics_analyticsevent",
        "analytics_rollupstate",
    ):
        sql(f"DELETE FROM {table} WHERE tenant_id = %s", [t])
    tickets_loaded = scalar("SELECT count(*) FROM inbox_ticket WHERE tenant_id=%s", [t])
    # Raw events, in chunks of 1M, until the budget runs out.
    names = [
        "message.inbound",
        "message.outbound",
        "ticket.updated",
        "ticket.status",
        "ticket.created",
        "kb.search",
        "kb.search_failed",
        "message.status",
    ]
    first_ticket = scalar("SELECT min(id) FROM inbox_ticket WHERE tenant_id=%s", [t])
    loaded = 0
    chunk = 1_000_000
    event_started = time.perf_counter()
    while loaded < events_n and time.perf_counter() - event_started < budget:
        n = min(chunk, events_n - loaded)
        sql(
            """INSERT INTO analytics_analyticsevent (tenant_id, name, occurred_at, seq, ticket_id,
                   customer_id, channel_kind, member_id, team_id, value, label, payload)
               SELECT %(t)s, (%(names)s::text[])[1 + g %% 8],
                      now() - ((g::bigint * 3153) / 1000 || ' seconds')::interval,
                      g, %(ft)s + g %% %(nt)s, NULL, (%(ch)s::text[])[1 + g %% 7],
                      NULL, NULL, NULL, '',
                      CASE WHEN g %% 8 = 6 THEN jsonb_build_object('query', 'refund ' || g %% 37)
                           ELSE '{}'::jsonb END
               FROM generate_series(%(lo)s, %(hi)s) g""",
            {
                "t": t,
                "names": names,
                "ft": first_ticket,
                "nt": tickets_loaded,
                "ch": CHANNELS,
                "lo": loaded + 1,
                "hi": loaded + n,
            },
        )
        loaded += n
        print(
            f"  events loaded: {loaded:,} ({time.perf_counter() - event_started:.0f} s)", flush=True
        )
    events_seconds = time.perf_counter() - event_started
    # The daily rollup those tickets produce (created, first response and resolution days).
    rollup_started = time.perf_counter()
    sql(
        """INSERT INTO analytics_dailyrollup (tenant_id, day, channel_kind, team_id, member_id,
               tier, multi_channel, created, resolved, frt_count, frt_seconds, frt_business_seconds,
               resolution_seconds, fcr, switched, transferred, sla_total, sla_met, csat_count,
               csat_satisfied, csat_sum, ces_count, ces_sum, load_seconds, replies)
           SELECT %(t)s, day, ch, team, member, tier, multi, sum(created), sum(resolved),
                  sum(frt_count), sum(frt), sum(frt), sum(res), sum(fcr), sum(sw), sum(tr),
                  sum(sla_t), sum(sla_m), sum(cc), sum(cs), sum(csum), sum(cc), sum(ces),
                  sum(load), sum(rep)
           FROM (
             SELECT k.id, (x.at AT TIME ZONE 'UTC')::date AS day, k.channel_kinds->>-1 AS ch,
                    coalesce(k.team_id, 0) AS team, coalesce(k.assignee_id, 0) AS member,
                    coalesce(o.tier, '') AS tier, jsonb_array_length(k.channel_kinds) > 1 AS multi,
                    (x.kind = 'c')::int AS created,
                    (x.kind = 's')::int AS resolved,
                    (x.kind = 'f')::int AS frt_count,
                    CASE WHEN x.kind = 'f' THEN extract(epoch FROM k.first_response_at - k.first_touch_at)::bigint ELSE 0 END AS frt,
                    CASE WHEN x.kind = 's' THEN extract(epoch FROM k.solved_at - k.first_touch_at)::bigint ELSE 0 END AS res,
                    (x.kind = 's' AND k.id %% 3 <> 0)::int AS fcr,
                    (x.kind = 's' AND jsonb_array_length(k.channel_kinds) > 1)::int AS sw,
                    (x.kind = 's' AND k.id %% 11 = 0)::int AS tr,
                    (x.kind = 's')::int AS sla_t,
                    (x.kind = 's' AND k.sla_breached_at IS NULL)::int AS sla_m,
                    (x.kind = 's' AND k.id %% 3 = 0)::int AS cc,
                    (x.kind = 's' AND k.id %% 3 = 0 AND k.id %% 5 >= 1)::int AS cs,
                    CASE WHEN x.kind = 's' AND k.id %% 3 = 0 THEN 1 + k.id %% 5 ELSE 0 END AS csum,
                    CASE WHEN x.kind = 's' AND k.id %% 3 = 0 THEN 1 + k.id %% 7 ELSE 0 END AS ces,
                    CASE WHEN x.kind = 's' THEN extract(epoch FROM k.solved_at - k.created_at)::bigint / 4 ELSE 0 END AS load,
                    (x.kind = 'f')::int AS rep
             FROM inbox_ticket k
             JOIN customers_customer cu ON cu.id = k.customer_id
             LEFT JOIN customers_organization o ON o.id = cu.organization_id
             CROSS JOIN LATERAL (VALUES ('c', k.created_at), ('f', k.first_response_at),
                                        ('s', k.solved_at)) AS x(kind, at)
             WHERE k.tenant_id = %(t)s AND x.at IS NOT NULL
           ) facts
           GROUP BY day, ch, team, member, tier, multi""",
        {"t": t},
    )
    sql(
        """INSERT INTO analytics_searchrollup (tenant_id, day, query, searches, failed, deflected)
           SELECT %(t)s, (occurred_at AT TIME ZONE 'UTC')::date, '',
                  count(*) FILTER (WHERE name IN ('kb.search', 'kb.search_failed')),
                  count(*) FILTER (WHERE name = 'kb.search_failed'),
                  count(*) FILTER (WHERE name = 'kb.deflected')
           FROM analytics_analyticsevent WHERE tenant_id = %(t)s AND name LIKE 'kb.%%'
           GROUP BY 2;
           INSERT INTO analytics_searchrollup (tenant_id, day, query, searches, failed, deflected)
           SELECT %(t)s, (occurred_at AT TIME ZONE 'UTC')::date, lower(payload->>'query'), 0, count(*), 0
           FROM analytics_analyticsevent WHERE tenant_id = %(t)s AND name = 'kb.search_failed'
           GROUP BY 2, 3""",
        {"t": t},
    )
    sql(
        """INSERT INTO analytics_dailycube (tenant_id, day, dim, key, created, resolved, frt_count,
               frt_seconds, frt_business_seconds, resolution_seconds, fcr, switched, transferred,
               sla_total, sla_met, csat_count, csat_satisfied, csat_sum, ces_count, ces_sum,
               load_seconds, replies)
           SELECT %(t)s, day,
                  CASE WHEN GROUPING(channel_kind) = 0 THEN 'channel'
                       WHEN GROUPING(team_id) = 0 THEN 'team'
                       WHEN GROUPING(member_id) = 0 THEN 'agent'
                       WHEN GROUPING(tier) = 0 THEN 'tier'
                       WHEN GROUPING(multi_channel) = 0 THEN 'multi' ELSE 'all' END,
                  coalesce(channel_kind, team_id::text, member_id::text, tier,
                           CASE WHEN GROUPING(multi_channel) = 1 THEN ''
                                WHEN multi_channel THEN '1' ELSE '0' END),
                  sum(created), sum(resolved), sum(frt_count), sum(frt_seconds),
                  sum(frt_business_seconds), sum(resolution_seconds), sum(fcr), sum(switched),
                  sum(transferred), sum(sla_total), sum(sla_met), sum(csat_count),
                  sum(csat_satisfied), sum(csat_sum), sum(ces_count), sum(ces_sum),
                  sum(load_seconds), sum(replies)
           FROM analytics_dailyrollup WHERE tenant_id = %(t)s
           GROUP BY day, GROUPING SETS ((), (channel_kind), (team_id), (member_id), (tier),
                                        (multi_channel))""",
        {"t": t},
    )
    sql(
        "ANALYZE analytics_dailycube; ANALYZE analytics_dailyrollup; ANALYZE analytics_analyticsevent; ANALYZE inbox_ticket"
    )
    RollupState.objects.unscoped().update_or_create(
        tenant=tenant,
        defaults={
            "last_event_id": AnalyticsEvent.objects.unscoped()
            .order_by("-pk")
            .values_list("pk", flat=True)
            .first()
            or 0,
            "refreshed_at": timezone.now(),
        },
    )
    return {
        "tickets": tickets_loaded,
        "events": loaded,
        "events_seconds": round(events_seconds, 1),
        "rollup_seconds": round(time.perf_counter() - rollup_started, 1),
    }


def timed(fn, runs: int = 7) -> list[float]:  # type: ignore[no-untyped-def]
    fn()  # warm-up
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def bench_dashboard(tenant: Tenant, manager: Membership) -> None:
    RollupState.objects.unscoped().filter(tenant=tenant).update(refreshed_at=timezone.now())
    end = timezone.now().date()
    start = end - timedelta(days=89)
    client = Client()
    client.force_login(manager.user)
    token = api_token_create(membership=manager)
    api = Client(HTTP_AUTHORIZATION=f"Token {token}")
    query = f"from={start}&to={end}"
    rows = scalar(
        "SELECT count(*) FROM analytics_dailyrollup WHERE tenant_id=%s AND day BETWEEN %s AND %s",
        [tenant.pk, start - timedelta(days=90), end],
    )
    print(f"rollup rows read (90 days + previous 90): {rows:,}")

    def page() -> None:
        response = client.get(f"/app/bench/analytics/?{query}")
        assert response.status_code == 200, response.status_code

    def summary() -> None:
        response = api.get(f"/api/v1/analytics/summary/?{query}")
        assert response.status_code == 200, response.content[:300]

    def filtered() -> None:
        response = api.get(f"/api/v1/analytics/summary/?{query}&channel=chat&tier=gold")
        assert response.status_code == 200, response.content[:300]

    for label, fn in (
        ("dashboard page (90 days)", page),
        ("summary API (90 days)", summary),
        ("summary API, channel+tier filter", filtered),
    ):
        ms = timed(fn)
        print(
            f"{label}: median {statistics.median(ms):.0f} ms, min {min(ms):.0f}, max {max(ms):.0f}"
        )


def bench_ingestion(tenant: Tenant, n: int = 300) -> None:
    spent: list[float] = []
    original = eventlog.event_log_write

    def timed_write(event: events.DomainEvent) -> None:
        start = time.perf_counter()
        original(event)
        spent.append(time.perf_counter() - start)

    def ingest(i: int, tag: str) -> None:
        message_ingest(
            tenant=tenant,
            inbound=InboundMessage(
                channel_id=1,
                channel_kind="email",
                external_id=f"<bench-{tag}-{i}-{time.time_ns()}@x>",
                sender=SenderIdentity(kind="email", value=f"p{tag}{i}-{time.time_ns()}@bench.test"),
                body_text="Where is my order?",
                subject="Order",
            ),
        )

    with tenant_scope(tenant):
        events.unsubscribe(events.ALL, original)
        events.subscribe(events.ALL, timed_write)
        on, off = [], []
        try:
            for block in range(6):
                for enabled in (True, False):
                    if not enabled:
                        events.unsubscribe(events.ALL, timed_write)
                    start = time.perf_counter()
                    for i in range(n // 6):
                        ingest(block * 1000 + i, "on" if enabled else "off")
                    elapsed = (time.perf_counter() - start) / (n // 6) * 1000
                    (on if enabled else off).append(elapsed)
                    if not enabled:
                        events.subscribe(events.ALL, timed_write)
        finally:
            events.unsubscribe(events.ALL, timed_write)
            events.subscribe(events.ALL, original)
    per_ingest = sum(spent) / (n // 6 * 6) * 1000
    per_event = statistics.mean(spent) * 1000
    print(
        f"event log: {len(spent)} events for {n // 6 * 6} ingestions; time in the '*' subscriber "
        f"{per_ingest:.3f} ms per ingestion ({per_event:.3f} ms per event, p95 "
        f"{sorted(spent)[int(len(spent) * 0.95)] * 1000:.3f} ms)"
    )
    print(
        f"message_ingest wall clock: {statistics.median(on):.2f} ms with the log, "
        f"{statistics.median(off):.2f} ms without (median of 6 blocks; difference "
        f"{statistics.median(on) - statistics.median(off):+.2f} ms, noisy on a shared machine)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--event-budget", type=float, default=300.0)
    parser.add_argument("--reload", action="store_true")
    parser.add_argument(
        "--reload-analytics", action="store_true", help="keep tickets, redo the rest"
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run this on PostgreSQL: set DATABASE_URL to your own database.")
    call_command("migrate", verbosity=0)
    tenant, manager, agents, teams = setup_tenant()
    have = scalar("SELECT count(*) FROM inbox_ticket WHERE tenant_id=%s", [tenant.pk])
    if args.reload or have < args.tickets:
        print(f"loading {args.tickets:,} tickets ...", flush=True)
        print(load(tenant, agents, teams, args.tickets))
    if args.reload or args.reload_analytics or have < args.tickets:
        print(f"loading up to {args.events:,} events and the rollups ...", flush=True)
        print(load_analytics(tenant, args.events, args.event_budget))
    print(
        "data: {:,} tickets, {:,} analytics events, {:,} rollup rows".format(
            scalar("SELECT count(*) FROM inbox_ticket WHERE tenant_id=%s", [tenant.pk]),
            scalar("SELECT count(*) FROM analytics_analyticsevent WHERE tenant_id=%s", [tenant.pk]),
            scalar("SELECT count(*) FROM analytics_dailyrollup WHERE tenant_id=%s", [tenant.pk]),
        )
    )
    bench_dashboard(tenant, manager)
    bench_ingestion(tenant)


if __name__ == "__main__":
    main()
