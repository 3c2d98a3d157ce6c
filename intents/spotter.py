"""Last resort for sentences no template matched: guess the intent from its words, or stay silent.

Templates cover the ways people say things that we have seen; people keep finding new ones
("hurry up a little", "go to the previous question"). When hassil and the near-miss repair
both fail, `Spotter.guess` looks at the words alone:

1. Domain evidence. Each word is weighed by how much more typical it is of attune's template
   samples than of English at large (`english_unigrams.txt`, from a general language model);
   a word no template can produce counts against. Sentences whose mean evidence is low
   ("what time is it", "turn on the kitchen lights") are rejected: this gate is what keeps
   out-of-domain speech out.
2. Which intent. A naive Bayes over words and word pairs of the template samples (each intent
   weighted equally, however many samples its lists produce) picks the intent; it must be
   clearly ahead of the rest.
3. Slots. An intent that needs a value (a feeling, a need, a ritual, a partner) is only guessed
   when exactly that kind of value is spotted in the sentence; a repair phrase's category is
   filled when one is spotted.

A guess comes back with a low confidence (at most GUESS_CONFIDENCE) and method "spotted", so
callers can tell it from a template match. Pure; built once per matcher from its templates.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from importlib import resources
from typing import Iterable, Mapping

from intents.clauses import first_person, negated
from intents.names import SLOT_LISTS
from intents.samples import list_token

MIN_DOMAIN_EVIDENCE = 0.6
"""Smallest mean per-word log-ratio (templates vs English) for a sentence to count as in domain."""
MIN_POSTERIOR = 0.7
"""Smallest naive-Bayes probability of the winning intent."""
UNKNOWN_WORD_EVIDENCE = -8.0
"""Evidence of a word no template can produce (strongly out of domain)."""
RARE_ENGLISH = -12.0
"""Log probability assumed for a template word the English list does not have (a rare word)."""
SMOOTHING = 0.5
"""Additive smoothing of the naive Bayes word counts."""
SAMPLES_PER_INTENT = 100.0
"""Every intent's samples count as this many sentences, however many its lists produce."""
EXPECTED_BOOST = math.log(4.0)
"""Log-prior bonus for intents the step expects."""
GUESS_CONFIDENCE = 0.6
"""Confidence of a guess with posterior 1.0 (scaled down with the posterior)."""
MAX_UNKNOWN_SHARE = 0.25
"""Largest share of a sentence's words that no template can produce."""
ANCHOR_EVIDENCE = 1.0
"""A guess needs one word at least this typical of attune (see `evidence`) ..."""
ANCHOR_SHARE = 0.5
"""... of whose template occurrences at least this share belongs to the guessed intent."""
MAX_GUESS_WORDS = 14
"""Longer sentences are never guessed (more likely dictation than a command; free-text steps
ignore guesses anyway, see server/runner.py)."""
MAX_VALUE_WORDS = 4
"""Longest slot value, in words, looked for in a sentence."""

OPTIONAL_SLOTS: Mapping[str, tuple[str, str]] = {"RepairPhrase": SLOT_LISTS["RepairPhrase"]}
"""Intent -> (slot name, list name) filled when a value is spotted."""
REQUIRED_SLOTS: Mapping[str, tuple[str, str]] = {i: s for i, s in SLOT_LISTS.items() if i not in OPTIONAL_SLOTS}
"""Intent -> (slot name, list name) of a value the guess must find in the sentence."""
PERSONAL_INTENTS = frozenset({"Feeling", "Need"})
"""Guessed only from sentences about the speaker ("good morning" names no feeling of anyone's)."""


@dataclass(frozen=True)
class Guess:
    """The spotter's answer for one sentence."""

    intent: str
    slots: Mapping[str, str]
    confidence: float
    evidence: float
    """Mean per-word domain evidence (see MIN_DOMAIN_EVIDENCE)."""


def english_unigrams(locale: str = "en") -> dict[str, float]:
    """Word -> natural-log probability in general English, from the locale's data file."""
    path = resources.files("intents") / "data" / locale / "english_unigrams.txt"
    table: dict[str, float] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            word, _, logp = line.partition("\t")
            table[word] = float(logp)
    return table


def _features(words: list[str]) -> list[str]:
    return words + [f"{a} {b}" for a, b in zip(words, words[1:])]


