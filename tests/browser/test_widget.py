"""The chat widget in a real browser: a page on another origin embeds the script; the customer
chats with an agent in the workspace (typing both ways, the reply live, read receipts); a
failed help-center search followed by a chat shows the search on the agent's ticket.
Screenshots land in artifacts/screenshots/widget-*.png.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from tests.browser.server import CHROMIUM, CHROMIUM_ARGS, LiveServer, free_port, live_server
from tests.browser.test_workspace import PASSWORD, WAIT, row, shot
from tests.http_double import HttpDouble, http_double

pytestmark = [
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is absent (apt-get install chromium)"
    ),
]

HOST_PAGE = """<!doctype html><html><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Shop</title>
<style>body{{font:16px Georgia,serif;margin:0;background:#fbf7ef}}
header{{background:#222;color:#fff;padding:18px 28px}} main{{padding:28px}}
button{{all:unset}} div{{color:red!important}}</style>
</head><body><header><b>Bobbin &amp; Thread</b> · a shop on another origin</header>
<main><h1>Your order #1234</h1><p>Shipped on Monday. Questions? Chat with us.</p></main>
<script src="{server}/static/widget/widget.js" data-channel="{channel}" async></script>
</body></html>"""


PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8cfc0f01f0005000101ff899"
    "93d1d0000000049454e44ae426082".replace(" ", "")
)


class _Host(BaseHTTPRequestHandler):
    page = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(self.page)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def host_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def double() -> Iterator[HttpDouble]:
    with http_double(reply={}) as d:
        yield d


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, double: HttpDouble, host_port: int
) -> Iterator[LiveServer]:
    os.environ["WIDGET_HOST_ORIGIN"] = f"http://localhost:{host_port}"
    try:
        with live_server(tmp_path_factory.mktemp("widget"), double.base_url) as s:
            yield s
    finally:
        os.environ.pop("WIDGET_HOST_ORIGIN", None)


@pytest.fixture(scope="module")
def host(server: LiveServer, host_port: int) -> Iterator[str]:
    """The customer's site: another origin (another port, and localhost, not 127.0.0.1)."""
    _Host.page = HOST_PAGE.format(
        server=server.url, channel=server.world["widget_channel"]
    ).encode()
    httpd = ThreadingHTTPServer(("127.0.0.1", host_port), _Host)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{host_port}/"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def agent(browser: Any, server: LiveServer) -> Any:
    page = browser.new_context(viewport={"width": 1400, "height": 860}).new_page()
    page.set_default_timeout(WAIT)
    page.goto(server.url + "/accounts/login/?next=/app/acme/")
    page.fill("input[name=username]", "ana@acme.test")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/app/acme/$"))
    page.wait_for_selector("#live-state.live")
    return page


def customer(browser: Any, url: str, width: int = 1280, height: int = 800) -> Any:
    page = browser.new_context(viewport={"width": width, "height": height}).new_page()
    page.set_default_timeout(WAIT)
    page.goto(url)
    page.locator('[data-testid="widget-launcher"]').wait_for()
    return page


def start_chat(page: Any, name: str, email: str) -> None:
    page.click('[data-testid="widget-launcher"]')
    page.locator('[data-testid="widget-prechat-name"]').fill(name)
    page.locator('[data-testid="widget-prechat-email"]').fill(email)
    page.click('[data-testid="widget-prechat-start"]')
    page.locator('[data-testid="widget-input"]').wait_for()


def say(page: Any, text: str) -> None:
    page.locator('[data-testid="widget-input"]').fill(text)
    page.click('[data-testid="widget-send"]')
    page.locator(
        '[data-testid="widget-message"][data-direction="inbound"]', has_text=text
    ).wait_for()


def test_customer_on_another_origin_chats_with_an_agent_live(
    server: LiveServer, browser: Any, host: str
) -> None:
    ana = agent(browser, server)
    member = server.world["members"]["ana@acme.test"]
    online = requests.patch(
        f"{server.url}/api/v1/members/{member}/",
        json={"presence": "online"},
        headers={"Authorization": f"Token {server.world['token']}"},
        timeout=10,
    )
    assert online.status_code == 200, online.text

    shop = customer(browser, host)
    assert shop.evaluate("location.origin") != server.url  # really another origin
    start_chat(shop, "Dana Scully", "dana@customer.test")
    assert shop.locator(".panel header small").inner_text() == "We're online"
    say(shop, "Hi, my order #1234 has not arrived. <b>bold?</b>")
    assert shop.locator('[data-testid="widget-message"] b').count() == 0  # text, never HTML

    # The message reached the agent's inbox live; the agent opens it.
    row(ana, "Hi, my order #1234 has not arrived").locator("a").click()
    ana.wait_for_selector("#live-state.live")
    inbound = ana.locator('[data-testid="message"][data-direction="inbound"]')
    assert "<b>bold?</b>" in inbound.inner_text()

    # Typing both ways.
    ana.type("#reply-body", "Let me check")
    shop.locator('[data-testid="widget-typing"]', has_text="Ana is typing").wait_for()
    shop.locator('[data-testid="widget-input"]').type("still there?")
    ana.locator('[data-testid="customer-typing"]', has_text="Dana Scully is typing").wait_for()
    shot(ana, "widget-agent-sees-customer-typing")

    # The reply arrives in the widget without a reload; the widget's read receipt comes back.
    ana.fill("#reply-body", "Hi Dana, it ships today. Tracking: ZX-42.")
    ana.click('[data-testid="reply-send"]')
    reply = shop.locator('[data-testid="widget-message"][data-direction="outbound"]')
    reply.wait_for()
    assert "Hi Dana, it ships today. Tracking: ZX-42." in reply.inner_text()
    assert "Ana" in reply.inner_text()
    ana.locator('.receipt[data-status="read"]').wait_for()
    shop.locator('[data-testid="widget-receipt"]', has_text="Seen").wait_for()
    shot(shop, "widget-host-page")
    shot(ana, "widget-agent-conversation")

    # Coming back later: the history is there, and the socket is live again.
    shop.reload()
    shop.click('[data-testid="widget-launcher"]')
    shop.locator('[data-testid="widget-message"]', has_text="Tracking: ZX-42").wait_for()
    assert shop.locator('[data-testid="widget-message"]').count() == 2
    ana.fill("#reply-body", "Anything else?")
    ana.click('[data-testid="reply-send"]')
    shop.locator('[data-testid="widget-message"]', has_text="Anything else?").wait_for()

    # A file: the agent sees it on the conversation.
    shop.locator('[data-helpdesk-widget] input[type="file"]').set_input_files(
        {"name": "receipt.png", "mimeType": "image/png", "buffer": PNG}
    )
    shop.locator('[data-testid="widget-message"]', has_text="File: receipt.png").wait_for()
    ana.locator('[data-testid="message"] .files', has_text="receipt.png").wait_for()

    # Solving the ticket asks the customer for a rating in the widget.
    ana.reload()  # the properties form carries the version it was loaded at
    ana.wait_for_selector("#live-state.live")
    ana.select_option('select[name="status"]', "solved")
    shop.locator('[data-testid="widget-csat"]').wait_for()
    shop.locator('[data-testid="widget-csat"] button[aria-label="5 out of 5"]').click()
    shop.locator('[data-testid="widget-csat"]', has_text="Thank you").wait_for()
    shop.context.close()

    # On a phone the panel takes the whole screen.
    phone = customer(browser, host, width=390, height=760)
    phone.click('[data-testid="widget-launcher"]')
    phone.locator('[data-testid="widget-prechat-start"]').wait_for()
    box = phone.locator(".panel").bounding_box()
    assert box is not None and box["width"] == 390
    shot(phone, "widget-mobile")
    phone.context.close()
    ana.context.close()


def test_failed_help_center_search_then_chat_shows_the_terms_to_the_agent(
    server: LiveServer, browser: Any
) -> None:
    visitor = customer(browser, server.url + "/help/acme/")
    visitor.fill('[data-testid="kb-search-input"]', "flux capacitor warranty")
    visitor.keyboard.press("Enter")
    visitor.wait_for_url(re.compile(r"/search/"))
    visitor.locator('[data-testid="widget-launcher"]').wait_for()
    start_chat(visitor, "Marty McFly", "marty@customer.test")
    # Suggestions while typing (deflection): an article that might answer it.
    visitor.locator('[data-testid="widget-input"]').type("how to reset my password")
    suggestion = visitor.locator('[data-testid="widget-suggestions"] a')
    suggestion.wait_for()
    assert suggestion.inner_text() == "Resetting your password"
    assert "sq=" in (suggestion.get_attribute("href") or "")
    shot(visitor, "widget-suggestions")
    say(visitor, "Is the flux capacitor covered by the warranty?")
    visitor.locator('[data-testid="widget-receipt"]', has_text="Sent").wait_for()
    shot(visitor, "widget-help-center")

    ana = agent(browser, server)
    row(ana, "Is the flux capacitor covered").locator("a").click()
    note = ana.locator('[data-testid="message"][data-direction="note"]')
    note.wait_for()
    assert "Searched the help center before getting in touch" in note.inner_text()
    assert "“flux capacitor warranty” (no good answer)" in note.inner_text()
    shot(ana, "widget-agent-sees-searches")
    visitor.context.close()
    ana.context.close()
