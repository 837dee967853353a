"""A live ASGI server (uvicorn, WebSockets included) in a subprocess, on its own database."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from channels_ingest.adapters.api.adapter import sign

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    world: dict[str, Any]
    log: Path

    def post_message(
        self, *, event_id: str, sender: str, text: str, name: str = "", subject: str = ""
    ) -> requests.Response:
        payload = {
            "id": event_id,
            "from": {"kind": "email", "value": sender, "name": name},
            "text": text,
            "subject": subject,
        }
        return self._post(payload)

    def post_status(self, *, event_id: str, message_id: str, status: str) -> requests.Response:
        return self._post(
            {"id": event_id, "type": "status", "message_id": message_id, "status": status}
        )

    def _post(self, payload: dict[str, Any]) -> requests.Response:
        body = json.dumps(payload).encode()
        return requests.post(
            self.world["inbound_url"],
            data=body,
            headers={
                "Content-Type": "application/json",
                "X-Helpdesk-Signature": sign(self.world["secret"], body),
            },
            timeout=10,
        )


@contextmanager
def live_server(tmp: Path, api_base_url: str) -> Iterator[LiveServer]:
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    if os.environ.get("REDIS_URL"):
        env["BROWSER_REDIS_URL"] = os.environ["REDIS_URL"]
    env.update(
        DJANGO_SETTINGS_MODULE="tests.browser.settings",
        SQLITE_PATH=str(tmp / "browser.sqlite3"),
        DEBUG="1",
        PUBLIC_BASE_URL=origin,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        MEDIA_ROOT=str(tmp / "media"),
        LOG_LEVEL="WARNING",
    )
    python = sys.executable
    subprocess.run(
        [python, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=300
    )
    made = subprocess.run(
        [python, "-m", "tests.browser.world", api_base_url],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    world = json.loads(made.stdout.strip().splitlines()[-1])
    log = tmp / "uvicorn.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                python,
                "-m",
                "uvicorn",
                "helpdesk.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
                "--ws-ping-interval",
                "5",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if requests.get(origin + "/healthz", timeout=2).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the live server did not start:\n" + log.read_text())
                time.sleep(0.2)
            yield LiveServer(url=origin, world=world, log=log)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
