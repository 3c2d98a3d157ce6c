"""The feelings and needs vocabulary (intents/data/<locale>/vocabulary/*.yaml), grouped as data.

Feelings sit under pleasant/unpleasant families and needs under NVC categories, so a chart can
group what was stored; pseudo-feelings ("ignored", "let down") are listed apart, as thoughts about
what the other did. `Matcher.load` adds every word to the `feeling` and `need` slot lists. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

import yaml

from intents.loader import IntentsDataError, locale_dir
from intents.text import normalize

VALENCES = ("pleasant", "unpleasant")


@dataclass(frozen=True)
class Vocabulary:
    """Feeling and need words of one locale, with their groups."""

    feelings: Mapping[str, tuple[str, str]]
    """Feeling word -> (valence, family), e.g. "deflated" -> ("unpleasant", "sad")."""
    pseudo: frozenset[str]
    """Words that sound like feelings but judge what another did ("ignored", "taken for granted")."""
    needs: Mapping[str, str]
    """Need word -> NVC category, e.g. "reassurance" -> "connection"."""

    def feeling_group(self, word: str) -> tuple[str, str] | None:
        """(valence, family) of a stored feeling, ("pseudo", "evaluation") for a pseudo-feeling, else None."""
        word = normalize(word)
        if word in self.feelings:
            return self.feelings[word]
        return ("pseudo", "evaluation") if word in self.pseudo else None


def _words(path: Path, node: object, where: str) -> list[str]:
    if not isinstance(node, list) or not all(isinstance(w, str) and w.strip() for w in node):
        raise IntentsDataError(path, None, None, f"{where}: must be a list of words (quote yes/no/off/on)")
    return [normalize(w) for w in node]


def _read(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise IntentsDataError(path, None, None, f"cannot read: {exc}") from exc
    if not isinstance(data, dict):
        raise IntentsDataError(path, 1, None, "top level must be a mapping")
    return data


@lru_cache(maxsize=8)
def vocabulary(locale: str = "en", data_dir: Path | None = None) -> Vocabulary:
    folder = locale_dir(locale, data_dir) / "vocabulary"
    feelings_path, needs_path = folder / "feelings.yaml", folder / "needs.yaml"
    data = _read(feelings_path)
    feelings: dict[str, tuple[str, str]] = {}
    for valence in VALENCES:
        for family, words in (data.get(valence) or {}).items():
            for word in _words(feelings_path, words, f"{valence}.{family}"):
                feelings.setdefault(word, (valence, str(family)))  # a word in two families keeps its first
    pseudo = frozenset(_words(feelings_path, (data.get("pseudo") or {}).get("evaluations"), "pseudo.evaluations"))
    needs: dict[str, str] = {}
    for category, words in _read(needs_path).items():
        for word in _words(needs_path, words, str(category)):
            needs.setdefault(word, str(category))
    return Vocabulary(MappingProxyType(feelings), pseudo - feelings.keys(), MappingProxyType(needs))


def slot_words(vocab: Vocabulary) -> dict[str, list[str]]:
    """{slot list name: words to add}: every feeling (pseudo ones too) and every need."""
    return {"feeling": [*vocab.feelings, *sorted(vocab.pseudo)], "need": list(vocab.needs)}
