"""Drive a SearchPanel in a browser page: Run, count plotted points, Stop (shared by the
JupyterLab and Voila tests)."""

from __future__ import annotations

import time
from pathlib import Path

#: JavaScript: points of the "evaluated" trace (plotly's data of the panel's figure), -1 if
#: no figure is drawn yet.
EVALUATED_POINTS = """() => {
  const plots = document.querySelectorAll('.nbk-plot .js-plotly-plot');
  if (!plots.length) return -1;
  const gd = plots[plots.length - 1];
  const trace = (gd.data || []).find(t => t.name === 'evaluated');
  return trace && trace.x ? trace.x.length : -1;
}"""
#: SVG markers drawn for the "front found" trace (real DOM elements, no WebGL needed).
FRONT_MARKERS = ".nbk-plot .js-plotly-plot g.trace.scatter path.point"


def evaluated_points(page) -> int:
    return int(page.evaluate(EVALUATED_POINTS))


def wait_until(predicate, timeout: float, what: str, poll: float = 0.2, page=None):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            seen = f"; status line: {status_text(page)!r}, evaluated points: {evaluated_points(page)}" if page else ""
            raise AssertionError(f"timed out after {timeout} s waiting for {what}{seen}")
        time.sleep(poll)


def status_text(page) -> str:
    return page.locator(".nbk-status").last.inner_text()


def run_and_stop(page, screenshot: Path, *, budget: int = 20_000) -> dict[str, int]:
    """Set a large budget, press Run, check that points appear and keep appearing, press
    Stop, check that the run stopped and no point is added after; save a screenshot."""
    budget_box = page.locator(".nbk-budget input").last
    budget_box.fill(str(budget))
    budget_box.press("Enter")
    budget_box.press("Tab")
    page.wait_for_timeout(1000)  # the new value reaches the kernel
    # a slower pace (fewer redraws a second) keeps the page responsive on a loaded machine
    readout = page.locator(".nbk-pace .widget-readout").last
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("0.25")
    page.keyboard.press("Enter")
    page.wait_for_timeout(1000)
    page.locator("button.nbk-run").last.click()
    wait_until(lambda: f"for {budget} evaluations" in status_text(page), 120, "the run to start", page=page)
    first = wait_until(lambda: max(evaluated_points(page), 0), 120, "points in the plot", page=page)
    later = wait_until(lambda: (n := evaluated_points(page)) > first and n, 120, "more points in the plot",
                       page=page)
    wait_until(lambda: page.locator(FRONT_MARKERS).count() > 0, 60, "the front found drawn as SVG markers",
               page=page)
    # a DOM click event (what a press sends), without Playwright's wait for the page to be
    # idle: a page redrawing a live plot on a loaded machine may never be idle
    page.locator("button.nbk-stop").last.dispatch_event("click")
    stopped = wait_until(lambda: status_text(page).startswith("stopped:") and status_text(page), 150,
                         "the status line to say the run stopped", page=page)
    page.wait_for_timeout(1000)  # the final redraw
    at_stop = evaluated_points(page)
    page.wait_for_timeout(1500)
    after = evaluated_points(page)
    page.screenshot(path=str(screenshot), full_page=True)
    print(f"screenshot: {screenshot}")
    assert 0 < first < later <= at_stop < budget, (first, later, at_stop)
    assert after == at_stop, "points were still added after Stop"
    assert page.locator("button.nbk-run").last.is_enabled() and not page.locator("button.nbk-stop").last.is_enabled()
    assert "Traceback" not in page.content()
    return {"first": first, "later": later, "at_stop": at_stop, "status": stopped}