class Spotter:
    """Naive Bayes over template samples, gated by domain evidence and spotted slot values."""

    def __init__(self, samples: Iterable[tuple[str, str]], english: Mapping[str, float],
                 values: Mapping[str, Mapping[tuple[str, ...], str]], locale: str = "en"):
        """samples: (intent, normalised sentence, slot lists written as `list_token`s);
        values: list name -> word tuple -> canonical value."""
        self.locale = locale
        per_intent: dict[str, list[list[str]]] = defaultdict(list)
        for intent, text in samples:
            per_intent[intent].append(text.split())
        self._counts: dict[str, Counter] = {}
        word_weight: Counter = Counter()
        for intent, sentences in per_intent.items():
            weight = SAMPLES_PER_INTENT / len(sentences)
            counts: Counter = Counter()
            for words in sentences:
                for feature in set(_features(words)):
                    counts[feature] += weight
                for word in set(words):
                    word_weight[word] += weight
            self._counts[intent] = counts
        self._totals = {i: sum(c.values()) for i, c in self._counts.items()}
        self._features = frozenset(f for c in self._counts.values() for f in c)
        total = sum(word_weight.values())
        self._evidence = {w: math.log(v / total) - english.get(w, RARE_ENGLISH)
                          for w, v in word_weight.items()}
        self._values = values
        self._tokens = frozenset(list_token(name) for name in values)

    def evidence(self, words: list[str]) -> float:
        """Mean per-word domain evidence of a sentence."""
        if not words:
            return UNKNOWN_WORD_EVIDENCE
        return sum(self._evidence.get(w, UNKNOWN_WORD_EVIDENCE) for w in words) / len(words)

    def _posteriors(self, words: list[str], expected: frozenset[str]) -> list[tuple[float, str]]:
        features = [f for f in _features(words) if f in self._features]
        size = len(self._features)
        scores = []
        for intent, counts in self._counts.items():
            denominator = math.log(self._totals[intent] + SMOOTHING * size)
            score = sum(math.log(counts.get(f, 0.0) + SMOOTHING) - denominator for f in features)
            scores.append((score + (EXPECTED_BOOST if intent in expected else 0.0), intent))
        top = max(s for s, _ in scores)
        norm = sum(math.exp(s - top) for s, _ in scores)
        return sorted(((math.exp(s - top) / norm, i) for s, i in scores), reverse=True)

    def _anchored(self, words: list[str], intent: str) -> bool:
        """True when some telling word of the sentence belongs mostly to the intent."""
        for word in words:
            if self._evidence.get(word, UNKNOWN_WORD_EVIDENCE) < ANCHOR_EVIDENCE or word in self._tokens:
                continue  # a slot value alone ("stop my timer") does not say which intent
            total = sum(c.get(word, 0.0) for c in self._counts.values())
            if total and self._counts[intent].get(word, 0.0) / total >= ANCHOR_SHARE:
                return True
        return False

    def spot(self, words: list[str], list_name: str) -> set[str]:
        """Canonical values of one slot list found in the words (longest first, no overlaps)."""
        return {value for _start, value in self.spot_at(words, list_name)}

    def spot_at(self, words: list[str], list_name: str) -> list[tuple[int, str]]:
        """(position of first word, canonical value) of every value of a slot list in the words."""
        return [(start, value) for start, _n, _name, value in self._scan(words, (list_name,))]

    def tokenized(self, words: list[str]) -> list[str]:
        """The words with every slot-list value replaced by its list's token (as in the samples)."""
        out: list[str] = []
        end = 0
        for start, n, name, _value in self._scan(words, tuple(self._values)):
            out += words[end:start] + [list_token(name)]
            end = start + n
        return out + words[end:]

    def _scan(self, words: list[str], names: tuple[str, ...]):
        """(start, length, list name, canonical value) of the values of the named lists in the words,
        left to right, the longest at each position, never overlapping."""
        tables = [(name, self._values.get(name) or {}) for name in names]
        i = 0
        while i < len(words):
            for n in range(min(MAX_VALUE_WORDS, len(words) - i), 0, -1):
                key = tuple(words[i:i + n])
                found = next(((name, table[key]) for name, table in tables if key in table), None)
                if found is not None:
                    yield i, n, found[0], found[1]
                    i += n
                    break
            else:
                i += 1

    def guess(self, norm: str, expected: frozenset[str] = frozenset()) -> Guess | None:
        """An intent for a normalised sentence no template matched, or None (out of domain/unclear)."""
        original = norm.split()
        if len(original) > MAX_GUESS_WORDS:
            return None
        words = self.tokenized(original)
        evidence = self.evidence(words)
        unknown = sum(1 for w in words if w not in self._evidence)
        if evidence < MIN_DOMAIN_EVIDENCE or unknown > MAX_UNKNOWN_SHARE * len(words):
            return None
        posterior, intent = self._posteriors(words, expected)[0]
        if posterior < MIN_POSTERIOR or not self._anchored(words, intent):
            return None
        slots: dict[str, str] = {}
        if intent in PERSONAL_INTENTS and not first_person(self.locale).intersection(original):
            return None
        if intent in REQUIRED_SLOTS:
            slot, list_name = REQUIRED_SLOTS[intent]
            spots = self.spot_at(original, list_name)
            if len({v for _i, v in spots}) != 1 or any(negated(original, i, self.locale) for i, _v in spots):
                return None  # none, several, or "I don't feel safe"
            slots[slot] = spots[0][1]
        elif intent in OPTIONAL_SLOTS:
            slot, list_name = OPTIONAL_SLOTS[intent]
            found = self.spot(original, list_name)
            if len(found) == 1:
                slots[slot] = found.pop()
        return Guess(intent, slots, round(GUESS_CONFIDENCE * posterior, 3), round(evidence, 3))
