"""Routing and SLA benchmark: per-message evaluation, the breach sweep, concurrent assignment.

Run from the project root against PostgreSQL (a throw-away ``test_<name>`` database is
created and dropped)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hd_issue5 DEBUG=0 \\
    SECRET_KEY=... FIELD_ENCRYPTION_KEY=... .venv/bin/python tests/bench/bench_routing.py

Options: ``--tickets`` open tickets for the sweep (default 1,000,000), ``--due`` how many of
them fall due in the swept minute (default 1,000), ``--messages`` timed messages (500),
``--parts`` a subset of ``messages,assign,sweep``.

1. Routing + SLA evaluation per inbound message with 200 rules, 500 agents and 50 teams:
   the pure decision (rules, policy choice, business-hours due times) and the whole seam
   ``ticket_rules_apply`` with its database work (rules, clocks, claim, trace).
2. The breach sweep over N open tickets bulk-loaded with COPY: one run with ``--due``
   tickets falling due, and the next run with nothing due.
3. 1,000 simultaneous assignments for 100 agents with capacity 5 from 8 worker processes
   on separate connections; then the workers solve tickets until all are done while a
   monitor samples loads: nobody above capacity, nobody idle while work waits.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, connections, transaction  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from customers.models import Customer, Organization  # noqa: E402
from helpdesk.models import Membership, Role, Tenant, User  # noqa: E402
from helpdesk.tenancy import tenant_scope  # noqa: E402
from inbox.assignment import ticket_assign_auto, ticket_queue_drain  # noqa: E402
from inbox.models import Direction, Ticket  # noqa: E402
from inbox.rules import routing_input, ticket_rules_apply  # noqa: E402
from inbox.services import message_record, ticket_open, ticket_update  # noqa: E402
from inbox.sla_sweep import sla_sweep_run  # noqa: E402
from routing.engine import rules_evaluate  # noqa: E402
from routing.models import (  # noqa: E402
    CHANNEL_KINDS,
    AgentLoad,
    AgentProfile,
    AgentSkill,
    BusinessHours,
    RoutingRule,
    Skill,
    SlaPolicy,
    Team,
    TeamMember,
)
from routing.selectors import routing_config  # noqa: E402
from routing.services import routing_version_touch  # noqa: E402
from routing.sla import policy_choose, sla_start  # noqa: E402

WORDS = [
    "refund", "invoice", "login", "password", "crash", "export", "billing", "delivery",
    "damaged", "cancel", "upgrade", "api", "sso", "latency", "outage", "discount",
    "factura", "rechnung", "commande", "pagamento",
]  # fmt: skip
WORKING = ("new", "open")
KINDS = ["email", "whatsapp", "chat", "sms", "voice", "messenger", "telegram"]


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


# --- set-up --------------------------------------------------------------------------


def people(tenant: Tenant, count: int, prefix: str) -> list[Membership]:
    users = User.objects.bulk_create(
        [User(email=f"{prefix}{i}@bench.test", name=f"{prefix} {i}") for i in range(count)]
    )
    return Membership.objects.bulk_create(
        [Membership(tenant=tenant, user=u, role=Role.AGENT) for u in users]
    )


def agents_online(tenant: Tenant, members: list[Membership], capacity: int) -> None:
    AgentProfile.objects.bulk_create(
        [
            AgentProfile(tenant=tenant, membership=m, presence="online", capacity={"*": capacity})
            for m in members
        ]
    )
    AgentLoad.objects.bulk_create(
        [
            AgentLoad(tenant=tenant, membership=m, channel_kind=k, capacity=capacity)
            for m in members
            for k in CHANNEL_KINDS
        ]
    )


def routing_tenant() -> Tenant:
    tenant = Tenant.objects.create(slug="bench-routing", name="Bench", time_zone="Europe/Berlin")
    rng = random.Random(5)
    with tenant_scope(tenant):
        members = people(tenant, 500, "agent")
        agents_online(tenant, members, capacity=10_000)
        teams = Team.objects.bulk_create([Team(tenant=tenant, name=f"Team {i}") for i in range(50)])
        TeamMember.objects.bulk_create(
            [
                TeamMember(tenant=tenant, team=teams[i % 50], membership=m)
                for i, m in enumerate(members)
            ]
        )
        skills = Skill.objects.bulk_create(
            [Skill(tenant=tenant, name=f"skill-{i}") for i in range(20)]
        )
        AgentSkill.objects.bulk_create(
            [
                AgentSkill(
                    tenant=tenant, membership=m, skill=skills[(i + j) % 20], level=rng.randint(1, 5)
                )
                for i, m in enumerate(members)
                for j in range(3)
            ]
        )
        hours = BusinessHours.objects.create(
            tenant=tenant,
            name="Berlin",
            timezone="Europe/Berlin",
            weekly={
                d: [["08:00", "12:30"], ["13:30", "18:00"]]
                for d in ("mon", "tue", "wed", "thu", "fri")
            },
            holidays=["2026-12-24", "2026-12-31"],
            country="DE",
        )
        for name, tier, prio in (
            ("T1 urgent", "tier1", 4),
            ("T1", "tier1", None),
            ("T2", "tier2", None),
            ("Any", None, None),
        ):
            SlaPolicy.objects.create(
                tenant=tenant,
                name=name,
                tier=tier,
                priority=prio,
                first_response_minutes=60,
                next_response_minutes=120,
                resolution_minutes=960,
                business_hours=hours,
                warning_minutes=15,
            )
        rules = []
        for i in range(200):
            word = WORDS[i % len(WORDS)]
            shape = i % 5
            conditions: list[dict[str, Any]] = [
                [{"field": "message", "operator": "contains", "value": f"{word}{i}"}],
                [
                    {"field": "message", "operator": "in", "value": [f"{word}-{i}", f"x{i}y"]},
                    {"field": "channel", "operator": "in", "value": ["email", "chat"]},
                ],
                [{"field": "subject", "operator": "matches", "value": rf"\b{word}\s*#{i}\b"}],
                [
                    {"field": "tier", "operator": "equals", "value": f"tier{i}"},
                    {"field": "language", "operator": "equals", "value": "de"},
                ],
                [{"field": "tag", "operator": "equals", "value": f"tag{i}"}],
            ][shape]
            rules.append(
                RoutingRule(
                    tenant=tenant,
                    name=f"Rule {i}",
                    position=i,
                    conditions=conditions,
                    actions=[
                        {"type": "set_team", "team": teams[i % 50].pk},
                        {"type": "require_skill", "skill": skills[i % 20].pk, "level": 1},
                        {"type": "add_tag", "tag": f"r{i}"},
                    ],
                )
            )
        # A few broad rules that match much of the traffic.
        rules[0].conditions = [
            {"field": "message", "operator": "in", "value": ["refund", "invoice"]}
        ]
        rules[1].conditions = [{"field": "tier", "operator": "equals", "value": "tier1"}]
        RoutingRule.objects.bulk_create(rules)
        routing_version_touch(tenant=tenant)
        orgs = [
            Organization.objects.create(tenant=tenant, name=f"Org {t}", tier=t)
            for t in ("tier1", "tier2", "")
        ]
        Customer.objects.bulk_create(
            [
                Customer(
                    tenant=tenant,
                    name=f"C{i}",
                    organization=orgs[i % 3],
                    language="de" if i % 4 else "en",
                )
                for i in range(200)
            ]
        )
    return tenant


def _counting(counter: dict[str, int]) -> Any:
    """An execute wrapper counting statements sent (cheaper than the debug cursor)."""

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        counter["n"] += 1
        return execute(sql, params, many, context)

    return wrapper


def bench_messages(count: int) -> None:
    tenant = routing_tenant()
    with connection.cursor() as cursor:  # what autovacuum does after such a load
        cursor.execute("ANALYZE")
    rng = random.Random(7)
    with tenant_scope(tenant):
        customers = list(Customer.objects.select_related("organization"))
        config = routing_config(tenant_id=tenant.pk)
        assert len(config.rules) == 200
        pure: list[float] = []
        # per trigger: wall, CPU, statements of ticket_rules_apply
        seam: dict[bool, list[tuple[float, float, int]]] = {True: [], False: []}
        commits: list[float] = []
        counter = {"n": 0}
        earlier: list[int] = []
        start = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
        for i in range(count):
            words = rng.sample(WORDS, 3)
            text = f"Hello, about my {words[0]} and {words[1]}: {words[2]} #{rng.randint(0, 300)}"
            kind = KINDS[i % len(KINDS)]
            at = start + timedelta(minutes=7 * i)
            # Half the messages land on an existing ticket (trigger "message", the clocks
            # restart next response), half open one (trigger "created", assignment).
            created = i % 2 == 0 or i < 2
            atomic = transaction.atomic()
            atomic.__enter__()
            if created:
                ticket = ticket_open(
                    tenant=tenant,
                    customer=customers[i % len(customers)],
                    subject=text[:60],
                    channel_kind=kind,
                    channel_id=1,
                    at=at,
                )
            else:
                ticket = Ticket.objects.select_related("customer__organization", "tenant").get(
                    pk=earlier[rng.randrange(len(earlier))]
                )
            message = message_record(
                ticket=ticket,
                direction=Direction.INBOUND,
                body_text=text,
                channel_kind=kind,
                channel_id=1,
                customer=ticket.customer,
                at=at,
            )
            data = routing_input(ticket=ticket, message=message, at=at, created=created)
            triggers = ("created", "message") if created else ("message",)
            t0 = time.perf_counter()
            decision = rules_evaluate(config.rules, data, triggers=triggers)
            policy = policy_choose(config.policies, tier=data.tier, priority=decision.priority or 2)
            sla_start(policy, at)
            pure.append(time.perf_counter() - t0)
            counter["n"] = 0
            with connection.execute_wrapper(_counting(counter)):
                c0, t0 = time.process_time(), time.perf_counter()
                ticket_rules_apply(ticket=ticket, message=message, created=created)
                wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            seam[created].append((wall, cpu, counter["n"]))
            t0 = time.perf_counter()
            atomic.__exit__(None, None, None)  # commit: the events it queued go out
            commits.append(time.perf_counter() - t0)
            if created:
                earlier.append(ticket.pk)
        assigned = Ticket.objects.filter(assignee__isnull=False).count()
    print("1. routing + SLA evaluation per inbound message (200 rules, 500 agents, 50 teams)")
    print(
        "   decision only (200 rules, policy choice, business-hours due times): "
        f"p50 {ms(p(pure, 0.5))}  p95 {ms(p(pure, 0.95))}"
    )
    print(
        "   ticket_rules_apply, the whole evaluation with every write it makes (tags, team, "
        "clocks, claim, ticket row, trace):"
    )
    for created, label in ((True, "opening a ticket"), (False, "on an open ticket")):
        runs = seam[created]
        wall = [r[0] for r in runs]
        cpu = [r[1] for r in runs]
        queries = [r[2] for r in runs]
        print(
            f"     {label:<18} wall p50 {ms(p(wall, 0.5))}  p95 {ms(p(wall, 0.95))}  "
            f"cpu p50 {ms(p(cpu, 0.5))}  p95 {ms(p(cpu, 0.95))}  queries "
            f"{min(queries)}-{max(queries)} (mean {sum(queries) / len(runs):.1f}, n={len(runs)})"
        )
    print(
        f"     ({assigned} tickets assigned; the commit after it, with the events of the whole "
        f"message: p50 {ms(p(commits, 0.5))} p95 {ms(p(commits, 0.95))})"
    )


# --- the sweep ------------------------------------------------------------------------


def sweep_tenant(total: int, due: int) -> None:
    tenant = Tenant.objects.create(slug="bench-sweep", name="Sweep")
    with tenant_scope(tenant):
        policy = SlaPolicy.objects.create(
            tenant=tenant, name="24/7", first_response_minutes=60, warning_minutes=0
        )
        customers = Customer.objects.bulk_create(
            [Customer(tenant=tenant, name=f"C{i}") for i in range(1000)]
        )
    now = timezone.now().replace(microsecond=0)
    fields = [f for f in Ticket._meta.concrete_fields if f.column != "id"]
    columns = [f.column for f in fields]
    base: dict[str, Any] = {
        "tenant_id": tenant.pk,
        "subject": "Bench ticket",
        "status": "open",
        "priority": 2,
        "assignee_id": None,
        "team_id": None,
        "language": "",
        "channel_kinds": '["email"]',
        "via_channel_id": None,
        "sla_policy_id": policy.pk,
        "first_response_at": None,
        "next_response_due_at": None,
        "resolution_due_at": None,
        "sla_breached_at": None,
        "sla_paused_at": None,
        "created_at": now,
        "updated_at": now,
        "first_touch_at": None,
        "last_activity_at": now,
        "last_inbound_at": now,
        "solved_at": None,
        "closed_at": None,
        "routing_kind": "",
        "routing_queued_at": None,
        "routing_requirements": "{}",
    }
    clock = (
        '{"policy": %d, "paused_at": null, "clocks": {"first_response": {"target_seconds": 3600, '
        '"started_at": "%s", "consumed_seconds": 0, "segment_start": "%s", "due": "%s", '
        '"met_at": null, "breached_at": null, "warned_at": null}}}'
    )
    rng = random.Random(3)
    t0 = time.perf_counter()
    connection.ensure_connection()
    raw = connection.connection
    with (
        raw.cursor() as cursor,
        cursor.copy(f"COPY {Ticket._meta.db_table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for i in range(total):
            if i < due:  # fell due within the last minute
                due_at = now - timedelta(seconds=rng.randint(0, 59))
            else:  # due later: one to thirty days ahead
                due_at = now + timedelta(seconds=rng.randint(86_400, 30 * 86_400))
            started = due_at - timedelta(hours=1)
            row = base | {
                "number": i + 1,
                "customer_id": customers[i % 1000].pk,
                "reply_token": f"{i:016x}",
                "first_response_due_at": due_at,
                "sla_due_at": due_at,
                "sla_next_check_at": due_at,
                "sla_clock": clock
                % (policy.pk, started.isoformat(), started.isoformat(), due_at.isoformat()),
            }
            copy.write_row([row[c] for c in columns])
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Ticket._meta.db_table}")
    load = time.perf_counter() - t0
    print(f"2. breach sweep over {total:,} open tickets (loaded with COPY in {load:.0f} s)")
    first = sla_sweep_run(now=now)
    print(
        f"   run with {due:,} falling due: {first.seconds:.3f} s "
        f"(the one UPDATE of their clock columns: {first.write_seconds:.3f} s) "
        f"(checked {first.checked}, breaches {first.breaches}, warnings {first.warnings})"
    )
    second = sla_sweep_run(now=now)
    print(f"   next run, nothing due: {second.seconds * 1000:.1f} ms (checked {second.checked})")
    with connection.cursor() as cursor:
        cursor.execute(
            f"EXPLAIN SELECT tenant_id, id FROM {Ticket._meta.db_table} "
            "WHERE sla_next_check_at <= %s ORDER BY sla_next_check_at LIMIT 2000",
            [now],
        )
        plan = " / ".join(row[0].strip() for row in cursor.fetchall()[:2])
    print(f"   plan: {plan}")


# --- concurrent assignment -----------------------------------------------------------


def _assign_worker(tenant_id: int, ids: list[int], barrier: Any) -> None:
    connections.close_all()  # never share the parent's socket
    tenant = Tenant.objects.get(pk=tenant_id)
    barrier.wait()
    with tenant_scope(tenant):
        for ticket_id in ids:
            with transaction.atomic():
                ticket = Ticket.objects.select_for_update().get(pk=ticket_id)
                if ticket.assignee_id is None:
                    ticket_assign_auto(ticket=ticket)
    connections.close_all()


def _solve_worker(tenant_id: int, seed: int) -> None:
    connections.close_all()
    tenant = Tenant.objects.get(pk=tenant_id)
    rng = random.Random(seed)
    with tenant_scope(tenant):
        while True:
            with transaction.atomic():
                open_ = (
                    Ticket.objects.filter(status__in=WORKING, assignee__isnull=False)
                    .select_for_update(skip_locked=True)
                    .order_by("?" if rng.random() < 0.5 else "id")
                    .first()
                )
                if open_ is None:
                    if not Ticket.objects.filter(status__in=WORKING).exists():
                        break
                    ticket_queue_drain(tenant=tenant)  # a drain skipped a locked ticket
                    continue
                ticket_update(ticket=open_, actor=None, status="solved")
    connections.close_all()


def bench_concurrency(
    agents: int = 100, capacity: int = 5, tickets: int = 1000, workers: int = 8
) -> None:
    tenant = Tenant.objects.create(slug="bench-assign", name="Assign")
    with tenant_scope(tenant):
        members = people(tenant, agents, "cap")
        agents_online(tenant, members, capacity=capacity)
        customer = Customer.objects.create(tenant=tenant, name="C")
        ids = [
            ticket_open(tenant=tenant, customer=customer, subject=f"T{i}", channel_kind="chat").pk
            for i in range(tickets)
        ]
    with connection.cursor() as cursor:  # what autovacuum does after such a load
        cursor.execute("ANALYZE")
    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(workers)
    t0 = time.perf_counter()
    procs = [
        ctx.Process(target=_assign_worker, args=(tenant.pk, ids[i::workers], barrier))
        for i in range(workers)
    ]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join()
    took = time.perf_counter() - t0
    with tenant_scope(tenant):
        loads = list(AgentLoad.objects.filter(channel_kind="chat").values_list("active", flat=True))
        per_agent = Ticket.objects.filter(assignee__isnull=False).values_list(
            "assignee_id", flat=True
        )
        counts = [list(per_agent).count(m.pk) for m in members]
        queued = Ticket.objects.filter(assignee__isnull=True).count()
    print(
        f"3. {tickets:,} simultaneous assignments, {agents} agents x capacity {capacity}, "
        f"{workers} processes: {took:.2f} s"
    )
    print(
        f"   after: max tickets per agent {max(counts)}, min {min(counts)}, "
        f"load counters max {max(loads)}, queued {queued} (expected {tickets - agents * capacity})"
    )
    # Phase 2: workers solve tickets; every freed slot pulls the next queued ticket.
    samples = {"n": 0, "over": 0, "idle_while_waiting": 0}
    stop = threading.Event()

    def monitor() -> None:
        with tenant_scope(tenant):
            while not stop.is_set():
                # One statement, one snapshot: a ticket waiting while an agent has room.
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"SELECT EXISTS (SELECT 1 FROM {Ticket._meta.db_table} WHERE tenant_id = %s"
                        " AND status IN ('new', 'open') AND assignee_id IS NULL),"
                        f" EXISTS (SELECT 1 FROM {AgentLoad._meta.db_table} WHERE tenant_id = %s"
                        " AND channel_kind = 'chat' AND active < capacity),"
                        f" (SELECT max(active) FROM {AgentLoad._meta.db_table} WHERE tenant_id = %s"
                        " AND channel_kind = 'chat')",
                        [tenant.pk, tenant.pk, tenant.pk],
                    )
                    waiting, free, top = cursor.fetchone()
                samples["n"] += 1
                samples["over"] += top > capacity
                samples["idle_while_waiting"] += waiting and free
                time.sleep(0.02)
        connections.close_all()

    connections.close_all()  # the children must not inherit an open socket
    watcher = threading.Thread(target=monitor)
    t0 = time.perf_counter()
    procs = [ctx.Process(target=_solve_worker, args=(tenant.pk, i)) for i in range(workers)]
    watcher.start()
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join()
    stop.set()
    watcher.join()
    took = time.perf_counter() - t0
    with tenant_scope(tenant):
        solved = Ticket.objects.filter(status="solved").count()
        loads = list(AgentLoad.objects.filter(channel_kind="chat").values_list("active", flat=True))
    print(
        f"   solving all with {workers} processes: {took:.2f} s, solved {solved}/{tickets}, "
        f"loads now max {max(loads)}"
    )
    print(
        f"   monitor: {samples['n']} samples, above capacity {samples['over']}, "
        "samples with an agent below capacity while a ticket waited "
        f"{samples['idle_while_waiting']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=1_000)
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--parts", default="messages,assign,sweep", help="comma-separated")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench_routing needs PostgreSQL: set DATABASE_URL (see the module docstring).")
    setup_test_environment()
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    print(f"database {name} on PostgreSQL; command: python {' '.join(sys.argv)}")
    load_avg = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    calibration = time.process_time()
    sum(range(10**7))
    print(
        f"machine: {os.cpu_count()} cores, load average {load_avg} (shared with others); "
        f"sum(range(10**7)) took {(time.process_time() - calibration) * 1000:.0f} ms of CPU "
        "(an idle core: ~100 ms)"
    )
    try:
        parts = set(args.parts.split(","))
        if "messages" in parts:
            bench_messages(args.messages)
        if "assign" in parts:
            bench_concurrency()
        if "sweep" in parts:
            sweep_tenant(args.tickets, args.due)
    finally:
        from analytics.eventlog import writer

        writer.flush()  # the event log's rows of this run, before their database goes
        connections.close_all()
        connection.creation.destroy_test_db(name, verbosity=0)


if __name__ == "__main__":
    main()
