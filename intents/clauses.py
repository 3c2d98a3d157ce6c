"""Pieces of a sentence worth matching on their own when the whole does not match (pure).

- Typed text with punctuation: "this is getting too heated, let's take a break" -> its clauses.
- A leading discourse marker or polite request: "okay so let's keep going" -> "let's keep going",
  "can you help me figure out my needs" -> "help me figure out my needs", "can we skip this
  question" -> "skip this question", "I'd like to log a rupture" -> "log a rupture".
- Content-free trailing words: "I want to check in with you" -> "I want to check in".
- One superfluous known word: "got another one" -> "another one" (the matcher only tries this
  when every word is template vocabulary, so device and place names never get this far).
- A trailing reason or topic: "I felt lonely when you left early" -> "I felt lonely",
  "I need fun in our life" -> "I need fun".
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from intents.text import normalize
from intents.words import phrase_alternation, words as word_list

_CLAUSE_BREAK = re.compile(r"[,;:.!?\u2026]+|\s[-\u2013\u2014]+\s")


@lru_cache(maxsize=8)
def _lists(locale: str) -> dict[str, Any]:
    """The locale's sentence words (intents/data/<locale>/words/sentences.yaml), as patterns and sets."""
    lead = phrase_alternation(word_list("sentences", "lead", locale))
    subordinate = phrase_alternation(word_list("sentences", "subordinate", locale))
    return {"lead": re.compile(rf"^(?:(?:{lead})\s+)+"), "subordinate": re.compile(rf"\s(?:{subordinate})\s"),
            "tail": frozenset(word_list("sentences", "tail", locale)),
            "first_person": frozenset(word_list("sentences", "first_person", locale)),
            "negations": frozenset(word_list("sentences", "negations", locale)),
            "value_cues": {intent: frozenset(cues)
                           for intent, cues in word_list("sentences", "value_cues", locale).items()}}


def value_cues(intent: str, locale: str = "en") -> frozenset[str]:
    """Words right before the value meant, when a sentence names several ("I'd love more warmth and
    affection from you")."""
    return _lists(locale)["value_cues"][intent]


def first_person(locale: str = "en") -> frozenset[str]:
    """Words that make a sentence about the speaker (a feeling or need read from loose words must be)."""
    return _lists(locale)["first_person"]


MIN_CLAUSE_WORDS = 2
"""A clause shorter than this ("ok", "yes") only counts when the rest of the sentence is empty."""


def clauses(text: str) -> list[str]:
    """Normalised clauses of typed text, in order (one item when there is no punctuation)."""
    parts = [normalize(p) for p in _CLAUSE_BREAK.split(text or "")]
    return [p for p in parts if p]


def without_lead(norm: str, locale: str = "en") -> str | None:
    """The sentence without leading discourse markers, if it had any and something is left."""
    stripped = _lists(locale)["lead"].sub("", norm)
    return stripped if stripped and stripped != norm else None


def without_tail(norm: str, names: frozenset[str] = frozenset(), locale: str = "en") -> str | None:
    """The sentence without content-free trailing words ("... with you", "... with sam please")."""
    words = norm.split()
    end = len(words)
    tail = _lists(locale)["tail"]
    while end > 1 and (words[end - 1] in tail or words[end - 1] in names):
        end -= 1
    return " ".join(words[:end]) if end < len(words) else None


NEGATION_REACH = 3
"""A negation this many words or fewer before a value negates it ("not really that lonely")."""


CUE_REACH = 2
"""A cue this many words or fewer before a value points at it ("I'd love more warmth and affection")."""


def _before(words: list[str], position: int, reach: int) -> list[str]:
    return words[max(0, position - reach):position]


def negated(words: list[str], position: int, locale: str = "en") -> bool:
    """Whether a negation comes shortly before the word at `position`."""
    negations = _lists(locale)["negations"]
    return any(w in negations or w.endswith("n't") for w in _before(words, position, NEGATION_REACH))


def cued(words: list[str], position: int, cues: frozenset[str]) -> bool:
    """Whether a cue word comes shortly before the word at `position`."""
    return any(w in cues for w in _before(words, position, CUE_REACH))


def one_word_shorter(words: list[str], locale: str = "en") -> list[str]:
    """The sentence with each single word left out, in order ("I really like that one").

    Negations are never left out: "I'm not heard" must not become "I'm heard".
    """
    negations = _lists(locale)["negations"]
    return [" ".join(words[:i] + words[i + 1:]) for i in range(len(words)) if words[i] not in negations]


def head(norm: str, locale: str = "en") -> str | None:
    """The main clause before a subordinate one ("... when you left early"), if there is one."""
    found = _lists(locale)["subordinate"].search(norm)
    if not found:
        return None
    main = norm[: found.start()].strip()
    return main if len(main.split()) >= MIN_CLAUSE_WORDS else None
