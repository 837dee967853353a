"""Demo organizations and customers, each known on one or more channels."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from customers.identity_values import IdentityKind
from customers.services import (
    customer_create,
    identity_hints_apply,
    identity_resolve,
    organization_create,
)
from helpdesk.demo import demo_step
from helpdesk.models import Tenant

ORGANIZATIONS = [
    ("Acme Corp", "tier1", "Enterprise", ["acme.example"]),
    ("Globex", "tier2", "Growth", ["globex.example"]),
    ("Initech", "tier2", "Starter", ["initech.example"]),
]

# name, organization, language, identities (kind, value, verified)
CUSTOMERS: list[tuple[str, str | None, str, list[tuple[str, str, bool]]]] = [
    (
        "Priya Raman",
        "Acme Corp",
        "en",
        [
            ("email", "priya.raman@acme.example", True),
            ("phone", "+14155550101", True),
            ("whatsapp", "+14155550101", True),
        ],
    ),
    ("Marcus Webb", "Acme Corp", "en", [("email", "marcus@acme.example", True)]),
    (
        "Lucía Fernández",
        "Globex",
        "es",
        [
            ("email", "lucia.fernandez@globex.example", True),
            ("whatsapp", "+34612345678", True),
        ],
    ),
    (
        "Tom Becker",
        "Globex",
        "de",
        [
            ("email", "tom.becker@globex.example", True),
            ("telegram", "501234567", True),
        ],
    ),
    (
        "Aisha Bello",
        "Initech",
        "en",
        [
            ("email", "aisha@initech.example", True),
            ("chat_user", "initech-aisha", True),
        ],
    ),
    ("Kenji Watanabe", None, "en", [("messenger", "6843210987654321", True)]),
    (
        "Chloé Martin",
        None,
        "fr",
        [
            ("instagram", "17841400000000001", True),
            ("email", "chloe.martin@mail.example", False),
        ],
    ),
    ("Rafael Souza", None, "pt", [("whatsapp", "+5511987654321", True)]),
    ("Dana Whitfield", None, "en", [("phone", "+12125550199", True)]),
    (
        "Olu Adeyemi",
        "Acme Corp",
        "en",
        [
            ("email", "olu@acme.example", True),
            ("chat_user", "acme-olu", True),
        ],
    ),
]


@demo_step(order=10)
def seed_customers(tenant: Tenant, state: dict[str, Any]) -> None:
    orgs = {
        name: organization_create(tenant=tenant, name=name, tier=tier, plan=plan, domains=domains)
        for name, tier, plan, domains in ORGANIZATIONS
    }
    state["organizations"] = orgs
    state["customers"] = {
        name: customer_create(
            tenant=tenant,
            name=name,
            identities=identities,
            organization=orgs[org] if org else None,
            language=language,
        )
        for name, org, language, identities in CUSTOMERS
    }


@dataclass(frozen=True)
class _Typed:
    kind: str
    value: str
    verified: bool = False


@demo_step(order=11)
def seed_merge_suggestion(tenant: Tenant, state: dict[str, Any]) -> None:
    """A chat visitor who typed Priya's address: suggested for a merge, not merged."""
    visitor = identity_resolve(
        tenant=tenant,
        kind=IdentityKind.CHAT_VISITOR,
        value="demo_visitor_7f3a9c",
        display_name="Website visitor",
    )
    identity_hints_apply(
        tenant=tenant,
        customer=visitor,
        identities=[_Typed(kind=IdentityKind.EMAIL, value="Priya.Raman@acme.example")],
        text="Hi, it's Priya again, you can reach me on +1 415 555 0101",
    )
