"""bench/web_bench.py still runs (tiny database, two requests); no timing is asserted here."""

from __future__ import annotations

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "web_bench.py"


def test_web_bench_runs_on_a_small_history(tmp_path):
    spec = importlib.util.spec_from_file_location("web_bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path / "web.md"
    module.main(["--nights", "21", "--requests", "2", "--out", str(out)])
    text = out.read_text(encoding="utf-8")
    assert "21 nights" in text
    for label, path in module.PAGES:
        assert f"| {label} | `{path}` |" in text
