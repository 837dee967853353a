"""The routing-rule engine: pure functions over plain data, no ORM.

Rules are compiled once (``rule_compile``) and evaluated by position against a
``RoutingInput``; conditions of a later rule see the tags and priority set by earlier ones.
Nothing here knows which channel a message came from beyond the ``channel`` field a rule may
test, so the same request meets the same rules on every channel.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

CONDITION_FIELDS = (
    "message",
    "subject",
    "channel",
    "tier",
    "organization",
    "language",
    "tag",
    "priority",
    "time_of_day",
)
OPERATORS = ("contains", "equals", "in", "matches")
ACTION_TYPES = ("require_skill", "set_team", "set_priority", "add_tag", "assign")
PRIORITY_LABELS = {"low": 1, "normal": 2, "high": 3, "urgent": 4}
PRIORITY_NAMES = {value: name for name, value in PRIORITY_LABELS.items()}
TEXT_FIELDS = ("message", "subject")
_HHMM = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")


class RuleError(ValueError):
    """A rule that cannot be compiled; ``field`` is a path such as ``conditions[1].value``."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(field, message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class RoutingInput:
    """What rules may look at: the request, never how it arrived beyond ``channel``."""

    subject: str
    body: str
    channel: str
    tier: str
    organization_id: int | None
    organization_name: str
    language: str
    tags: frozenset[str]
    priority: int
    local_minute: int  # minutes since local midnight in the tenant's time zone

    @cached_property
    def folded(self) -> dict[str, tuple[str, ...]]:
        """Case-folded values per condition field, computed once per input."""
        lang = self.language.casefold()
        org = () if self.organization_id is None else (str(self.organization_id),)
        return {
            "message": (f"{self.subject}\n{self.body}".casefold(),),
            "subject": (self.subject.casefold(),),
            "channel": (self.channel.casefold(),),
            "tier": (self.tier.casefold(),),
            "organization": (*org, self.organization_name.casefold()),
            "language": (lang, lang.split("-", 1)[0]),
            "tag": tuple(self.tags),
            "priority": (PRIORITY_NAMES.get(self.priority, ""),),
        }


@dataclass(frozen=True)
class Condition:
    field: str
    operator: str
    values: tuple[str, ...]
    pattern: re.Pattern[str] | None = None
    window: tuple[int, int] | None = None


@dataclass(frozen=True)
class Rule:
    id: int
    name: str
    position: int
    trigger: str
    match_all: bool
    conditions: tuple[Condition, ...]
    actions: tuple[Mapping[str, Any], ...]


@dataclass
class RoutingDecision:
    """What the rules decided; ``None`` leaves a field as it is."""

    team_id: int | None = None
    required_skills: dict[int, int] = field(default_factory=dict)  # skill id -> minimum level
    priority: int | None = None
    tags: list[str] = field(default_factory=list)
    assign_member_id: int | None = None
    matched: list[dict[str, Any]] = field(default_factory=list)


# --- compiling ---------------------------------------------------------------------


def rule_compile(
    *,
    id: int,
    name: str,
    position: int,
    trigger: str,
    match: str,
    conditions: Sequence[Mapping[str, Any]],
    actions: Sequence[Mapping[str, Any]],
) -> Rule:
    """Validate and compile a rule's JSON; raises RuleError naming the bad part."""
    if match not in ("all", "any"):
        raise RuleError("match", "use 'all' or 'any'")
    if not isinstance(conditions, list):
        raise RuleError("conditions", "must be a list")
    if not isinstance(actions, list) or not actions:
        raise RuleError("actions", "a rule needs at least one action")
    compiled = tuple(
        _condition_compile(f"conditions[{i}]", raw) for i, raw in enumerate(conditions)
    )
    for i, raw in enumerate(actions):
        _action_check(f"actions[{i}]", raw)
    return Rule(
        id=id,
        name=name,
        position=position,
        trigger=trigger,
        match_all=match == "all",
        conditions=compiled,
        actions=tuple(dict(a) for a in actions),
    )


