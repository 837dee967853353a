"""The demo tenant: each room contributes a step in its own ``demo.py``.

``seed_demo`` discovers those modules, creates the tenant and its people, then runs the steps
in order, passing one shared dict so later steps can use what earlier ones made.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from helpdesk.models import Tenant

DemoStep = Callable[[Tenant, dict[str, Any]], None]
_steps: list[tuple[int, str, DemoStep]] = []


def demo_step(order: int) -> Callable[[DemoStep], DemoStep]:
    def register(step: DemoStep) -> DemoStep:
        name = f"{step.__module__}.{step.__qualname__}"
        if all(existing != name for _, existing, _ in _steps):
            _steps.append((order, name, step))
        return step

    return register


def demo_steps() -> list[DemoStep]:
    return [step for _, _, step in sorted(_steps, key=lambda entry: (entry[0], entry[1]))]
