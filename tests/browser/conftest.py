"""Playwright driving Debian's Chromium (never a downloaded browser)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("GRIDCARE_TEST_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(os.environ.get("GRIDCARE_SCREENSHOTS", Path(__file__).resolve().parents[2] / "screenshots"))


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        if "browser" in os.environ.get("GRIDCARE_TEST_REQUIRE", ""):
            pytest.fail(f"Chromium not found at {CHROMIUM}: run scripts/test.sh, which installs it")
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
