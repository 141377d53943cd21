"""The Voila app (notebooks/app.ipynb) in headless Chromium: no code shown, Run, points appear, Stop."""

from __future__ import annotations

import time

import pytest

from .panel_checks import run_and_stop, status_text

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def test_app_serves_the_panel_without_code_and_searches_live(voila_server, page, tmp_path):
    start = time.monotonic()
    page.goto(f"{voila_server}/", timeout=180_000)
    page.wait_for_selector("button.nbk-run", timeout=180_000)
    assert status_text(page) == "ready"
    assert "load_benchmark" not in page.inner_text("body")  # Voila shows outputs, not code
    result = run_and_stop(page, tmp_path / "voila.png")
    print(f"points at first look {result['first']}, later {result['later']}, at Stop {result['at_stop']}; "
          f"{result['status'][:80]}; wall time {time.monotonic() - start:.1f} s")
