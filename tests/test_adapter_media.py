"""Provider media downloads: allow-listed hosts on every redirect hop, size caps, retries."""

import pytest

from channels_ingest.adapters.base import NormalizeError
from channels_ingest.adapters.media import (
    MediaUnavailable,
    host_matches,
    media_download,
    origin,
)
from tests.http_routes import routed_double

ALLOWED = frozenset({"lookaside.fbsbx.com", ".fbcdn.net"})


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("lookaside.fbsbx.com", True),
        ("scontent.xx.fbcdn.net", True),
        ("SCONTENT.XX.FBCDN.NET.", True),
        ("fbcdn.net.evil.example", False),
        ("evilfbcdn.net", False),
        ("lookaside.fbsbx.com.evil.example", False),
    ],
)
def test_host_allow_list(host: str, allowed: bool) -> None:
    assert host_matches(host, ALLOWED) is allowed


def download(url: str, base: str, max_bytes: int = 1000) -> bytes:
    return media_download(
        url,
        allowed=lambda u: origin(u) == origin(base),
        headers_for=lambda u: {},
        max_bytes=max_bytes,
        what="file",
    ).content


def test_redirects_are_followed_only_to_allowed_hosts() -> None:
    with routed_double() as double:
        base = double.base_url
        double.route("/final", body=b"content")
        double.redirect("/hop", "/final")
        double.redirect("/away", "http://169.254.169.254/latest/meta-data/")
        assert download(f"{base}/hop", base) == b"content"
        with pytest.raises(MediaUnavailable, match=r"host '169\.254\.169\.254' is not allowed"):
            download(f"{base}/away", base)
        double.redirect("/loop", "/loop")
        with pytest.raises(MediaUnavailable, match="too many redirects"):
            download(f"{base}/loop", base)
    assert [r.path for r in double.requests] == ["/hop", "/final", "/away", *["/loop"] * 4]


def test_files_over_the_cap_are_refused() -> None:
    with routed_double() as double:
        double.route("/big", body=b"x" * 2001)
        with pytest.raises(MediaUnavailable, match="larger than 2000 bytes"):
            download(f"{double.base_url}/big", double.base_url, max_bytes=2000)
        assert download(f"{double.base_url}/big", double.base_url, max_bytes=2001) == b"x" * 2001


@pytest.mark.parametrize(("status", "retryable"), [(429, True), (503, True), (404, False)])
def test_transient_failures_retry_and_the_rest_give_up(status: int, retryable: bool) -> None:
    with routed_double() as double:
        double.route("/f", status=status, body={})
        expected = NormalizeError if retryable else MediaUnavailable
        with pytest.raises(expected):
            download(f"{double.base_url}/f", double.base_url)
