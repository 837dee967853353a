"""Media are fetched from Twilio hosts only, over HTTPS, within the size cap."""

from __future__ import annotations

import pytest

from channels_ingest.adapters.twilio import media
from channels_ingest.adapters.twilio.media import MediaRefused, host_allowed, media_fetch
from tests.http_double import http_double

CONFIG = {"account_sid": "AC" + "1" * 32, "auth_token": "t" * 32}


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1", True),
        ("https://mms.twiliocdn.com/AC1/abc", True),
        ("https://s3-external-1.amazonaws.com/media.twiliocdn.com/AC1/abc", True),
        ("https://s3-external-1.amazonaws.com/evil-bucket/abc", False),
        ("http://api.twilio.com/2010-04-01/Accounts/AC1/Media/ME1", False),
        ("https://api.twilio.com.evil.example/ME1", False),
        ("https://eviltwilio.com/ME1", False),
        ("https://169.254.169.254/latest/meta-data/", False),
    ],
)
def test_host_allow_list(url: str, allowed: bool) -> None:
    assert host_allowed(url) is allowed


def test_a_foreign_host_is_refused_without_a_request() -> None:
    with (
        http_double(reply=b"secret") as double,
        pytest.raises(MediaRefused, match=r"Media host not allowed: 127\.0\.0\.1"),
    ):
        media_fetch(url=double.base_url + "/x", config=CONFIG)
    assert double.requests == []


def test_media_over_the_cap_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(media, "MAX_MEDIA_BYTES", 1024)
    url = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1"
    with (
        http_double(reply=b"x" * 1025) as double,
        pytest.raises(MediaRefused, match="Media larger than"),
    ):
        media_fetch(url=url, config={**CONFIG, "api_base_url": double.base_url})
    with http_double(reply=b"x" * 1024) as double:
        content = media_fetch(url=url, config={**CONFIG, "api_base_url": double.base_url})
    assert content == b"x" * 1024
