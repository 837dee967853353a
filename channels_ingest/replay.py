"""Replaying an adapter's fixture as its provider would send it (``send_channel_fixture``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from channels_ingest.adapters.registry import adapter_for
from channels_ingest.models import Channel
from channels_ingest.selectors import channel_context, channel_webhook_urls

ADAPTERS_DIR = Path(__file__).resolve().parent / "adapters"


class ReplayError(Exception):
    pass


@dataclass(frozen=True)
class ReplayRequest:
    path: str  # the webhook path; the caller picks the server
    public_url: str  # what the provider would have called (and signed)
    headers: dict[str, str]
    body: bytes
    purpose: str


def replay_channel(*, channel_id: int | None = None, webhook_url: str = "") -> Channel:
    """The channel named by id or by one of its webhook URLs."""
    channels = Channel.objects.unscoped().select_related("tenant")  # a command serves any tenant
    if channel_id is not None:
        channel = channels.filter(pk=channel_id).first()
    else:
        parts = [p for p in urlsplit(webhook_url).path.split("/") if p]
        if len(parts) < 4 or parts[-4] != "webhooks":
            raise ReplayError(f"Not a webhook URL: {webhook_url}")
        channel = channels.filter(provider=parts[-3], webhook_key=parts[-2]).first()
    if channel is None:
        raise ReplayError("No such channel.")
    return channel


def replay_fixture_path(*, channel: Channel, fixture: str) -> Path:
    """A path as given, else a name inside the provider's fixtures folder."""
    given = Path(fixture)
    if given.is_file():
        return given
    folder = ADAPTERS_DIR / channel.provider / "fixtures"
    candidate = folder / given.name
    if candidate.is_file():
        return candidate
    known = ", ".join(sorted(p.name for p in folder.glob("*"))) if folder.is_dir() else "none"
    raise ReplayError(f"No fixture '{fixture}'. {channel.provider} fixtures: {known}")


def replay_request(*, channel: Channel, fixture: Path, purpose: str = "") -> ReplayRequest:
    """The signed request the provider would send with this fixture to this channel.

    The purpose defaults to the fixture's event name (``<event>__<variant>``) when it is
    one of the provider's webhook purposes, else ``inbound``.
    """
    adapter = adapter_for(channel.provider)
    if adapter is None:
        raise ReplayError(f"No adapter for provider '{channel.provider}'.")
    urls = channel_webhook_urls(channel)
    event = fixture.name.split("__", 1)[0]
    purpose = purpose or (event if event in adapter.purposes else "inbound")
    if purpose not in urls:
        raise ReplayError(f"This channel has no '{purpose}' webhook ({', '.join(urls)}).")
    body = fixture.read_bytes()
    try:
        headers = adapter.sign_fixture(channel_context(channel), urls[purpose], body)
    except NotImplementedError as exc:
        raise ReplayError(str(exc)) from exc
    return ReplayRequest(
        path=urlsplit(urls[purpose]).path,
        public_url=urls[purpose],
        headers=dict(headers),
        body=body,
        purpose=purpose,
    )
