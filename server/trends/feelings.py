"""Feelings grouped as pleasant or unpleasant, from server/data/<locale>/feelings.yaml (data, not code)."""

from __future__ import annotations

from functools import lru_cache

from server.routines.language import locale_yaml

GROUPS = ("pleasant", "unpleasant")
OTHER = "other"
"""The group of a word the YAML does not list (typed on the page, or an older list's word)."""


@lru_cache(maxsize=8)
def feeling_groups(locale: str = "en") -> dict[str, str]:
    """{feeling word: "pleasant" | "unpleasant"}."""
    data = locale_yaml(locale, "feelings.yaml")
    out: dict[str, str] = {}
    for group in GROUPS:
        for word in data.get(group) or []:
            word = str(word).strip().lower()
            if out.get(word, group) != group:
                raise ValueError(f"server/data/{locale}/feelings.yaml: '{word}' is in both groups")
            out[word] = group
    return out


def feeling_group(word: str, locale: str = "en") -> str:
    return feeling_groups(locale).get(word.strip().lower(), OTHER)
