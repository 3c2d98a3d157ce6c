"""Near-miss repair for recognizer output: fix words that are not in the template vocabulary.

A speech recognizer (or a typist) gets most words right and a few slightly wrong:
"i feel lonley", "start the de brief", "let's checkin". We fix only words that no template
can produce, using rapidfuzz over the vocabulary (unigrams, and joins/splits of neighbours),
and then let hassil match the repaired sentence exactly. Out-of-domain speech has several
words no template knows, so it is rejected before any guessing. Pure; no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

MIN_WORD_SCORE = 80.0
"""Smallest rapidfuzz ratio (0..100) at which a misheard word is replaced by a vocabulary word."""
MAX_UNKNOWN = 2
"""More unknown words than this (or more than half the sentence) and the sentence is out of domain."""
MIN_WORD_LEN = 4
"""Shorter unknown words are never corrected ("sad"/"bad" are one letter apart)."""


@dataclass(frozen=True)
class Repair:
    """A repaired sentence and how sure we are of the repair."""

    text: str
    """Words after repair, space-separated."""
    score: float
    """Worst per-word similarity of the repair, 0..100 (100: nothing changed)."""


class WordRepairer:
    """Replace out-of-vocabulary words by their nearest vocabulary words."""

    def __init__(self, vocabulary: frozenset[str]):
        self.vocabulary = vocabulary
        self._choices = sorted(vocabulary)
        self._nearest = lru_cache(maxsize=8192)(self._nearest_uncached)

    def _nearest_uncached(self, word: str) -> tuple[str, float] | None:
        if len(word) < MIN_WORD_LEN:
            return None
        best = process.extractOne(word, self._choices, scorer=fuzz.ratio, score_cutoff=MIN_WORD_SCORE)
        return (best[0], float(best[1])) if best else None

    def _split(self, word: str) -> str | None:
        """'checkin' -> 'check in' when both halves are vocabulary words."""
        for k in range(2, len(word) - 1):
            if word[:k] in self.vocabulary and word[k:] in self.vocabulary:
                return f"{word[:k]} {word[k:]}"
        return None

    def repair(self, words: list[str]) -> Repair | None:
        """One repaired reading of the words, or None when the sentence looks out of domain."""
        unknown = [i for i, w in enumerate(words) if w not in self.vocabulary]
        if not unknown or len(unknown) > MAX_UNKNOWN or len(unknown) * 2 > len(words):
            return None
        out: list[str] = []
        score = 100.0
        i = 0
        while i < len(words):
            word = words[i]
            if word in self.vocabulary:
                out.append(word)
                i += 1
                continue
            nxt = words[i + 1] if i + 1 < len(words) else None
            joined = word + nxt if nxt else None
            if joined and joined in self.vocabulary:  # "de brief" -> "debrief"
                out.append(joined)
                score = min(score, 95.0)
                i += 2
                continue
            if out and (out[-1] + word) in self.vocabulary:  # "over whelmed" -> "overwhelmed"
                out[-1] = out[-1] + word
                score = min(score, 95.0)
                i += 1
                continue
            split = self._split(word)
            if split:
                out.append(split)
                score = min(score, 95.0)
                i += 1
                continue
            near = self._nearest(word)
            if near is None and joined and nxt not in self.vocabulary:
                near = self._nearest(joined)
                if near is not None:
                    i += 1
            if near is None:
                return None
            out.append(near[0])
            score = min(score, near[1])
            i += 1
        return Repair(" ".join(out), score)


def repair_confidence(score: float) -> float:
    """Map the worst word similarity of a repair (MIN_WORD_SCORE..100) to a confidence in 0.55..0.95."""
    span = 100.0 - MIN_WORD_SCORE
    return round(0.55 + 0.4 * max(0.0, min(1.0, (score - MIN_WORD_SCORE) / span)), 3)
