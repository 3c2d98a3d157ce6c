"""Feelings grouped as pleasant or unpleasant, from the locale's feelings vocabulary (data, not code).

The groups are intents/data/<locale>/vocabulary/feelings.yaml's two halves (NVC: feelings when
needs are met, and when they are not). A pseudo-feeling ("ignored", "taken for granted") is
said when a need is not met, so it counts as unpleasant.
"""

from __future__ import annotations

from functools import lru_cache

from intents.vocabulary import vocabulary

GROUPS = ("pleasant", "unpleasant")
OTHER = "other"
"""The group of a word the vocabulary does not list (typed on the page, or an older list's word)."""


@lru_cache(maxsize=8)
def feeling_groups(locale: str = "en") -> dict[str, str]:
    """{feeling word: "pleasant" | "unpleasant"}."""
    vocab = vocabulary(locale)
    groups = {word: "unpleasant" for word in vocab.pseudo}
    groups.update({word: valence for word, (valence, _family) in vocab.feelings.items()})
    return groups


def feeling_group(word: str, locale: str = "en") -> str:
    return feeling_groups(locale).get(" ".join(word.strip().lower().split()), OTHER)
