"""Locale word lists read by key (intents/data/<locale>/words/<file>.yaml): the words that take a
sentence apart, numbers, days and times as said aloud, and the barge-in phrases. Pure.

`KEYS` names every key the code reads, so a test can check each locale has them all.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from intents.loader import IntentsDataError

KEYS: dict[str, tuple[str, ...]] = {
    "sentences": ("lead", "subordinate", "tail", "first_person", "negations", "value_cues"),
    "time": ("numbers", "weekdays", "units", "due", "same_day", "minutes", "clock"),
    "barge_in": ("phrases",),
}
"""File -> the keys the code reads from it."""


@lru_cache(maxsize=16)
def _file(locale: str, name: str) -> dict[str, Any]:
    path = resources.files("intents") / "data" / locale / "words" / f"{name}.yaml"
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise IntentsDataError(str(path), None, None, f"cannot read the word lists: {exc}") from exc


def words(name: str, key: str, locale: str = "en") -> Any:
    """One word list (or table) of a locale: words("time", "weekdays") -> ["monday", ...]."""
    if key not in KEYS.get(name, ()):
        raise KeyError(f"words: {name}.{key} is not in KEYS (add it there and to every locale)")
    data = _file(locale, name)
    if key not in data:
        raise IntentsDataError(f"intents/data/{locale}/words/{name}.yaml", None, None, f"no key {key!r}")
    return data[key]


def phrase_alternation(phrases: list[str]) -> str:
    """A regex alternation of phrases, longest first so "about how" wins over "about"."""
    return "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
