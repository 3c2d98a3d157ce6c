"""The repair phrase library (YAML by category, stable ids) and least-recently-used choice. Pure."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any, Iterable, Mapping

import yaml

CATEGORIES = ("feeling", "sorry", "agree", "calm", "stop", "appreciate", "validate", "impact")


@lru_cache(maxsize=8)
def _library(locale: str) -> tuple[tuple[str, str, str], ...]:
    base = resources.files("server.data")
    folder = locale if base.joinpath(locale).joinpath("phrases.yaml").is_file() else locale.split("-")[0]
    if not base.joinpath(folder).joinpath("phrases.yaml").is_file():
        folder = "en"
    data = yaml.safe_load(base.joinpath(folder).joinpath("phrases.yaml").read_text(encoding="utf-8"))
    items = []
    for category, phrases in data.items():
        if category not in CATEGORIES:
            raise ValueError(f"server/data/{folder}/phrases.yaml: unknown category {category!r}")
        for number, text in phrases.items():
            items.append((f"{category}.{number}", category, str(text)))
    return tuple(items)


def load_phrases(locale: str = "en") -> list[dict[str, str]]:
    """Every built-in phrase: [{"id": "calm.3", "category": "calm", "text": ...}], in file order."""
    return [{"id": i, "category": c, "text": t} for i, c, t in _library(locale)]


def pick_phrase(phrases: Iterable[Mapping[str, Any]], category: str | None,
                last_used: Mapping[str, str], last_offered: str | None = None) -> dict | None:
    """The least recently used phrase of `category` (any category when None); never-used ones
    first in library order; never `last_offered` again unless it is the only one."""
    candidates = [dict(p) for p in phrases if category is None or p["category"] == category]
    if not candidates:
        return None
    order = {p["id"]: n for n, p in enumerate(candidates)}
    candidates.sort(key=lambda p: (p["id"] in last_used, last_used.get(p["id"], ""), order[p["id"]]))
    for phrase in candidates:
        if phrase["id"] != last_offered:
            return phrase
    return candidates[0]
