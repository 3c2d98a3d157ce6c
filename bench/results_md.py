"""Keep several bench scripts' sections in one results file (each replaces only its own section)."""

from __future__ import annotations

import re
from pathlib import Path

TITLE = "# Reliability, security and privacy: figures and method\n"


def update_section(path: Path, name: str, text: str, title: str = TITLE) -> None:
    """Write `text` between `<!-- name -->` markers in `path`, keeping the other sections."""
    path.parent.mkdir(parents=True, exist_ok=True)
    current = path.read_text(encoding="utf-8") if path.exists() else title
    block = f"<!-- {name}:start -->\n{text.rstrip()}\n<!-- {name}:end -->\n"
    pattern = re.compile(rf"<!-- {re.escape(name)}:start -->.*?<!-- {re.escape(name)}:end -->\n?", re.S)
    if pattern.search(current):
        current = pattern.sub(lambda _: block, current)
    else:
        current = current.rstrip("\n") + "\n\n" + block
    path.write_text(current, encoding="utf-8")
