"""Fixtures for the browser tests of the built book (`make browser-test`, after `make book`).

The tests serve ``_build/html`` (or ``$BOOK_HTML``) on 127.0.0.1 from a thread of this
process and drive Debian's Chromium (/usr/bin/chromium) with Playwright's Python API.
Playwright's own browser download is not used (no network for it here). They run only when
``BOOK_BROWSER_TESTS=1`` (set by the Makefile target), so ``make unit`` skips them.
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sitecheck import ROOT, book_dir

BROWSER_MODULES = [
    "test_browser_pages.py",
    "test_browser_site.py",
    "test_browser_reader.py",
]
collect_ignore = (
    [] if os.environ.get("BOOK_BROWSER_TESTS") == "1" else list(BROWSER_MODULES)
)
# The live-JupyterLab test (make lab-test) starts a server and runs two chapters.
if os.environ.get("BOOK_LAB_TESTS") != "1":
    collect_ignore.append("test_lab.py")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# The flags this machine needs: no sandbox as root, and no background traffic to Google.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="session")
def site() -> Iterator[str]:
    """Base URL (ending in /) of ``_build/html`` served on 127.0.0.1 at a free port."""
    html = book_dir()
    if not (html / "index.html").is_file():
        pytest.fail(f"no built book at {html}: run `make book` first")
    handler = functools.partial(_QuietHandler, directory=str(html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session (each test opens its own context)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def report_dir() -> Path:
    """Where the page-weight report and the screenshots go."""
    out = ROOT / "_build" / "browser"
    out.mkdir(parents=True, exist_ok=True)
    return out
