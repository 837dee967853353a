"""Every provider adapter, one line each."""

from __future__ import annotations

from channels_ingest.adapters.api.adapter import ApiAdapter
from channels_ingest.adapters.base import Adapter
from channels_ingest.adapters.twilio.adapter import TwilioAdapter

ADAPTERS: dict[str, Adapter] = {
    adapter.provider: adapter
    for adapter in (
        ApiAdapter(),
        TwilioAdapter(),
    )
}


def adapter_for(provider: str) -> Adapter | None:
    return ADAPTERS.get(provider)
