"""Match a sentence to an intent: hassil over the YAML templates, then a near-miss repair.

`Matcher.load()` parses the templates once; `match()` is a pure function of the text and the
step's expectations. No match is a value (`MatchResult.intent is None`), never an exception.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Iterable, Mapping

from hassil import Intents, recognize_all
from hassil.intents import Intent, IntentData, TextSlotList, TextSlotValue
from hassil.expression import TextChunk

from intents.expr import Vocabulary
from intents.fuzzy import WordRepairer, repair_confidence
from intents.loader import SourceLine, load_locale
from intents.names import BUILTIN_INTENTS, INTENT_NAMES, SLOT_NAMES
from intents.text import normalize

CACHE_SIZE = 4096
"""Sentences remembered per matcher (a routine hears the same few words again and again)."""


@dataclass(frozen=True)
class MatchResult:
    """What a sentence means to attune."""

    intent: str | None
    """Intent name, or None when nothing matched (out of domain or unclear)."""
    slots: Mapping[str, str] = field(default_factory=dict)
    """Slot name -> canonical value (lowercase; partner names as given in settings)."""
    confidence: float = 0.0
    """0..1: 1.0 for an exact template match, lower for a repaired near-miss, 0.0 for no match."""
    text: str = ""
    """The text as given."""
    method: str = "none"
    """How it matched: "template", "repaired" or "none"."""

    @property
    def matched(self) -> bool:
        return self.intent is not None

    def to_dict(self) -> dict:
        """The JSON shape `attune parse` prints and the API accepts."""
        return {"intent": self.intent, "slots": dict(self.slots), "confidence": self.confidence,
                "text": self.text}


@dataclass(frozen=True)
class _Template:
    """One sentence template, wrapped as its own hassil `Intents` so it can be tried alone."""

    intent: str
    """Intent the template belongs to."""
    order: int
    """Position of the intent in INTENT_NAMES (the last tie-break)."""
    context_only: bool
    """Only counts when the step expects the intent (bare values like "lonely")."""
    intents: Intents
    """hassil data holding just this template."""
    text: str
    """The template as written in the YAML."""


@dataclass(frozen=True)
class _Hit:
    """A template that matched, with its rank (lower wins)."""

    intent: str
    """Matched intent."""
    slots: Mapping[str, str]
    """Slot values, canonical."""
    rank: tuple[int, int]
    """(tier, intent order): tier 0 expected, 1 built-in, 2 bare expected value, 3 other."""


def _extend_list(intents: Intents, name: str, values: Iterable[str], *, keep_case: bool) -> None:
    """Add values from settings to a text slot list (partner names keep their spelling)."""
    slot_list = intents.slot_lists.get(name)
    if not isinstance(slot_list, TextSlotList):
        slot_list = TextSlotList(name=name, values=[])
        intents.slot_lists[name] = slot_list
    known = {str(v.value_out).casefold() for v in slot_list.values}
    for raw in values:
        value = " ".join(str(raw).split())
        spoken = normalize(value)
        if not spoken or value.casefold() in known:
            continue
        known.add(value.casefold())
        out = value if keep_case else spoken
        slot_list.values.append(TextSlotValue(text_in=TextChunk(spoken), value_out=out))
    slot_list._value_trie = None  # hassil rebuilds its index lazily


class Matcher:
    """Templates of one locale, parsed once, matched many times."""

    def __init__(self, intents: Intents, sources: Mapping[str, SourceLine], locale: str):
        self.locale = locale
        self.intents = intents
        self.sources = sources
        vocab = Vocabulary(intents.expansion_rules, intents.slot_lists)
        self._vocab: dict[str, frozenset[str]] = {}
        self._templates: list[_Template] = []
        postings: dict[str, set[int]] = {}
        for order, name in enumerate(INTENT_NAMES):
            intent = intents.intents.get(name)
            if intent is None:
                continue
            words_of_intent: set[str] = set()
            for data in intent.data:
                context_only = bool((data.metadata or {}).get("context_only"))
                for text, sentence in zip(data.sentence_texts, data.sentences):
                    words = vocab.words(sentence.expression)
                    words_of_intent |= words
                    one = IntentData(sentence_texts=[text], slots=data.slots, metadata=data.metadata,
                                     wildcard_list_names=data.wildcard_list_names)
                    single = Intents(language=intents.language, intents={name: Intent(name, [one])},
                                     slot_lists=intents.slot_lists, expansion_rules=intents.expansion_rules,
                                     skip_words=intents.skip_words, settings=intents.settings)
                    index = len(self._templates)
                    self._templates.append(_Template(name, order, context_only, single, text))
                    for word in words:
                        postings.setdefault(word, set()).add(index)
            self._vocab[name] = frozenset(words_of_intent)
        self._postings = {w: frozenset(ids) for w, ids in postings.items()}
        self.skip_vocabulary = frozenset(w for s in intents.skip_words for w in normalize(s).split())
        self.vocabulary = frozenset().union(*self._vocab.values()) | self.skip_vocabulary
        self._repairer = WordRepairer(self.vocabulary)
        self._cache: OrderedDict[tuple[str, frozenset[str]], MatchResult] = OrderedDict()

    @classmethod
    def load(cls, locale: str = "en", extra_lists: Mapping[str, Iterable[str]] | None = None,
             data_dir: Path | None = None) -> "Matcher":
        """Parse the locale's templates; `extra_lists` adds partner names and rituals from settings."""
        merged, sources = load_locale(locale, data_dir)
        intents = Intents.from_dict(merged)
        for name, values in (extra_lists or {}).items():
            _extend_list(intents, name, values or (), keep_case=(name == "partner"))
        return cls(intents, MappingProxyType(dict(sources)), locale)

    @property
    def intent_names(self) -> tuple[str, ...]:
        return tuple(n for n in INTENT_NAMES if n in self.intents.intents)

    def slot_values(self, list_name: str) -> tuple[str, ...]:
        """Canonical values of a slot list ("feeling", "need", "ritual", "partner", "repair_category")."""
        slot_list = self.intents.slot_lists.get(list_name)
        if not isinstance(slot_list, TextSlotList):
            raise KeyError(list_name)
        return tuple(dict.fromkeys(str(v.value_out) for v in slot_list.values))

    def intent_vocabulary(self, intent: str) -> frozenset[str]:
        """Every word the intent's templates can produce."""
        return self._vocab[intent]

    def match(self, text: str, expect: Iterable[str] | None = None) -> MatchResult:
        """Match one sentence. `expect`: intents the step prefers; built-ins are always honoured."""
        expected = frozenset(expect or ())
        norm = normalize(text or "")
        key = (norm, expected)
        cached = self._cache.get(key)
        if cached is None:
            cached = self._match_normalized(norm, expected)
            self._cache[key] = cached
            if len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        if cached.text == text:
            return cached
        return MatchResult(cached.intent, cached.slots, cached.confidence, text, cached.method)

    def _match_normalized(self, norm: str, expected: frozenset[str]) -> MatchResult:
        if not norm:
            return MatchResult(None, {}, 0.0, norm)
        hit = self._recognize(norm, expected)
        if hit is not None:
            return MatchResult(hit.intent, hit.slots, 1.0, norm, "template")
        repair = self._repairer.repair(norm.split())
        if repair is not None:
            hit = self._recognize(repair.text, expected)
            if hit is not None:
                return MatchResult(hit.intent, hit.slots, repair_confidence(repair.score), norm, "repaired")
        return MatchResult(None, {}, 0.0, norm)

    def _candidates(self, words: list[str]) -> list[int]:
        """Templates whose vocabulary holds every (non-skip) word: the only ones that can match."""
        content = set(words) - self.skip_vocabulary or set(words)
        ids: frozenset[int] | None = None
        for word in content:
            posting = self._postings.get(word)
            if not posting:
                return []
            ids = posting if ids is None else ids & posting
            if not ids:
                return []
        return sorted(ids or ())

    def _recognize(self, norm: str, expected: frozenset[str]) -> _Hit | None:
        """Best hassil match: an expected intent, else a built-in, else a bare expected value, else any."""
        candidates = self._candidates(norm.split())
        if not candidates:
            return None

        def tier(index: int) -> int:
            t = self._templates[index]
            if t.intent in expected:
                return 2 if t.context_only else 0
            if t.context_only:
                return 9
            return 1 if t.intent in BUILTIN_INTENTS else 3

        best: _Hit | None = None
        for index in sorted(candidates, key=lambda i: (tier(i), i)):
            t = self._templates[index]
            if tier(index) == 9 or (best is not None and tier(index) >= best.rank[0]):
                break
            for result in recognize_all(norm, t.intents, language=self.locale):
                allowed = SLOT_NAMES.get(t.intent, ())
                slots = {k: str(e.value) for k, e in result.entities.items() if k in allowed}
                best = _Hit(t.intent, slots, (tier(index), t.order))
                break
        return best
