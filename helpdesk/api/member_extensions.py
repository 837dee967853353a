"""Extra member fields contributed by rooms above the core (routing: skills, capacity, presence).

A room registers an extension in its ``AppConfig.ready``; the members API adds the fields to
its input, applies them after its own changes, and merges them into its output, without the
core importing the room.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rest_framework import serializers

from helpdesk.models import Membership


@dataclass(frozen=True)
class MemberExtension:
    name: str
    input_fields: Callable[[], dict[str, serializers.Field]]  # type: ignore[type-arg]
    represent: Callable[[Sequence[Membership]], dict[int, dict[str, Any]]]
    apply: Callable[[Membership, dict[str, Any]], None]


_extensions: dict[str, MemberExtension] = {}


def member_extension_register(extension: MemberExtension) -> None:
    _extensions[extension.name] = extension


def member_extensions() -> list[MemberExtension]:
    return list(_extensions.values())


def member_input_with_extensions(
    base: type[serializers.Serializer[Any]],
) -> type[serializers.Serializer[Any]]:
    extra: dict[str, Any] = {}
    for extension in member_extensions():
        extra.update(extension.input_fields())
    if not extra:
        return base
    return type(base.__name__, (base,), extra)


def member_extras_apply(membership: Membership, values: dict[str, Any]) -> None:
    for extension in member_extensions():
        fields = set(extension.input_fields())
        mine = {k: v for k, v in values.items() if k in fields}
        if mine:
            extension.apply(membership, mine)


def member_extras_represent(members: Sequence[Membership]) -> dict[int, dict[str, Any]]:
    merged: dict[int, dict[str, Any]] = {m.pk: {} for m in members}
    for extension in member_extensions():
        for member_id, values in extension.represent(members).items():
            merged.setdefault(member_id, {}).update(values)
    return merged