def _condition_compile(path: str, raw: Any) -> Condition:
    if not isinstance(raw, Mapping) or set(raw) != {"field", "operator", "value"}:
        raise RuleError(path, "a condition is {'field', 'operator', 'value'}")
    name, operator, value = raw["field"], raw["operator"], raw["value"]
    if name not in CONDITION_FIELDS:
        raise RuleError(f"{path}.field", f"unknown field {name!r}")
    if operator not in OPERATORS:
        raise RuleError(f"{path}.operator", f"unknown operator {operator!r}")
    if name == "time_of_day":
        return Condition(name, operator, (), window=_window(f"{path}.value", operator, value))
    if operator == "in":
        if not isinstance(value, list) or not value:
            raise RuleError(f"{path}.value", "'in' needs a non-empty list")
        items = [_scalar(f"{path}.value", item) for item in value]
    else:
        items = [_scalar(f"{path}.value", value)]
    if name == "priority":
        for item in items:
            if item not in PRIORITY_LABELS:
                raise RuleError(f"{path}.value", f"unknown priority {item!r}")
    pattern = None
    if operator == "matches":
        try:
            pattern = re.compile(items[0], re.IGNORECASE)
        except re.error as exc:
            raise RuleError(f"{path}.value", f"not a valid regular expression: {exc}") from None
    return Condition(name, operator, tuple(items), pattern=pattern)


