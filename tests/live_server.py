"""Chromium for the browser tests, and the app on a free loopback port (see :mod:`sim.bench.local_server`)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from playwright.sync_api import Browser, sync_playwright

from sim.bench.local_server import HOST, free_port, start_app, stop, wait_healthy

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
#: Where the browser tests save their screenshots: an ignored folder, so a test run leaves the checkout
#: clean. ``scripts/refresh-images.sh`` points it at ``docs/`` to refresh the README's pictures.
SCREENSHOTS = Path(os.environ.get("ALLIANCE_SCREENSHOTS") or ROOT / "artifacts" / "screenshots")
SERVER_START_SECONDS = 60
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium driven by Playwright (its own browser download does not work here)."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def start_streamlit(log: IO, env: dict[str, str] | None = None, port: int | None = None
                    ) -> tuple[str, subprocess.Popen]:
    """The app served on the loopback port ``port`` (a free one by default), once it answers."""
    port = port or free_port()
    proc = start_app(port, log, env)
    url = f"http://{HOST}:{port}"
    try:
        wait_healthy(url, proc, SERVER_START_SECONDS)
    except BaseException:
        stop(proc)
        raise
    return url, proc
