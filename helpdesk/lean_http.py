"""A lean HTTP path for machine-to-machine endpoints (provider webhooks).

Django's ASGI handler runs each request's sync code on a thread of its own, so a database
connection cannot outlive its request, and it runs the whole middleware stack (sessions,
users, CSRF, messages) that a signed webhook never uses. Paths under the given prefixes are
served here instead: the body is read with the size cap, the URLconf resolves the view as
usual, and the view runs on a small fixed pool of threads whose database connections stay
open between requests (closed after an error, a leftover transaction, or ``max_age``).
Everything else, and any async view, goes to the full application.
"""

from __future__ import annotations

import asyncio
import io
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Any

from asgiref.sync import iscoroutinefunction
from django.conf import settings
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.core.handlers.exception import response_for_exception
from django.db import connections
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.urls import Resolver404, ResolverMatch, get_resolver, set_script_prefix

from helpdesk.middleware import error_response

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[Mapping[str, Any]]]
Send = Callable[[Mapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class LeanHTTP:
    def __init__(
        self, app: ASGIApp, *, prefixes: Iterable[str], threads: int = 4, max_age: float = 300.0
    ) -> None:
        self.app = app
        self.prefixes = tuple(prefixes)
        self.threads = threads
        self.max_age = max_age
        self._executor: ThreadPoolExecutor | None = None
        self._django = ASGIHandler()  # its request building and response sending

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = self._match(scope)
        if match is None:
            await self.app(scope, receive, send)
            return
        body = await self._body(scope, receive)
        if isinstance(body, HttpResponse):
            body.headers["Content-Length"] = str(len(body.content))
            await self._django.send_response(body, send)
            return
        if body is None:  # the client went away
            return
        if self._executor is None:
            self._executor = ThreadPoolExecutor(self.threads, thread_name_prefix="lean-http")
        loop = asyncio.get_running_loop()
        response = await loop.run_in_executor(self._executor, self._respond, scope, body, match)
        await self._django.send_response(response, send)

    def _match(self, scope: Scope) -> ResolverMatch | None:
        if scope["type"] != "http" or not str(scope["path"]).startswith(self.prefixes):
            return None
        return _resolve(settings.ROOT_URLCONF, scope["path"])

    async def _body(self, scope: Scope, receive: Receive) -> bytes | HttpResponse | None:
        limit = settings.MAX_REQUEST_BODY_BYTES
        declared = next(
            (value for name, value in scope["headers"] if name.lower() == b"content-length"), b"0"
        )
        if not declared.isdigit():
            return error_response(400, "bad_content_length", "Content-Length is not a number.")
        if int(declared) > limit:
            return too_large(limit)
        try:
            return await body_read(receive, limit)
        except BodyTooLarge:
            return too_large(limit)

    def _respond(self, scope: Scope, body: bytes, match: ResolverMatch) -> HttpResponseBase:
        set_script_prefix(get_script_prefix(scope))
        request, refusal = self._django.create_request(scope, io.BytesIO(body))
        if request is None:
            assert refusal is not None
            return refusal
        try:
            request.resolver_match = match
            response: HttpResponseBase = match.func(request, *match.args, **match.kwargs)
        except Exception as exc:
            response = response_for_exception(request, exc)
        finally:
            self._connections_settle()
        if isinstance(response, HttpResponse) and not response.has_header("Content-Length"):
            response.headers["Content-Length"] = str(len(response.content))
        return response

    def close(self) -> None:
        """Stop the pool and close the connections its threads kept (tests close it: their
        database cannot be dropped while a thread still holds it); the next request starts a
        new pool."""
        executor, self._executor = self._executor, None
        if executor is None:
            return
        # Every task waits for the others, so each runs on a thread of its own: all of them.
        barrier = threading.Barrier(self.threads)

        def close_own() -> None:
            barrier.wait(timeout=10)
            connections.close_all()

        for done in [executor.submit(close_own) for _ in range(self.threads)]:
            done.result()
        executor.shutdown()

    def _connections_settle(self) -> None:
        """Keep this thread's connections for the next request unless they may be unwell."""
        now = time.monotonic()
        for conn in connections.all(initialized_only=True):
            if conn.connection is None:
                continue
            born = conn.__dict__.setdefault("lean_connected_at", now)
            if conn.errors_occurred or not conn.get_autocommit() or now - born > self.max_age:
                conn.close()
                conn.__dict__.pop("lean_connected_at", None)


@lru_cache(maxsize=4096)  # a provider calls the same few URLs over and over
def _resolve(urlconf: str, path: str) -> ResolverMatch | None:
    try:
        match = get_resolver(urlconf).resolve(path)
    except Resolver404:
        return None
    return None if iscoroutinefunction(match.func) else match


class BodyTooLarge(Exception):
    pass


async def body_read(receive: Receive, limit: int) -> bytes | None:
    """A request's whole body; None if the client went away. Raises ``BodyTooLarge`` as soon
    as more than ``limit`` bytes arrived, whatever the Content-Length said."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = bytes(message.get("body", b""))
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def too_large(limit: int) -> HttpResponse:
    return error_response(
        413, "body_too_large", f"Request bodies are limited to {limit // (1024 * 1024)} MB."
    )
