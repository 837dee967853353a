"""The best available agent picked and a slot claimed in one statement (PostgreSQL).

The same choice as ``routing.selectors.agent_candidates`` followed by
``routing.services.agent_load_claim`` on the first candidate: online, active members with
free capacity on the kind, in the team, with the skills; least loaded, then longest since an
assignment, then the member id. The claim is the same conditional UPDATE (``active <
capacity``, re-checked by PostgreSQL after waiting on a concurrent claim), so capacity holds
under concurrency. When the first candidate filled up meanwhile the caller falls back to
trying the others one by one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from helpdesk.models import Membership
from helpdesk.prepared import prepared_cursor
from routing.models import AgentLoad, AgentProfile, AgentSkill, Presence, TeamMember
from routing.selectors import Candidate

CANDIDATES = 10


@dataclass
class Pick:
    candidates: list[Candidate]
    chosen: Candidate | None  # the one whose slot was taken
    user_id: int | None  # the user of ``chosen``
    # False: no active member of the team with the skills has this kind at all, so no
    # release or presence change can make one free (queueing needs no second look)
    anyone_fits: bool


@cache
def _statement(with_team: bool, skip_locked: bool) -> str:
    load = AgentLoad._meta.db_table
    member = Membership._meta.db_table
    profile = AgentProfile._meta.db_table
    team = TeamMember._meta.db_table
    skill = AgentSkill._meta.db_table
    team_clause = (
        f"""AND EXISTS (SELECT 1 FROM {team} AS t WHERE t.tenant_id = %(tenant)s
            AND t.team_id = %(team)s AND t.membership_id = l.membership_id)"""  # noqa: S608
        if with_team
        else ""
    )
    order = "l.active, l.last_assigned_at NULLS FIRST, l.membership_id"
    first = f"SELECT l.id FROM candidates AS l ORDER BY {order} LIMIT 1"  # noqa: S608
    if skip_locked:  # the first candidate whose row no other transaction holds
        first = f"""SELECT k.id FROM candidates AS l JOIN {load} AS k ON k.id = l.id
            ORDER BY {order} LIMIT 1 FOR UPDATE OF k SKIP LOCKED"""  # noqa: S608
    fits = f"""{team_clause}
        AND NOT EXISTS (
            SELECT 1 FROM unnest(%(skills)s::bigint[], %(levels)s::int[]) AS r(skill, level)
            WHERE NOT EXISTS (SELECT 1 FROM {skill} AS s WHERE s.tenant_id = %(tenant)s
                AND s.membership_id = l.membership_id AND s.skill_id = r.skill
                AND s.level >= r.level)
        )"""  # noqa: S608
    # Every table is filtered on the tenant id the caller passes (the active tenant).
    return f"""
WITH candidates AS (
    SELECT l.id, l.membership_id, l.active, l.capacity, m.user_id, l.last_assigned_at
    FROM {load} AS l
    JOIN {member} AS m ON m.id = l.membership_id AND m.tenant_id = %(tenant)s AND m.is_active
    JOIN {profile} AS p ON p.membership_id = l.membership_id AND p.tenant_id = %(tenant)s
        AND p.presence = '{Presence.ONLINE.value}'
    WHERE l.tenant_id = %(tenant)s AND l.channel_kind = %(kind)s AND l.active < l.capacity
        {fits}
    ORDER BY {order}
    LIMIT {CANDIDATES}
), claimed AS (
    UPDATE {load} AS u SET active = u.active + 1, last_assigned_at = %(at)s
    WHERE u.id = ({first}) AND u.tenant_id = %(tenant)s
        AND u.active < u.capacity
    RETURNING u.id
)
SELECT id, membership_id, active, capacity, user_id, (SELECT id FROM claimed),
    NULL::boolean, last_assigned_at
FROM candidates AS l
UNION ALL  -- nobody free: does anyone fit at all, whatever their load and presence?
SELECT NULL, NULL, NULL, NULL, NULL, NULL, EXISTS (
    SELECT 1 FROM {load} AS l
    JOIN {member} AS m ON m.id = l.membership_id AND m.tenant_id = %(tenant)s AND m.is_active
    WHERE l.tenant_id = %(tenant)s AND l.channel_kind = %(kind)s {fits}
), NULL WHERE NOT EXISTS (SELECT 1 FROM candidates)
ORDER BY 3, 8 NULLS FIRST, 2
"""  # noqa: S608 (table names come from the models)


def agent_pick_claim(
    *,
    tenant_id: int,
    channel_kind: str,
    team_id: int | None,
    required_skills: Mapping[int, int],
    at: datetime,
    skip_locked: bool = False,
) -> Pick:
    """With ``skip_locked`` the claim goes to the first candidate no other transaction
    holds (for callers that hold a load row themselves, so they never wait in a circle)."""
    skills = sorted(required_skills.items())
    params: dict[str, Any] = {
        "tenant": tenant_id,
        "kind": channel_kind,
        "skills": [s for s, _ in skills],
        "levels": [level for _, level in skills],
        "at": at,
    }
    if team_id is not None:
        params["team"] = team_id
    with prepared_cursor() as cursor:
        cursor.execute(_statement(team_id is not None, skip_locked), params)
        rows = cursor.fetchall()
    if rows and rows[0][0] is None:  # no candidate, only the answer whether anyone fits
        return Pick(candidates=[], chosen=None, user_id=None, anyone_fits=bool(rows[0][6]))
    claimed_id = rows[0][5] if rows else None
    chosen = next((row for row in rows if row[0] == claimed_id), None)
    return Pick(
        candidates=[Candidate(*row[:4]) for row in rows],
        chosen=Candidate(*chosen[:4]) if chosen else None,
        user_id=chosen[4] if chosen else None,
        anyone_fits=True,
    )
