"""identity_resolve and identity_hints_apply: who a message is from, and what it says."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers.identity_values import verify_widget_user, widget_user_hash
from customers.models import Customer, Identity, MergeSuggestion, Organization
from customers.services import (
    customer_create,
    identity_hints_apply,
    identity_resolve,
    organization_create,
    visitor_token_for_claim,
)
from helpdesk.models import Tenant
from inbox.inbound import SenderIdentity
from tests.seats import Seat


def resolve(tenant: Tenant, kind: str, value: str, verified: bool = True, **kw: object) -> Customer:
    return identity_resolve(tenant=tenant, kind=kind, value=value, verified=verified, **kw)  # type: ignore[arg-type]


def rows() -> list[tuple[int, str, str, bool, str]]:
    return list(
        Identity.objects.order_by("id").values_list(
            "customer_id", "kind", "value", "verified", "origin"
        )
    )


# kind, first spelling, another spelling of the same identity, stored value
SAME_PERSON = [
    ("email", "Priya.Raman@ACME.example", "priya.raman@acme.example", "priya.raman@acme.example"),
    ("email", "x@xn--mnchen-3ya.de", "X@MÜNCHEN.de", "x@münchen.de"),
    ("phone", "(415) 555-0101", "+1 415 555 0101 ext. 12", "+14155550101"),
    ("phone", "tel:+44 20 7946 0958", "+442079460958", "+442079460958"),
    ("whatsapp", "14155550101", "whatsapp:+14155550101", "+14155550101"),
    ("messenger", " 6843210987654321", "6843210987654321", "6843210987654321"),
    ("instagram", "17841400000000001", "17841400000000001 ", "17841400000000001"),
    ("telegram", "0501234567", "501234567", "501234567"),
    ("chat_user", "acme-olu", "acme-olu ", "acme-olu"),
    ("chat_visitor", "sess_4f9a8b7c6d", "sess_4f9a8b7c6d", "sess_4f9a8b7c6d"),
]


@pytest.mark.parametrize(("kind", "first", "second", "stored"), SAME_PERSON)
def test_every_kind_resolves_two_spellings_to_one_customer(
    in_a: Tenant, kind: str, first: str, second: str, stored: str
) -> None:
    one = resolve(in_a, kind, first, display_name="Someone", channel_id=7)
    two = resolve(in_a, kind, second)
    assert one.pk == two.pk
    assert rows() == [(one.pk, kind, stored, True, "sender")]
    identity = Identity.objects.get()
    assert identity.source_channel_id == 7
    assert Customer.objects.get().name == "Someone"


def test_a_whatsapp_message_and_a_call_from_the_same_number_are_one_customer(
    in_a: Tenant,
) -> None:
    caller = resolve(in_a, "phone", "+1 (415) 555-0101")
    texter = resolve(in_a, "whatsapp", "14155550101")
    assert caller.pk == texter.pk
    assert rows() == [
        (caller.pk, "phone", "+14155550101", True, "sender"),
        (caller.pk, "whatsapp", "+14155550101", True, "sender"),
    ]
    assert Customer.objects.count() == 1


@pytest.mark.parametrize(
    ("legacy", "arriving_kind", "arriving"),
    [
        ("+5215512345678", "phone", "+52 55 1234 5678"),  # Mexico: the old "1"
        ("+541123456789", "whatsapp", "5491123456789"),  # Argentina: the mobile "9"
        ("+551187654321", "phone", "+55 11 98765-4321"),  # Brazil: the ninth digit
    ],
)
def test_known_variants_of_one_mobile_find_the_same_customer(
    in_a: Tenant, legacy: str, arriving_kind: str, arriving: str
) -> None:
    known = customer_create(tenant=in_a, name="Legacy", identities=[("whatsapp", legacy, True)])
    found = resolve(in_a, arriving_kind, arriving)
    assert found.pk == known.pk
    values = {(k, v) for _, k, v, _, _ in rows()}
    assert ("whatsapp", legacy) in values
    assert len(values) == 2  # the canonical spelling is recorded next to the legacy one
    assert Customer.objects.count() == 1


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("phone", "anonymous"),
        ("phone", "RESTRICTED"),
        ("phone", "+266696687"),
        ("phone", "sip:anonymous@anonymous.invalid"),
        ("phone", "12"),
        ("phone", "call me maybe"),
        ("whatsapp", "abc"),
        ("email", "a" * 300 + "@example.com"),
        ("email", "not an email"),
        ("email", "two@@example.com"),
        ("telegram", "-100123"),
        ("chat_visitor", "short"),
        ("carrier_pigeon", "coo"),
    ],
)
def test_unusable_identities_get_a_placeholder_and_never_match(
    in_a: Tenant, kind: str, value: str
) -> None:
    existing = customer_create(
        tenant=in_a, name="Priya", identities=[("phone", "+14155550101", True)]
    )
    before = rows()
    first = resolve(in_a, kind, value)
    second = resolve(in_a, kind, value)
    assert first.pk != second.pk  # two anonymous callers are not one person
    assert existing.pk not in (first.pk, second.pk)
    assert first.name == "Unknown sender"
    assert rows() == before


def test_a_forged_widget_identity_never_reaches_the_verified_user(in_a: Tenant) -> None:
    secret = "widget-secret-1"
    real = resolve(
        in_a, "chat_user", "acme-olu", verified=verify_widget_user(
            secret, "acme-olu", widget_user_hash(secret, "acme-olu")
        ),
    )  # fmt: skip
    forged = resolve(
        in_a, "chat_user", "acme-olu", verified=verify_widget_user(secret, "acme-olu", "0" * 64)
    )
    again = resolve(in_a, "chat_user", "acme-olu", verified=False)
    assert forged.pk != real.pk
    assert again.pk == forged.pk  # the same unverified claim is the same visitor
    assert rows() == [
        (real.pk, "chat_user", "acme-olu", True, "sender"),
        (forged.pk, "chat_visitor", visitor_token_for_claim("acme-olu"), False, "sender"),
    ]


def test_a_known_sender_costs_one_query_and_its_writes_none_more_on_postgresql(
    in_a: Tenant,
) -> None:
    # PostgreSQL folds the touch and the new kind into the lookup statement; elsewhere
    # each is one more query.
    writes = 0 if connection.vendor == "postgresql" else 1
    known = resolve(in_a, "email", "priya@acme.example")
    with CaptureQueriesContext(connection) as fresh:
        assert resolve(in_a, "email", "Priya@acme.example").pk == known.pk
    Identity.objects.update(last_seen_at=timezone.now() - timedelta(hours=1))
    with CaptureQueriesContext(connection) as stale:
        assert resolve(in_a, "email", "priya@acme.example").pk == known.pk
    caller = resolve(in_a, "phone", "+14155550101")
    with CaptureQueriesContext(connection) as new_kind:
        assert resolve(in_a, "whatsapp", "14155550101").pk == caller.pk  # a new kind
    assert len(fresh) == 1
    assert len(stale) == 1 + writes
    assert len(new_kind) == 1 + writes
    assert Identity.objects.get(kind="email").last_seen_at > timezone.now() - timedelta(minutes=1)
    assert sorted(
        Identity.objects.filter(value="+14155550101").values_list("kind", "customer")
    ) == [
        ("phone", caller.pk),
        ("whatsapp", caller.pk),
    ]


def test_a_verified_sighting_upgrades_an_unverified_identity(in_a: Tenant) -> None:
    customer = resolve(in_a, "email", "priya@acme.example", verified=False)
    assert resolve(in_a, "email", "priya@acme.example", verified=True).pk == customer.pk
    assert rows() == [(customer.pk, "email", "priya@acme.example", True, "sender")]


def test_a_new_email_sender_joins_the_organization_of_its_domain(in_a: Tenant) -> None:
    acme = organization_create(tenant=in_a, name="Acme", tier="tier1", domains=["acme.example"])
    customer = resolve(in_a, "email", "marcus@ACME.example")
    assert Customer.objects.get(pk=customer.pk).organization_id == acme.pk
    other = resolve(in_a, "email", "marcus@elsewhere.example")
    assert Customer.objects.get(pk=other.pk).organization_id is None


# ------------------------------------------------------------------ hints


def test_unowned_hints_attach_as_unverified_claims(in_a: Tenant) -> None:
    acme = organization_create(tenant=in_a, name="Acme", domains=["acme.example"])
    visitor = resolve(in_a, "chat_visitor", "sess_4f9a8b7c6d", verified=False)
    outcome = identity_hints_apply(
        tenant=in_a,
        customer=visitor,
        identities=[SenderIdentity(kind="email", value="Priya@Acme.example")],
        text="Call me on +1 415 555 0101 after 5pm. Fax: +1 415 555 0199",
        channel_id=3,
    )
    assert outcome.attached == [("email", "priya@acme.example"), ("phone", "+14155550101")]
    assert outcome.suggested == []
    assert rows()[1:] == [
        (visitor.pk, "email", "priya@acme.example", False, "provided"),
        (visitor.pk, "phone", "+14155550101", False, "hint"),
    ]
    assert Customer.objects.get(pk=visitor.pk).organization_id == acme.pk


def test_hints_owned_by_someone_else_raise_a_suggestion_and_merge_nothing(in_a: Tenant) -> None:
    priya = customer_create(
        tenant=in_a,
        name="Priya",
        identities=[("email", "priya@acme.example", True), ("phone", "+14155550101", True)],
    )
    visitor = resolve(in_a, "chat_visitor", "sess_4f9a8b7c6d", verified=False)
    before = rows()
    outcome = identity_hints_apply(
        tenant=in_a,
        customer=visitor,
        identities=[SenderIdentity(kind="email", value="priya@acme.example")],
        text="my number is (415) 555-0101",
        evidence={"message": 99},
    )
    assert rows() == before
    assert Customer.objects.filter(merged_into__isnull=False).count() == 0
    suggestion = MergeSuggestion.objects.get()
    assert outcome.suggested == [suggestion.pk, suggestion.pk]
    assert (suggestion.customer_id, suggestion.other_id) == (priya.pk, visitor.pk)
    assert suggestion.confidence == 70
    assert [(e["signal"], e["kind"], e["value"], e["message"]) for e in suggestion.evidence] == [
        ("provided", "email", "priya@acme.example", 99),
        ("text", "phone", "+14155550101", 99),
    ]
    # the same signature on the next message adds no evidence and no write
    with CaptureQueriesContext(connection) as again:
        identity_hints_apply(
            tenant=in_a,
            customer=visitor,
            text="my number is (415) 555-0101",
            evidence={"message": 100},
        )
    assert len(again) == 2  # the lookup and the suggestion's pair
    suggestion.refresh_from_db()
    assert len(suggestion.evidence) == 2


def test_a_vouched_extra_identity_is_a_stronger_suggestion(in_a: Tenant) -> None:
    priya = customer_create(tenant=in_a, identities=[("email", "priya@acme.example", True)])
    caller = resolve(in_a, "phone", "+14155550101")
    identity_hints_apply(
        tenant=in_a,
        customer=caller,
        identities=[SenderIdentity(kind="email", value="priya@acme.example", verified=True)],
    )
    suggestion = MergeSuggestion.objects.get()
    assert (suggestion.customer_id, suggestion.other_id, suggestion.confidence) == (
        priya.pk,
        caller.pk,
        90,
    )


def test_hints_the_customer_already_has_are_confirmed_without_writes(in_a: Tenant) -> None:
    priya = resolve(in_a, "email", "priya@acme.example")
    with CaptureQueriesContext(connection) as queries:
        outcome = identity_hints_apply(
            tenant=in_a, customer=priya, text="-- \nPriya\npriya@acme.example"
        )
    assert outcome.confirmed == [("email", "priya@acme.example")]
    assert len(queries) == 1
    with CaptureQueriesContext(connection) as none:
        identity_hints_apply(tenant=in_a, customer=priya, text="No contact details here.")
    assert len(none) == 0


def test_bad_hints_are_refused_and_a_forged_widget_user_is_ignored(in_a: Tenant) -> None:
    visitor = resolve(in_a, "chat_visitor", "sess_4f9a8b7c6d", verified=False)
    outcome = identity_hints_apply(
        tenant=in_a,
        customer=visitor,
        identities=[
            SenderIdentity(kind="phone", value="anonymous"),
            SenderIdentity(kind="email", value="@@"),
            SenderIdentity(kind="chat_user", value="admin", verified=False),
        ],
    )
    assert [kind for kind, _ in outcome.refused] == ["phone", "email", "chat_user"]
    assert outcome.attached == []
    assert Identity.objects.count() == 1


def test_a_claim_seen_sending_becomes_its_own_customer_with_a_suggestion(in_a: Tenant) -> None:
    priya = resolve(in_a, "email", "priya@acme.example")
    identity_hints_apply(
        tenant=in_a, customer=priya, text="Please also copy bob@acme.example on this."
    )
    assert rows()[-1] == (priya.pk, "email", "bob@acme.example", False, "hint")
    bob = resolve(in_a, "email", "bob@acme.example", verified=False)
    assert bob.pk != priya.pk
    assert rows() == [
        (priya.pk, "email", "priya@acme.example", True, "sender"),
        (bob.pk, "email", "bob@acme.example", False, "sender"),
    ]
    suggestion = MergeSuggestion.objects.get()
    assert (suggestion.customer_id, suggestion.other_id, suggestion.confidence) == (
        priya.pk,
        bob.pk,
        60,
    )
    assert resolve(in_a, "email", "bob@acme.example").pk == bob.pk  # now a real sender


def test_provider_aliases_only_suggest(in_a: Tenant) -> None:
    first = resolve(in_a, "email", "priya.raman@gmail.com")
    second = resolve(in_a, "email", "PriyaRaman+orders@googlemail.com")
    third = resolve(in_a, "email", "priya+work@acme.example")
    assert len({first.pk, second.pk, third.pk}) == 3
    suggestion = MergeSuggestion.objects.get()
    assert (suggestion.customer_id, suggestion.other_id, suggestion.confidence) == (
        first.pk,
        second.pk,
        50,
    )
    assert suggestion.evidence[0]["alias"] == "priya.raman@gmail.com"


def test_one_number_held_by_two_customers_raises_a_suggestion(in_a: Tenant) -> None:
    phone = customer_create(tenant=in_a, identities=[("phone", "+14155550101", True)])
    wa = customer_create(tenant=in_a, identities=[("whatsapp", "+14155550101", True)])
    assert resolve(in_a, "whatsapp", "14155550101").pk == wa.pk
    assert resolve(in_a, "phone", "+14155550101").pk == phone.pk
    suggestion = MergeSuggestion.objects.get()
    assert (suggestion.customer_id, suggestion.other_id, suggestion.confidence) == (
        phone.pk,
        wa.pk,
        90,
    )


def test_organization_create_picks_up_existing_customers(in_a: Tenant) -> None:
    marcus = resolve(in_a, "email", "marcus@acme.example")
    elsewhere = resolve(in_a, "email", "marcus@acme.example.org")
    acme = organization_create(tenant=in_a, name="Acme", domains=["ACME.example"])
    assert Organization.objects.count() == 1
    assert Customer.objects.get(pk=marcus.pk).organization_id == acme.pk
    assert Customer.objects.get(pk=elsewhere.pk).organization_id is None


def test_ingest_applies_extra_identities_and_hints(seat_a: Seat) -> None:
    from helpdesk.tenancy import tenant_scope
    from inbox.inbound import InboundMessage
    from inbox.services import message_ingest

    with tenant_scope(seat_a.tenant):
        message = message_ingest(
            tenant=seat_a.tenant,
            inbound=InboundMessage(
                channel_id=4,
                channel_kind="chat",
                external_id="w-1",
                sender=SenderIdentity(kind="chat_visitor", value="sess_4f9a8b7c6d"),
                body_text="Hi, my cell is +1 415 555 0101",
                extra_identities=(SenderIdentity(kind="email", value="Priya@acme.example"),),
            ),
        )
        assert message is not None
        assert rows() == [
            (message.customer_id, "chat_visitor", "sess_4f9a8b7c6d", False, "sender"),
            (message.customer_id, "email", "priya@acme.example", False, "provided"),
            (message.customer_id, "phone", "+14155550101", False, "hint"),
        ]
        assert {i.source_channel_id for i in Identity.objects.all()} == {4}


def test_a_new_sender_costs_two_queries_on_postgresql_and_joins_its_organization(
    in_a: Tenant,
) -> None:
    acme = organization_create(tenant=in_a, name="Acme", domains=["acme.example"])
    resolve(in_a, "email", "warm@up.example")  # the connection prepares its statements once
    with CaptureQueriesContext(connection) as new:
        customer = resolve(in_a, "email", "Nadia@Acme.example", display_name="Nadia")
    assert len(new) == (2 if connection.vendor == "postgresql" else 8)
    stored = Customer.objects.get(pk=customer.pk)
    assert (stored.name, stored.organization_id) == ("Nadia", acme.pk)
    assert (customer.name, customer.organization_id) == ("Nadia", acme.pk)
    assert rows()[-1] == (customer.pk, "email", "nadia@acme.example", True, "sender")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-statement insert")
def test_the_new_sender_statement_makes_nothing_when_the_identity_exists(in_a: Tenant) -> None:
    from customers.identity_lookup import new_sender_insert

    owner = resolve(in_a, "email", "priya@acme.example")
    before = (Customer.objects.count(), rows())
    made = new_sender_insert(
        tenant_id=in_a.pk, name="Late", kind="email", value="priya@acme.example",
        verified=True, key="priya@acme.example", domain="acme.example", channel_id=None,
        now=timezone.now(),
    )  # fmt: skip
    assert made is None
    assert (Customer.objects.count(), rows()) == before
    assert resolve(in_a, "email", "priya@acme.example").pk == owner.pk
