"""Serve the explorer: ``streamlit run serve.py`` (the pages themselves are in ``app.py``).

Streamlit's page, opened at a page's own address (``/compare``), first looks for its server under
that path (``/compare/_stcore/health``) and gets two 404s before it tries the root (Streamlit issue
7074). The app always runs at the root, so this wrapper tells the page so: it adds one line to the
HTML it serves, setting the base address Streamlit's front end reads (``window.__streamlit``).
Everything else passes through untouched.

When the server starts, it also starts its pool of worker processes and, in them, the presets' runs
(:mod:`sim.app.pool`), so that the first visitor finds the default view's numbers ready.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import streamlit as st
import streamlit.net_util
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sim.app.pool import preset_runs

# A headless server served to the network (--server.address 0.0.0.0) would ask a web service
# (checkip.amazonaws.com) for the machine's public address, to print it and to judge origins. The app
# works offline and a class joins on the local network: the public address is never wanted.
streamlit.net_util.get_external_ip = lambda: None

BASE_URL_SCRIPT = b"<script>window.__streamlit = {BACKEND_BASE_URL: window.location.origin};</script>"
#: Paths of the server's own endpoints and files; everything else is the page.
NOT_THE_PAGE = ("/_stcore", "/static", "/media", "/component", "/app/static", "/favicon", "/manifest")


class RootBaseUrl:
    """ASGI middleware: put :data:`BASE_URL_SCRIPT` at the top of every HTML page served."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(NOT_THE_PAGE):
            await self.app(scope, receive, send)
            return
        # Ask for the page uncompressed, so that the script can be added to it.
        headers = [(k, v) for k, v in scope["headers"] if k != b"accept-encoding"]
        start: Message | None = None
        body = b""

        async def send_with_script(message: Message) -> None:
            nonlocal start, body
            if message["type"] == "http.response.start":
                start = message
                return
            body += message.get("body", b"")
            if message.get("more_body"):
                return
            assert start is not None
            response_headers = dict(start["headers"])
            if response_headers.get(b"content-type", b"").startswith(b"text/html"):
                body = body.replace(b"<head>", b"<head>" + BASE_URL_SCRIPT, 1)
            response_headers[b"content-length"] = str(len(body)).encode()
            await send({**start, "headers": list(response_headers.items())})
            await send({"type": "http.response.body", "body": body})

        await self.app({**scope, "headers": headers}, receive, send_with_script)


@asynccontextmanager
async def start_preset_runs(_app: st.App) -> AsyncIterator[None]:
    """At start-up, start the pool and the presets' runs in it, without holding up the server."""
    threading.Thread(target=preset_runs, name="preset-runs", daemon=True).start()
    yield


app = st.App("app.py", middleware=[Middleware(RootBaseUrl)], lifespan=start_preset_runs)
