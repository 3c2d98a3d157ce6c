"""Today, Charts and History at 390 px and 1280 px, with two years of history and with none:
no sideways scrolling at 390 px, one h1 and the landmarks, every control labelled, and every
piece of visible text (SVG labels included) at a contrast of at least 4.5:1 against what is behind it.
"""

from __future__ import annotations

import importlib.util
import random
import sqlite3
import sys
from pathlib import Path

import pytest
from test_web_browser import UNLABELLED

pytestmark = pytest.mark.browser
BENCH = Path(__file__).resolve().parents[2] / "bench" / "web_bench.py"

PAGES = ("/", "/charts", "/history")

# For each visible element with its own text: its colour (SVG: fill) against the background behind
# it, found by blending the ancestors' background colours (SVG text inside a shape: that shape's fill).
LOW_CONTRAST = """() => {
  const rgba = s => { const m = s.match(/[\\d.]+/g) || ["0", "0", "0", "0"];
    return [+m[0], +m[1], +m[2], m.length > 3 ? +m[3] : 1]; };
  const over = (top, bottom) => { const a = top[3];
    return [0, 1, 2].map(i => top[i] * a + bottom[i] * (1 - a)).concat([1]); };
  const lum = c => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const background = el => { const layers = [];
    for (let n = el; n && n.nodeType === 1; n = n.parentElement) {
      const c = rgba(getComputedStyle(n).backgroundColor); if (c[3] > 0) layers.push(c); if (c[3] >= 1) break; }
    let bg = [255, 255, 255, 1]; for (const c of layers.reverse()) bg = over(c, bg); return bg; };
  const shapeBehind = text => { const box = text.getBBox(); const cx = box.x + box.width / 2, cy = box.y + box.height / 2;
    for (const s of text.parentNode.querySelectorAll("rect, circle")) { const b = s.getBBox();
      if (cx >= b.x && cx <= b.x + b.width && cy >= b.y && cy <= b.y + b.height) {
        const f = rgba(getComputedStyle(s).fill); if (f[3] > 0 && getComputedStyle(s).fill !== "none") return f; } }
    return null; };
  const bad = [];
  for (const el of document.querySelectorAll("body *")) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length || getComputedStyle(el).visibility === "hidden") continue;
    const r = el.getBoundingClientRect(); if (r.right < 0 || r.bottom < 0) continue;   // the skip link, off screen
    const svg = el instanceof SVGElement;
    const fg = rgba(svg ? getComputedStyle(el).fill : getComputedStyle(el).color);
    const bg = (svg && shapeBehind(el)) || background(el.closest("svg") ? el.closest("svg").parentElement : el);
    const value = ratio(over(fg, bg), bg);
    if (value < 4.5) bad.push(`${el.tagName}.${el.getAttribute("class") || ""} "${el.textContent.trim().slice(0, 30)}" ${value.toFixed(2)}`);
  }
  return bad; }"""


def bench_seed():
    """bench/web_bench.py's two-year seed, loaded at run time with sys.path left as it was (the bench puts
    the repository first, which would make tests/voice's package name clash with the voice package)."""
    saved = list(sys.path)
    try:
        spec = importlib.util.spec_from_file_location("web_bench", BENCH)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path[:] = saved
    return module.seed


@pytest.fixture
def two_years(live_server):
    seed = bench_seed()
    conn = sqlite3.connect(live_server.db_path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    try:
        conn.execute("BEGIN")
        seed(conn, 730, random.Random(7))
        conn.execute("COMMIT")
    finally:
        conn.close()
    return live_server


def check(page, url: str, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    for path in PAGES:
        page.goto(url + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (path, width)
        assert page.evaluate(UNLABELLED) == [], path
        assert page.locator("main h1").count() == 1 and page.locator("nav[aria-label=Main]").count() == 1, path
        for summary in page.locator("main details summary").all():   # the table views' text too
            summary.click()
        assert page.evaluate(LOW_CONTRAST) == [], (path, width)
    assert page.console_errors == []


@pytest.mark.parametrize("width", [390, 1280])
def test_pages_with_two_years_fit_and_read(page, two_years, width):
    check(page, two_years.url, width)


@pytest.mark.parametrize("width", [390, 1280])
def test_pages_with_no_history_fit_read_and_say_what_to_do(page, live_server, width):
    check(page, live_server.url, width)
    page.goto(live_server.url + "/history")
    assert "Say “attune, start our nightly debrief”, or start one here" in page.inner_text("main")
    page.get_by_role("button", name="Start a nightly debrief").focus()
    assert page.evaluate("document.activeElement.textContent.trim()") == "Start a nightly debrief"