def _scalar(path: str, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise RuleError(path, "use text or a number")
    text = str(value).strip().casefold()
    if not text:
        raise RuleError(path, "must not be empty")
    return text


def _window(path: str, operator: str, value: Any) -> tuple[int, int]:
    if operator != "in" or not isinstance(value, list) or len(value) != 2:
        raise RuleError(path, "time_of_day takes operator 'in' and ['HH:MM', 'HH:MM']")
    minutes = []
    for item in value:
        match = _HHMM.fullmatch(item) if isinstance(item, str) else None
        if match is None:
            raise RuleError(path, f"{item!r} is not a HH:MM time")
        minutes.append(int(match[1]) * 60 + int(match[2]))
    if minutes[0] == minutes[1]:
        raise RuleError(path, "the window is empty")
    return minutes[0], minutes[1]


def _action_check(path: str, raw: Any) -> None:
    if not isinstance(raw, Mapping) or raw.get("type") not in ACTION_TYPES:
        raise RuleError(f"{path}.type", f"use one of {', '.join(ACTION_TYPES)}")
    kind = raw["type"]
    expected = {
        "require_skill": {"type", "skill", "level"},
        "set_team": {"type", "team"},
        "set_priority": {"type", "priority"},
        "add_tag": {"type", "tag"},
        "assign": {"type", "member"},
    }[kind]
    required = expected - {"level"}
    if not required <= set(raw) or not set(raw) <= expected:
        raise RuleError(path, f"{kind} takes {', '.join(sorted(expected - {'type'}))}")
    if kind == "set_priority" and raw["priority"] not in PRIORITY_LABELS:
        raise RuleError(f"{path}.priority", f"use one of {', '.join(PRIORITY_LABELS)}")
    if kind == "add_tag" and (not isinstance(raw["tag"], str) or not raw["tag"].strip()):
        raise RuleError(f"{path}.tag", "a tag is non-empty text")
    if kind == "require_skill" and "level" in raw and raw["level"] not in (1, 2, 3, 4, 5):
        raise RuleError(f"{path}.level", "a level is 1 to 5")
    for key in ("skill", "team", "member"):
        if key in raw and (isinstance(raw[key], bool) or not isinstance(raw[key], int)):
            raise RuleError(f"{path}.{key}", "use an id")


# --- evaluating --------------------------------------------------------------------


def _candidates(condition: Condition, data: RoutingInput) -> tuple[str, ...]:
    return data.folded[condition.field]


def condition_holds(condition: Condition, data: RoutingInput) -> bool:
    if condition.window is not None:
        start, end = condition.window
        minute = data.local_minute
        return start <= minute < end if start < end else minute >= start or minute < end
    values = _candidates(condition, data)
    op = condition.operator
    if op == "matches":
        assert condition.pattern is not None
        return any(condition.pattern.search(v) for v in values if v)
    if op == "equals":
        return condition.values[0] in values
    text_like = condition.field in TEXT_FIELDS
    if op == "contains":
        needle = condition.values[0]
        return any(needle in v for v in values)
    # "in": one of the listed values; for text fields, any of the listed keywords appears.
    if text_like:
        return any(word in v for v in values for word in condition.values)
    return any(v in condition.values for v in values)


def rule_matches(rule: Rule, data: RoutingInput) -> bool:
    if not rule.conditions:
        return True
    if rule.match_all:
        return all(condition_holds(c, data) for c in rule.conditions)
    return any(condition_holds(c, data) for c in rule.conditions)


def rules_evaluate(
    rules: Iterable[Rule], data: RoutingInput, *, triggers: Collection[str]
) -> RoutingDecision:
    """Evaluate enabled rules of these triggers in position order (``rules`` is pre-sorted)."""
    decision = RoutingDecision()
    state = data
    for rule in rules:
        if rule.trigger not in triggers or not rule_matches(rule, state):
            continue
        decision.matched.append({"id": rule.id, "name": rule.name})
        for action in rule.actions:
            kind = action["type"]
            if kind == "set_team":
                decision.team_id = int(action["team"])
            elif kind == "require_skill":
                skill, level = int(action["skill"]), int(action.get("level", 1))
                decision.required_skills[skill] = max(level, decision.required_skills.get(skill, 0))
            elif kind == "set_priority":
                decision.priority = PRIORITY_LABELS[action["priority"]]
                state = replace(state, priority=decision.priority)
            elif kind == "add_tag":
                tag = str(action["tag"]).strip().lower()
                if tag not in decision.tags:
                    decision.tags.append(tag)
                state = replace(state, tags=state.tags | {tag})
            elif kind == "assign":
                decision.assign_member_id = int(action["member"])
    return decision


# --- loops -------------------------------------------------------------------------


def _writes(rule: Rule) -> list[tuple[str, str]]:
    """The (field, value) pairs a rule's actions write that conditions can read."""
    out = []
    for action in rule.actions:
        if action["type"] == "set_priority":
            out.append(("priority", str(action["priority"])))
        elif action["type"] == "add_tag":
            out.append(("tag", str(action["tag"]).strip().lower()))
    return out


def _satisfies(condition: Condition, field_name: str, value: str) -> bool:
    if condition.field != field_name:
        return False
    probe = RoutingInput(
        subject="",
        body="",
        channel="",
        tier="",
        organization_id=None,
        organization_name="",
        language="",
        tags=frozenset({value}) if field_name == "tag" else frozenset(),
        priority=PRIORITY_LABELS.get(value, 0),
        local_minute=0,
    )
    return condition_holds(condition, probe)


def _chain(trigger: str) -> str:
    """Rules evaluated in one pass together: created and message rules run on one message."""
    return "inbound" if trigger in ("created", "message") else trigger


def rules_loop_find(rules: Sequence[Rule]) -> list[str] | None:
    """A cycle of rules (names) where one's action makes another's condition true again.

    Rules that set a priority or add a tag which their own condition (or a later rule's
    that leads back to them) tests would re-trigger each other without end; such a set is
    refused. Only enabled rules of the same trigger can chain.
    """
    edges: dict[int, list[int]] = {rule.id: [] for rule in rules}
    by_id = {rule.id: rule for rule in rules}
    for source in rules:
        writes = _writes(source)
        if not writes:
            continue
        for target in rules:
            if _chain(target.trigger) != _chain(source.trigger):
                continue
            if any(_satisfies(c, f, v) for c in target.conditions for f, v in writes):
                edges[source.id].append(target.id)
    white, grey, black = 0, 1, 2
    color = dict.fromkeys(edges, white)
    stack: list[int] = []

    def visit(node: int) -> list[int] | None:
        color[node] = grey
        stack.append(node)
        for nxt in edges[node]:
            if color[nxt] == grey:
                return [*stack[stack.index(nxt) :], nxt]
            if color[nxt] == white:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        color[node] = black
        return None

    for node in edges:
        if color[node] == white:
            cycle = visit(node)
            if cycle:
                return [by_id[i].name for i in cycle]
    return None
