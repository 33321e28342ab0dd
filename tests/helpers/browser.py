"""Debian's chromium driven by Playwright (headless, --no-sandbox) for the browser tests, and their screenshots."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.settings import PROJECT_ROOT

CHROMIUM = os.environ.get("BOT_CHROMIUM", "/usr/bin/chromium")


def require_chromium() -> None:
    """Fail the module at collection with the fix when Debian's chromium is missing."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: `make test` installs Debian's chromium (apt-get install chromium)",
                    pytrace=False)


def shots(name: str) -> Path:
    """test-artifacts/<name>/, emptied: where a test module's screenshots go."""
    folder = PROJECT_ROOT / "test-artifacts" / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless chromium (Playwright's Browser) while the block runs."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        try:
            yield browser
        finally:
            browser.close()


def wait_job(page: Any) -> None:
    """Wait, with no time limit (how fast is the benchmark's business, not a test's), until the admin's job page
    settles; a failed job fails the test at once with its message."""
    page.wait_for_selector("#job[data-state=done], #job[data-state=failed]", timeout=0)
    state = page.get_attribute("#job", "data-state")
    assert state == "done", f"the job {state}: {page.inner_text('#job-message')}"
