"""The workspace in a real browser: Chromium driven by Playwright against uvicorn (ASGI with
WebSockets and a real channel layer), a webhook pushing messages in, replies delivered to an
HTTP double. Screenshots of the main screens land in artifacts/screenshots/.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.server import CHROMIUM, CHROMIUM_ARGS, ROOT, LiveServer, live_server
from tests.http_double import HttpDouble, http_double

pytestmark = [
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is absent (apt-get install chromium)"
    ),
]

SHOTS = ROOT / "artifacts" / "screenshots"
PASSWORD = "pw-browser-1"
WAIT = 10_000  # ms


@pytest.fixture(scope="module")
def double() -> Iterator[HttpDouble]:
    with http_double(reply={}) as d:
        yield d


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, double: HttpDouble) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("browser"), double.base_url) as s:
        yield s


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def sign_in(browser: Any, server: LiveServer, email: str) -> Any:
    context = browser.new_context(viewport={"width": 1400, "height": 860})
    page = context.new_page()
    page.set_default_timeout(WAIT)
    page.goto(server.url + "/accounts/login/?next=/app/acme/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/app/acme/$"))
    page.wait_for_selector("#live-state.live")
    return page


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def row(page: Any, subject: str) -> Any:
    return page.locator('[data-testid="ticket-row"]', has_text=subject)


def test_message_arrives_live_reply_is_delivered(
    server: LiveServer, browser: Any, double: HttpDouble
) -> None:
    page = sign_in(browser, server, "ana@acme.test")
    assert "No tickets here." in page.inner_text("#ticket-rows")
    page.evaluate("window.__sameDocument = true")

    response = server.post_message(
        event_id="in-1",
        sender="dana@customer.test",
        name="Dana Scully",
        subject="Cannot log in",
        text="Hello, the login page says my password expired.",
    )
    assert response.status_code == 200
    row(page, "Cannot log in").wait_for()
    assert page.evaluate("window.__sameDocument") is True  # no reload happened
    assert page.locator('[data-testid="ticket-row"]').count() == 1
    assert "Dana Scully" in row(page, "Cannot log in").inner_text()
    shot(page, "inbox")

    # Keyboard: j selects the first row, Enter opens it.
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/tickets/\d+/$"))
    page.wait_for_selector("#live-state.live")
    messages = page.locator('[data-testid="message"]')
    assert messages.count() == 1
    assert "password expired" in messages.first.inner_text()
    via = page.inner_text('[data-testid="reply-via"]')
    assert "Replying through API · Support API" in via

    # A reply with HTML in it is sent as text and shown escaped.
    page.fill("#reply-body", "Hi Dana, <b>reset</b> it here & tell me.")
    page.click('[data-testid="reply-send"]')
    outbound = page.locator('[data-testid="message"][data-direction="outbound"]')
    outbound.wait_for()
    assert "<b>reset</b> it here & tell me." in outbound.inner_text()
    assert page.locator(".msg-outbound b").count() == 0
    assert page.input_value("#reply-body") == ""
    page.locator('.receipt[data-status="sent"]').wait_for()
    assert [r.json()["text"] for r in double.requests] == [
        "Hi Dana, <b>reset</b> it here & tell me."
    ]

    # The provider reports delivery; the receipt updates live.
    message_id = outbound.get_attribute("data-message")
    assert (
        server.post_status(
            event_id="st-1", message_id=f"hd-{message_id}", status="delivered"
        ).status_code
        == 200
    )
    page.locator('.receipt[data-status="delivered"]').wait_for()
    assert "Delivered" in page.inner_text(".msg-outbound .receipt")

    # An internal note with a mention, then the shortcut overlay.
    page.check("input[name=internal][value='1']")
    assert "Internal note" in page.inner_text('[data-testid="reply-via"]')
    page.fill("#reply-body", "@ben can you check the SSO logs?")
    page.keyboard.press("Control+Enter")
    page.locator('[data-testid="message"][data-direction="note"]').wait_for()
    assert len(double.requests) == 1  # notes never leave
    shot(page, "conversation")
    page.locator("body").click(position={"x": 5, "y": 300})
    page.keyboard.press("?")
    page.locator("#shortcuts[open]").wait_for()
    assert "Switch to open conversation 1–5" in page.inner_text("#shortcuts")
    shot(page, "shortcuts")
    page.context.close()


def test_two_agents_on_one_ticket_see_each_other(server: LiveServer, browser: Any) -> None:
    server.post_message(
        event_id="in-2",
        sender="fox@customer.test",
        name="Fox Mulder",
        subject="Refund please",
        text="I was charged twice.",
    )
    ana = sign_in(browser, server, "ana@acme.test")
    ben = sign_in(browser, server, "ben@acme.test")
    row(ana, "Refund please").click()
    ana.wait_for_selector("#live-state.live")
    row(ben, "Refund please").click()
    ben.wait_for_selector("#live-state.live")

    ana.locator('[data-testid="collision"]', has_text="Ben Agent is viewing").wait_for()
    ben.locator('[data-testid="collision"]', has_text="Ana Admin is viewing").wait_for()
    ben.type("#reply-body", "Looking into the refund now")
    ana.locator("#typing", has_text="Ben Agent is typing a reply").wait_for()
    shot(ana, "collision")

    # Ben leaves; Ana's page says so within a moment.
    ben.goto(server.url + "/app/acme/")
    ana.locator('[data-testid="collision"]').wait_for(state="detached")
    ana.context.close()
    ben.context.close()


def test_chat_agent_juggles_three_conversations(server: LiveServer, browser: Any) -> None:
    cleo = sign_in(browser, server, "cleo@acme.test")
    for n, who in enumerate(("Gus", "Hana", "Ivo"), start=1):
        server.post_message(
            event_id=f"chat-{n}",
            sender=f"{who.lower()}@customer.test",
            name=who,
            subject=f"Chat with {who}",
            text=f"Hi, this is {who}.",
        )
        row(cleo, f"Chat with {who}").wait_for()
    for who in ("Gus", "Hana", "Ivo"):
        cleo.goto(server.url + "/app/acme/")
        row(cleo, f"Chat with {who}").locator("a").click()
        cleo.wait_for_selector("#live-state.live")
    tabs = cleo.locator('[data-testid="conversation-tab"]')
    assert tabs.count() == 3
    assert "Chat with Ivo" in cleo.inner_text(".tab.current")

    # A draft on Ivo's chat survives switching away and back with the keyboard.
    cleo.fill("#reply-body", "Ivo, one moment please")
    cleo.locator("body").click(position={"x": 5, "y": 300})
    cleo.keyboard.press("Alt+1")
    cleo.wait_for_url(re.compile(r"/tickets/\d+/$"))
    cleo.locator(".tab.current", has_text="Chat with Gus").wait_for()
    cleo.wait_for_selector("#live-state.live")

    # Hana writes again while Cleo is on Gus: Hana's tab counts it.
    server.post_message(
        event_id="chat-4", sender="hana@customer.test", name="Hana", text="Are you there?"
    )
    hana_tab = cleo.locator('[data-testid="conversation-tab"]', has_text="Chat with Hana")
    hana_tab.locator('[data-testid="tab-unread"]', has_text="1").wait_for()
    shot(cleo, "tabs")

    cleo.keyboard.press("Alt+3")
    cleo.locator(".tab.current", has_text="Chat with Ivo").wait_for()
    assert cleo.input_value("#reply-body") == "Ivo, one moment please"
    cleo.keyboard.press("Alt+2")
    cleo.locator(".tab.current", has_text="Chat with Hana").wait_for()
    assert cleo.locator('[data-testid="message"]').count() == 2
    assert cleo.locator('.tab.current [data-testid="tab-unread"]').count() == 0
    cleo.context.close()


def test_dropped_websocket_reconnects_and_resyncs(server: LiveServer, browser: Any) -> None:
    page = sign_in(browser, server, "ben@acme.test")
    before = page.locator('[data-testid="ticket-row"]').count()
    page.evaluate("window.hdLive.drop(3000)")
    page.wait_for_selector("#live-state.offline")
    server.post_message(
        event_id="in-offline",
        sender="kim@customer.test",
        name="Kim",
        subject="Sent while offline",
        text="Did you get this?",
    )
    page.wait_for_timeout(500)
    assert row(page, "Sent while offline").count() == 0  # missed while the socket was down
    page.wait_for_selector("#live-state.live", timeout=WAIT)
    row(page, "Sent while offline").wait_for()  # the reconnect saw the gap and refetched
    assert page.locator('[data-testid="ticket-row"]').count() == before + 1
    page.context.close()


def test_reply_on_a_switched_off_channel_keeps_the_draft(server: LiveServer, browser: Any) -> None:
    import requests

    def channel_active(active: bool) -> None:
        answer = requests.patch(
            f"{server.url}/api/v1/channels/{server.world['channel']}/",
            json={"is_active": active},
            headers={"Authorization": f"Token {server.world['token']}"},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text

    page = sign_in(browser, server, "ana@acme.test")
    row(page, "Cannot log in").locator("a").click()
    page.wait_for_selector("#live-state.live")
    before = page.locator('[data-testid="message"]').count()
    channel_active(False)
    try:
        page.fill("#reply-body", "This must not get lost")
        page.click('[data-testid="reply-send"]')
        error = page.locator("#reply-error .error")
        error.wait_for()
        assert "switched off" in error.inner_text()
        assert "Your draft is kept." in error.inner_text()
        assert page.input_value("#reply-body") == "This must not get lost"
        assert page.locator('[data-testid="message"]').count() == before
        shot(page, "refused-reply")
        page.reload()
        page.wait_for_selector("#live-state.live")
        assert page.input_value("#reply-body") == "This must not get lost"  # from localStorage
        assert "Draft restored" in page.inner_text("#draft-state")
    finally:
        channel_active(True)
    page.context.close()


def test_admin_screens(server: LiveServer, browser: Any) -> None:
    page = sign_in(browser, server, "ana@acme.test")
    page.click("text=Admin")
    page.wait_for_url(re.compile(r"/admin/channels/$"))
    card = page.locator('[data-testid="channel"]')
    assert card.count() == 1
    assert server.world["inbound_url"] in card.inner_text()
    shot(page, "admin-channels")
    page.context.close()
    agent = sign_in(browser, server, "ben@acme.test")
    assert agent.locator(".appnav a", has_text="Admin").count() == 0
    assert agent.goto(server.url + "/app/acme/admin/channels/").status == 404
    agent.context.close()


def test_demo_workspace_screens(server: LiveServer, browser: Any) -> None:
    """The seeded demo tenant: a lived-in inbox and a cross-channel conversation."""
    context = browser.new_context(viewport={"width": 1400, "height": 860})
    page = context.new_page()
    page.set_default_timeout(WAIT)
    page.goto(server.url + "/accounts/login/?next=/app/demo/")
    page.fill("input[name=username]", "admin@demo.test")
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")
    page.wait_for_selector("#live-state.live")
    assert page.locator('[data-testid="ticket-row"]').count() == 9
    shot(page, "demo-inbox")
    row(page, "Invoice charged twice for October").locator("a").click()
    page.wait_for_selector("#live-state.live")
    assert page.locator('[data-testid="message"]').count() >= 2
    shot(page, "demo-conversation")
    page.goto(server.url + "/app/demo/admin/sla/")
    assert page.locator("tbody tr").count() == 4
    shot(page, "demo-admin-sla")
    assert SHOTS.parent == Path(ROOT) / "artifacts"
    context.close()
