"""Browser journeys: headless Chromium driven by Playwright against pytest-django's live server.

The system's Chromium (``/usr/bin/chromium``) is used, never a downloaded browser. When it
is missing or does not start, the journeys fail with a message saying so: a green run must
mean the journeys really ran.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in this thread; the fixtures' database calls
# are synchronous code that Django would otherwise refuse to run next to it.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from playwright.sync_api import Browser, Error, Page, ViewportSize, sync_playwright  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LAPTOP: ViewportSize = {"width": 1366, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is missing at {CHROMIUM}: install it (apt-get install chromium) to run "
            "the browser journeys. They fail rather than skip.",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        try:
            launched = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
        except Error as exc:
            pytest.fail(f"Chromium at {CHROMIUM} failed to launch: {exc}", pytrace=False)
        yield launched
        launched.close()


def _new_page(browser: Browser, live_server: Any, viewport: ViewportSize) -> Iterator[Page]:
    context = browser.new_context(
        base_url=live_server.url, viewport=viewport, locale="fr-FR", timezone_id="Europe/Paris"
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors in the page: {errors}"


@pytest.fixture
def page(browser: Browser, live_server: Any, transactional_db: Any) -> Iterator[Page]:
    """A fresh browser tab at laptop size, pointed at the live server."""
    yield from _new_page(browser, live_server, LAPTOP)


@pytest.fixture
def phone_page(browser: Browser, live_server: Any, transactional_db: Any) -> Iterator[Page]:
    """A fresh browser tab at phone size."""
    yield from _new_page(browser, live_server, PHONE)
