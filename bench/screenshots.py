"""Screenshots of Today, Charts and History at 1280 and 390 px, with two years of history and with none.

Seeds a temporary database as bench/web_bench.py does (730 nights ending at its fixed clock),
serves the app on a free loopback port (werkzeug, in a thread), and saves full-page PNGs from
Debian's headless Chromium through Playwright to docs/screenshots/<page>-<width>-<data>.png.
Each PNG is posterized to 16 levels per channel in the page's canvas and re-deflated at the
highest zlib level, which keeps text legible at a fraction of the size. Prints, per shot,
the page's scrollWidth, so a layout wider than the window shows here too.

    .venv/bin/python bench/screenshots.py [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import base64
import os
import random
import struct
import sys
import tempfile
import threading
import time
import zlib
from pathlib import Path

os.environ["TZ"] = "UTC"  # the same nights and weeks wherever it runs
time.tzset()

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from werkzeug.serving import make_server  # noqa: E402

from server import create_app  # noqa: E402
from attune.settings import Settings  # noqa: E402
from web_bench import NOW, seed  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PAGES = (("today", "/"), ("charts", "/charts"), ("history", "/history"))
WIDTHS = (1280, 390)
MAX_HEIGHT = {"history": 3000}
"""Pixels from the top kept: a history page holds 20 sessions of 16 entries; the first few show it."""


def recompress_png(path: Path) -> None:
    """Rewrite a PNG with its image data deflated at level 9 in one IDAT chunk (lossless)."""
    data = path.read_bytes()
    chunks, pos = [], 8
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunks.append((kind, data[pos + 8:pos + 8 + length]))
        pos += 12 + length
    raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    out, wrote_idat = [data[:8]], False

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    for kind, body in chunks:
        if kind == b"IDAT":
            if not wrote_idat:
                out.append(chunk(b"IDAT", zlib.compress(raw, 9)))
                wrote_idat = True
        else:
            out.append(chunk(kind, body))
    smaller = b"".join(out)
    if len(smaller) < len(data):
        path.write_bytes(smaller)


POSTERIZE = """async (src) => {
  const img = new Image(); img.src = src; await img.decode();
  const canvas = document.createElement("canvas"); canvas.width = img.width; canvas.height = img.height;
  const ctx = canvas.getContext("2d"); ctx.drawImage(img, 0, 0);
  const data = ctx.getImageData(0, 0, img.width, img.height);
  const px = data.data;
  for (let i = 0; i < px.length; i += 4) {
    for (let c = 0; c < 3; c++) px[i + c] = Math.round(px[i + c] / 17) * 17;
  }
  ctx.putImageData(data, 0, 0);
  return canvas.toDataURL("image/png");
}"""


def posterize(page, png: bytes) -> bytes:
    """16 levels per channel (drawn in the page's own canvas): flat colours deflate far better."""
    url = page.evaluate(POSTERIZE, "data:image/png;base64," + base64.b64encode(png).decode())
    return base64.b64decode(url.split(",", 1)[1])


class Served:
    """The app on a free loopback port, served from a thread until closed."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.thread.join()


def make_app(tmp: Path, name: str, nights: int):
    settings = Settings(db_path=tmp / f"{name}.sqlite3", partners=("Alex", "Sam"))
    app = create_app({"ATTUNE_SETTINGS": settings, "ATTUNE_CLOCK": NOW.timestamp})
    if nights:
        with app.extensions["attune.db"].write() as conn:
            seed(conn, nights, random.Random(7))
    return app


def shoot(browser, url: str, out: Path, data: str) -> list[tuple[str, int, int, int]]:
    """Save every page at every width; returns (file, width, scrollWidth, bytes) per shot."""
    results = []
    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 900}, device_scale_factor=1)
        page = context.new_page()
        for name, path in PAGES:
            page.goto(url + path)
            target = out / f"{name}-{width}-{data}.png"
            height = page.evaluate("document.documentElement.scrollHeight")
            height = min(height, MAX_HEIGHT.get(name, height))
            shot = page.screenshot(full_page=True, clip={"x": 0, "y": 0, "width": width, "height": height})
            target.write_bytes(posterize(page, shot))
            recompress_png(target)
            results.append((target.name, width, page.evaluate("document.documentElement.scrollWidth"),
                            target.stat().st_size))
        context.close()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--nights", type=int, default=730)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    results = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        for data, nights in (("2-years", args.nights), ("empty", 0)):
            app = make_app(Path(tmp), data, nights)
            served = Served(app)
            try:
                results += shoot(browser, served.url, args.out, data)
            finally:
                served.close()
                app.extensions["attune.db"].close()
        browser.close()
    wide = False
    for name, width, scroll, size in results:
        wide = wide or scroll > width
        print(f"{name}: scrollWidth {scroll} at {width} px, {size / 1000:.0f} kB")
    return 1 if wide else 0


if __name__ == "__main__":
    sys.exit(main())
