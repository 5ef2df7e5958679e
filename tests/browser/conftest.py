"""Browser fixtures: the real app on a free port (the app `nurture web` serves) against its own freshly
migrated database (SQLite, and PostgreSQL when reachable), real Redis and a real SMTP server (aiosmtpd),
driven by Debian's headless Chromium through Playwright.

Write a browser test like this (the lead's story, Playwright's auto-waiting, no sleeps):

    def test_rep_sees_today(live_app, open_page, shoot):
        page = open_page(as_=Role.REP)         # signed in through the real login form (once per role and run)
        page.goto("/today/")
        expect(page.get_by_role("heading", name="Today")).to_be_visible()
        shoot(page, "today")                   # tests/browser/screenshots/<test>-<backend>-today.png

`live_app.person(Role.REP)` is that user (email, password, API token); `live_app.account(role)` makes a new
one and `login(page, person)` signs it in; `live_app.lead(email, **fields)` adds a lead; `live_app.smtp.received`
is what the SMTP server got; `open_page(viewport=PHONE)` opens a phone-sized page. The tests share one
database per backend: give what you create unique emails. `on_one_backend` (tests/browser/backends.py) runs
a test whose story does not depend on the database on PostgreSQL only (SQLite when there is none).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, sync_playwright

from nurture.models import Role
from tests.browser.chromium import ARGS, EXECUTABLE, LAPTOP, TIMEOUT_MS
from tests.browser.live_app import LiveApp, running_app
from tests.browser.login import login
from tests.databases import backends
from tests.debian_packages import ensure_installed

SCREENSHOTS = Path(__file__).parent / "screenshots"


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    try:  # Debian's Chromium, installed with apt-get when missing (as root), like dovecot for the IMAP tests
        executable = ensure_installed("chromium", EXECUTABLE, "chromium", f"{EXECUTABLE} is missing: apt-get install chromium")
    except RuntimeError as exc:
        pytest.fail(str(exc))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session", params=backends())
def live_app(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[LiveApp]:
    with running_app(request.param, tmp_path_factory.mktemp(f"browser-{request.param}"), redis_url) as app:
        yield app


@pytest.fixture
def open_page(chromium: Browser, live_app: LiveApp, request: pytest.FixtureRequest) -> Iterator[Callable[..., Page]]:
    """Open a page in a fresh browser context (its own cookies) at a viewport; a failed test leaves a screenshot."""
    pages: list[Page] = []

    def open_(viewport: dict[str, int] = LAPTOP, *, as_: Role | None = None, **options: Any) -> Page:
        if as_ is not None:
            options["storage_state"] = _signed_in(chromium, live_app, as_)
        context = chromium.new_context(viewport=viewport, base_url=live_app.url, **options)
        context.set_default_timeout(TIMEOUT_MS)
        pages.append(context.new_page())
        return pages[-1]

    yield open_
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for number, page in enumerate(pages):
        if failed:
            page.screenshot(path=_path(request, f"failed-{number}"), full_page=True)
        page.context.close()


def _signed_in(chromium: Browser, live_app: LiveApp, role: Role) -> Any:
    """The cookies of ``live_app.person(role)`` after logging in through the form, once per role and backend."""
    if role not in live_app.signed_in:
        context = chromium.new_context(base_url=live_app.url)
        context.set_default_timeout(TIMEOUT_MS)
        login(context.new_page(), live_app.person(role))
        live_app.signed_in[role] = context.storage_state()
        context.close()
    return live_app.signed_in[role]


@pytest.fixture
def shoot(request: pytest.FixtureRequest) -> Callable[[Page | Locator, str], Path]:
    """Save a screenshot of the whole page (or of one element) named after the test, its backend and ``name``."""

    def shoot_(target: Page | Locator, name: str) -> Path:
        path = _path(request, name)
        target.screenshot(path=path, **({"full_page": True} if isinstance(target, Page) else {}))
        return path

    return shoot_


def _path(request: pytest.FixtureRequest, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    test = re.sub(r"[^A-Za-z0-9_-]+", "-", request.node.name).strip("-")
    return SCREENSHOTS / f"{test}-{name}.png"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
