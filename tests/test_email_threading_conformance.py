"""Ticket threading against the JWZ/RFC 5256 threading conformance corpus, where it applies.

Each case's messages are ingested in the given order as emails from one customer; the tickets
they land on must group them as the expected threads do. Cases about behaviour a helpdesk
deliberately does not have are skipped with the reason.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from channels_ingest.mail.message_ids import message_id, thread_parents
from helpdesk.tenancy import tenant_scope
from inbox.inbound import InboundMessage, SenderIdentity
from inbox.models import Message
from inbox.services import message_ingest
from tests.seats import Seat

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "jwz-threading-conformance"
if not CORPUS.is_dir():  # a worktree sits one level deeper than the main checkout
    CORPUS = (
        Path(__file__).resolve().parents[3] / "shared" / "corpora" / "jwz-threading-conformance"
    )

SUBJECT_ONLY = "tickets never merge on a bare subject (two customers' 'Hello' stay apart)"
NOT_APPLICABLE = {
    "duplicate-message-id-first-wins": "the same Message-ID on a channel is a redelivery",
    "subject-fallback-attaches-to-header-thread": SUBJECT_ONLY,
    "subject-fallback-groups-headerless": SUBJECT_ONLY,
    "invalid-threading-headers-allow-subject-fallback": SUBJECT_ONLY,
    "localized-subject-prefixes": SUBJECT_ONLY,
    "subject-blob-normalization": SUBJECT_ONLY,
    "subject-forward-wrapper-normalization": SUBJECT_ONLY,
    "subject-prefixes-custom": SUBJECT_ONLY,
    "subject-trailer-fwd-normalization": SUBJECT_ONLY,
    "subject-whitespace-normalization": SUBJECT_ONLY,
    "subject-blob-only-preserved": SUBJECT_ONLY,
}


def cases() -> list[Path]:
    return sorted(CORPUS.glob("conformance_*.json")) if CORPUS.is_dir() else []


def _inbound(item: dict[str, Any], channel_id: int) -> InboundMessage:
    own = message_id(item.get("message_id"))
    references = " ".join(item.get("references") or [])
    in_reply_to, refs = thread_parents(own, item.get("in_reply_to"), references)
    return InboundMessage(
        channel_id=channel_id,
        channel_kind="email",
        external_id=str(item["id"]),
        sender=SenderIdentity(kind="email", value="kim@example.com"),
        body_text=f"message {item['id']}",
        subject=str(item.get("subject") or ""),
        message_id=own,
        in_reply_to=in_reply_to,
        references=refs,
    )


@pytest.mark.skipif(not cases(), reason="../shared/corpora/jwz-threading-conformance is absent")
@pytest.mark.parametrize("path", cases(), ids=lambda p: p.stem.removeprefix("conformance_"))
def test_tickets_group_like_threads(path: Path, seat_a: Seat) -> None:
    case = json.loads(path.read_text())
    if case["name"] in NOT_APPLICABLE:
        pytest.skip(NOT_APPLICABLE[case["name"]])
    with tenant_scope(seat_a.tenant):
        for item in case["input"]:
            message_ingest(tenant=seat_a.tenant, inbound=_inbound(item, channel_id=1))
        by_ticket: dict[int, set[str]] = {}
        for external_id, ticket_id in Message.objects.values_list("external_id", "ticket_id"):
            by_ticket.setdefault(ticket_id, set()).add(external_id)
    callers = {str(item["id"]) for item in case["input"]}
    expected = {
        frozenset(m for m in thread["messages"] if m in callers)
        for thread in case["expected"]["threads"]
    }
    assert {frozenset(group) for group in by_ticket.values()} == expected - {frozenset()}
