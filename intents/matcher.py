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
from hassil.intents import Intent, IntentData, SlotList, TextSlotList, TextSlotValue
from hassil.expression import TextChunk
from hassil.sample import sample_expression

from intents.clauses import (
    MIN_CLAUSE_WORDS, clauses, cued, first_person, negated, head, one_word_shorter, value_cues, without_lead,
    without_tail,
)
from intents.expr import Vocabulary
from intents.fuzzy import WordRepairer, repair_confidence
from intents.loader import SourceLine, load_locale, to_intents
from intents.names import BUILTIN_INTENTS, INTENT_NAMES, SLOT_LISTS, SLOT_NAMES
from intents.spotter import MAX_UNKNOWN_SHARE, Spotter, english_unigrams
from intents.text import normalize
from intents.vocabulary import slot_words, vocabulary

CACHE_SIZE = 4096
"""Sentences remembered per matcher (a routine hears the same few words again and again)."""
LEAD_FACTOR = 0.95
"""Confidence when a leading "okay so" had to be dropped."""
CLAUSE_FACTOR = 0.9
"""Confidence factor when only one clause of a punctuated sentence matched."""
TAIL_FACTOR = 0.9
"""Confidence when content-free trailing words ("... with you") had to be dropped."""
EDIT_FACTOR = 0.8
"""Confidence when one superfluous word had to be left out."""
MIN_EDIT_WORDS, MAX_EDIT_WORDS = 3, 8
"""Sentence lengths (words) for which leaving one word out is tried."""
HEAD_FACTOR = 0.85
"""Confidence factor when only the main clause before "when/because ..." matched."""
CONTEXT_CONFIDENCE = 0.7
"""Confidence of an answer read from context: the one feeling in a sentence said where a feeling
was asked for, or the "yes"/"no" that opens a longer reply to a yes/no question."""
VALUE_ANSWERS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {i: SLOT_LISTS[i] for i in ("Feeling", "Need")})
"""Answers whose value alone says it, when the step asks for it: intent -> (slot, list)."""
OPENING_ANSWERS = frozenset({"Yes", "No", "Partly"})
"""Answers that may open a longer reply ("no, I'm afraid I didn't get to it")."""
PREFIX_REQUESTS: Mapping[str, tuple[str, str]] = MappingProxyType({"RepairPhrase": SLOT_LISTS["RepairPhrase"]})
"""Requests that may run on after their template ("what could I say to show her I understand how
she feels"): intent -> (optional slot, list) filled from what follows."""
MIN_PREFIX_WORDS, MAX_PREFIX_WORDS = 3, 12
"""Shortest and longest opening tried as such a request."""
MAX_OPENING_WORDS = 3
"""Longest opening ("of course", "not at all") tried as the answer to a yes/no question."""
SELF_ID_METHODS = frozenset({"template", "repaired", "edited", "clause"})
"""How a self-identification ("it's Sam", "Sam here") may match: as the whole sentence, or as one
typed clause of it ("It's Sam, I'll go first"). A name inside a longer sentence ("so last night Sam
made plans") is what was said, not who said it: never read from loose words or a main clause."""
SHORT_WORDS = 10
"""Utterances up to this many words may carry a built-in anywhere ("wait I need a second, pause")."""
INSIDE_BUILTINS = frozenset(BUILTIN_INTENTS) - {"Help"}
"""Built-ins that win as one clause of a short utterance. Not Help: "I'm tongue tied, please help"
asks for help with what the rest says (a repair phrase)."""
EDGE_BUILTINS = frozenset({"Pause"})
"""Built-ins also heard at the end of an unpunctuated short utterance (speech has no commas).
Only Pause: heard by mistake it costs a "resume"; a stray "stop" or "next" would cost the answer.
Not at the start: "pause the music in the living room" is not said to attune."""
MAX_EDGE_WORDS = 4
BUILTIN_FACTOR = 0.9
"""Confidence of a built-in found inside a short utterance."""


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
    """How it matched: "template", "repaired" (misheard words fixed), "edited" (one superfluous
    word left out), "clause" (one clause of a punctuated sentence), "head" (the part before
    "when/because ..."), "spotted" (no template matched; guessed from its words, low confidence),
    or "none"."""

    @property
    def matched(self) -> bool:
        return self.intent is not None

    def to_dict(self) -> dict:
        """The JSON shape `attune parse` prints and the API accepts."""
        return {"intent": self.intent, "slots": dict(self.slots), "confidence": self.confidence,
                "text": self.text}


@dataclass(frozen=True)
class _Template:
    """One sentence template, wrapped as its own hassil `Intent` so candidates can be picked alone."""

    intent: str
    """Intent the template belongs to."""
    order: int
    """Position of the intent in INTENT_NAMES (the last tie-break)."""
    context_only: bool
    """Only counts when the step expects the intent (bare values like "lonely")."""
    single: Intent
    """hassil intent holding just this template."""
    data: IntentData
    """The template's hassil data block."""
    text: str
    """The template as written in the YAML."""
    clauses: frozenset[frozenset[str]]
    """hassil's required literal fragments: one of each inner set must appear in the text."""


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


def _spoken(intents: Intents, name: str) -> frozenset[str]:
    """Every spoken form a text slot list already takes (so a vocabulary word never doubles one:
    "down" stays sad, as lists.yaml maps it)."""
    slot_list = intents.slot_lists.get(name)
    spoken: set[str] = set()
    for value in getattr(slot_list, "values", []):
        texts = [value.text_in.text] if isinstance(value.text_in, TextChunk) else sample_expression(value.text_in)
        spoken.update(normalize(t) for t in texts)
    return frozenset(spoken)


def _flatten_lists(intents: Intents) -> None:
    """Expand templated list values ("(alone|lonesome)" -> lonely) into plain ones.

    hassil indexes plain values in a trie and must try every templated value at every
    position, so flat lists match several times faster. Same values, same outputs.
    """
    for name, slot_list in list(intents.slot_lists.items()):
        if not isinstance(slot_list, TextSlotList):
            continue
        flat: list[TextSlotValue] = []
        for value in slot_list.values:
            if isinstance(value.text_in, TextChunk):
                flat.append(value)
                continue
            for spoken in dict.fromkeys(normalize(t) for t in sample_expression(value.text_in)):
                flat.append(TextSlotValue(text_in=TextChunk(spoken), value_out=value.value_out,
                                          context=value.context, metadata=value.metadata))
        flat_list = TextSlotList(name=slot_list.name, values=flat)
        flat_list.get_candidates("")  # build hassil's value index now, before any thread matches
        intents.slot_lists[name] = flat_list




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
                    index = len(self._templates)
                    one.__dict__["sentences"] = [sentence]  # hassil's cached_property, filled with the parse we have
                    clauses = sentence.get_required_clauses(intents.expansion_rules)
                    self._templates.append(
                        _Template(name, order, context_only, Intent(name, [one]), one, text, clauses))
                    for word in words:
                        postings.setdefault(word, set()).add(index)
            self._vocab[name] = frozenset(words_of_intent)
        self._postings = {w: frozenset(ids) for w, ids in postings.items()}
        self.skip_vocabulary = frozenset(w for s in intents.skip_words for w in normalize(s).split())
        self.vocabulary = frozenset().union(*self._vocab.values()) | self.skip_vocabulary
        self._repairer = WordRepairer(self.vocabulary)
        self._inside_words = frozenset().union(*(self._vocab.get(n, frozenset()) for n in INSIDE_BUILTINS)) \
            | self.skip_vocabulary
        self._timeout_words = self._vocab.get("TimeOut", frozenset()) | self.skip_vocabulary
        self._edge_words = frozenset().union(*(self._vocab.get(n, frozenset()) for n in EDGE_BUILTINS)) \
            | self.skip_vocabulary
        partners = intents.slot_lists.get("partner")
        self._partner_words = frozenset(
            w for v in getattr(partners, "values", []) if isinstance(v.text_in, TextChunk)
            for w in normalize(v.text_in.text).split())
        self.written_lists: Mapping[str, SlotList] = MappingProxyType(dict(intents.slot_lists))
        """Slot lists as written in the YAML (templated values), for compact grammars."""
        self._cache: OrderedDict[tuple[str, frozenset[str]], MatchResult] = OrderedDict()
        self._spotter: Spotter | None = None
        self.spotting = True
        """Guess from words when no template matches (see intents/spotter.py); off for outside sets."""

    @classmethod
    def load(cls, locale: str = "en", extra_lists: Mapping[str, Iterable[str]] | None = None,
             data_dir: Path | None = None) -> "Matcher":
        """Parse the locale's templates; `extra_lists` adds partner names and rituals from settings."""
        merged, sources = load_locale(locale, data_dir)
        intents = to_intents(merged, sources)
        for name, values in (extra_lists or {}).items():
            _extend_list(intents, name, values or (), keep_case=(name == "partner"))
        for name, words in slot_words(vocabulary(locale, data_dir)).items():
            taken = _spoken(intents, name)
            _extend_list(intents, name, [w for w in words if w not in taken], keep_case=False)
        written = dict(intents.slot_lists)
        _flatten_lists(intents)
        matcher = cls(intents, MappingProxyType(dict(sources)), locale)
        matcher.written_lists = MappingProxyType(written)
        return matcher

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

    def clear_cache(self) -> None:
        """Forget remembered sentences (benchmarks time the matching itself)."""
        self._cache.clear()

    def match(self, text: str, expect: Iterable[str] | None = None) -> MatchResult:
        """Match one sentence. `expect`: intents the step prefers; built-ins are always honoured."""
        expected = frozenset(expect or ())
        key = (text or "", expected)
        cached = self._cache.get(key)
        if cached is None:
            cached = self._match_text(text or "", expected)
            self._cache[key] = cached
            if len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        if cached.slots:  # callers get their own slots dict; the cached one stays intact
            return MatchResult(cached.intent, dict(cached.slots), cached.confidence, cached.text, cached.method)
        return cached

    def _match_text(self, text: str, expected: frozenset[str]) -> MatchResult:
        result = self._match_any(text, expected)
        if result.intent == "IdentifyPartner" and result.method not in SELF_ID_METHODS:
            return MatchResult(None, {}, 0.0, text)
        return result

    def _could_be(self, span: str, vocabulary: frozenset[str]) -> bool:
        """Whether every word of `span` is in `vocabulary` and not all are skip words."""
        said = set(span.split())
        return said <= vocabulary and not said <= self.skip_vocabulary

    def _builtin_inside(self, text: str, norm: str, expected: frozenset[str]) -> _Hit | None:
        """A built-in said as one clause of a short utterance, or a pause at the end of it.

        A clause the step's own intents read as well ("not that one, next": another phrase) is theirs,
        and a time-out in another clause wins over stop ("stop, we need to cool off" is a break)."""
        words = norm.split()
        if len(words) > SHORT_WORDS:
            return None
        parts = clauses(text) if len(words) > 1 else []
        parts = parts if len(parts) > 1 else []
        edges = [" ".join(words[-n:]) for n in range(1, min(MAX_EDGE_WORDS, len(words) - 1) + 1)]
        # the last clause first: "sorry, stop" stops; the edges only for a pause
        spans = [(p, INSIDE_BUILTINS, self._inside_words) for p in parts[::-1]] + \
                [(e, EDGE_BUILTINS, self._edge_words) for e in edges]
        for span, allowed, known in spans:
            if not self._could_be(span, known):
                continue  # hassil need not look (most spans, most of the time)
            hit = self._recognize(span, frozenset(), only=allowed)
            if hit is None:
                continue
            if expected - frozenset(BUILTIN_INTENTS):
                full = self._recognize(span, expected)
                if full is not None and full.intent not in BUILTIN_INTENTS:
                    continue
            if any(self._recognize(p, expected, only=frozenset({"TimeOut"})) is not None
                   for p in parts if self._could_be(p, self._timeout_words)):
                return None
            return hit
        return None

    def _match_any(self, text: str, expected: frozenset[str]) -> MatchResult:
        """Whole sentence first; then a built-in inside a short one; then its clauses (typed
        punctuation); then its main clause."""
        norm = normalize(text)
        if not norm:
            return MatchResult(None, {}, 0.0, text)
        found = self._match_sentence(norm, expected)
        # a whole-sentence template match stands, unless typed punctuation splits it into clauses
        if found is None or (found[0].intent not in BUILTIN_INTENTS
                             and (found[2] != "template" or len(clauses(text)) > 1)):
            inside = self._builtin_inside(text, norm, expected)
            if inside is not None:
                return MatchResult(inside.intent, inside.slots, BUILTIN_FACTOR, text, "builtin")
        method_scale = ("", 1.0)
        if found is None:
            parts = clauses(text)
            if len(parts) > 1:
                hits = [(h[0].rank, -i, h) for i, p in enumerate(parts)
                        if (len(p.split()) >= MIN_CLAUSE_WORDS or self._rest_is_filler(parts, i))
                        and (h := self._match_sentence(p, expected)) is not None]
                if hits:
                    found, method_scale = min(hits)[2], ("clause", CLAUSE_FACTOR)
        if found is None:
            main = head(norm, self.locale)
            if main is not None:
                found, method_scale = self._match_sentence(main, expected), ("head", HEAD_FACTOR)
        if found is None:
            answer = self._context_answer(norm, expected) or self._request_prefix(norm, expected)
            if answer is not None:
                return MatchResult(answer[0], answer[1], CONTEXT_CONFIDENCE, text, "context")
            guess = self.spotter.guess(norm, expected) if self.spotting else None
            if guess is None:
                return MatchResult(None, {}, 0.0, text)
            return MatchResult(guess.intent, dict(guess.slots), guess.confidence, text, "spotted")
        hit, confidence, method = found
        method = method_scale[0] or method
        return MatchResult(hit.intent, hit.slots, round(confidence * method_scale[1], 3), text, method)

    @property
    def spotter(self) -> Spotter:
        """The last-resort word spotter, trained on the template samples on first use (~0.2 s)."""
        if self._spotter is None:
            from intents.samples import template_samples  # samples imports hassil's sampler: only when needed

            samples = [(s.intent, s.text) for s in template_samples(self, list_tokens=True)
                       if not s.context_only]
            values: dict[str, dict[tuple[str, ...], str]] = {}
            for name, slot_list in self.intents.slot_lists.items():
                if isinstance(slot_list, TextSlotList):
                    values[name] = {tuple(normalize(v.text_in.text).split()): str(v.value_out)
                                    for v in slot_list.values if isinstance(v.text_in, TextChunk)}
            self._spotter = Spotter(samples, english_unigrams(self.locale), values, self.locale)
        return self._spotter

    def _context_answer(self, norm: str, expected: frozenset[str]) -> tuple[str, dict[str, str]] | None:
        """An answer the step asked for, read from a sentence no template matched.

        Where a feeling (need, partner) is asked for, a sentence naming exactly one, with no
        negation, answers it: "I've been completely overwhelmed with work and the kids". Where
        yes/no is asked, a reply that opens with one does: "absolutely, I felt that too".
        """
        words = norm.split()
        if not expected or not words:
            return None
        found: list[tuple[str, dict[str, str]]] = []
        unknown = sum(1 for w in words if w not in self.vocabulary)
        # about oneself, and mostly attune's words: "the kids need help with homework" is not a need
        personal = first_person(self.locale).intersection(words) and unknown <= MAX_UNKNOWN_SHARE * len(words)
        for intent, (slot, list_name) in VALUE_ANSWERS.items():
            if personal and intent in expected:
                spots = [(i, v) for i, v in self.spotter.spot_at(words, list_name) if not negated(words, i, self.locale)]
                if len({v for _i, v in spots}) > 1:  # "feeling hopeful that things get better"
                    spots = [(i, v) for i, v in spots if cued(words, i, value_cues(intent, self.locale))]
                if len({v for _i, v in spots}) == 1:
                    found.append((intent, {slot: spots[0][1]}))
        if len(found) == 1:
            return found[0]
        if found or not OPENING_ANSWERS & expected:
            return None
        answers = OPENING_ANSWERS & expected
        for n in range(min(MAX_OPENING_WORDS, len(words) - 1), 0, -1):
            hit = self._recognize(" ".join(words[:n]), answers)
            if hit is not None and hit.intent in answers:
                return hit.intent, dict(hit.slots)
        return None

    def _request_prefix(self, norm: str, expected: frozenset[str]) -> tuple[str, dict[str, str]] | None:
        """A request whose opening matches its template and whose rest names what it is for.

        "can you suggest something to tell her how much I appreciate her": the opening "can you
        suggest something" is a repair-phrase request; "appreciate" in the rest is its category.
        """
        words = (without_lead(norm, self.locale) or norm).split()
        for n in range(min(len(words) - 1, MAX_PREFIX_WORDS), MIN_PREFIX_WORDS - 1, -1):
            # only openings a request template could produce reach hassil (keeps misses fast)
            if not any(self._templates[i].intent in PREFIX_REQUESTS for i in self._candidates(words[:n])):
                continue
            opening = " ".join(words[:n])
            hit = self._recognize(opening, expected)
            if hit is None:
                continue
            if hit.intent in PREFIX_REQUESTS:
                slot, list_name = PREFIX_REQUESTS[hit.intent]
                slots = dict(hit.slots)
                values = self.spotter.spot(words[n:], list_name)
                if slot not in slots and len(values) == 1:
                    slots[slot] = values.pop()
                return hit.intent, slots
            # "what can I say" is Help on its own, but a request when the rest names what for
            request = self._recognize(opening, expected | PREFIX_REQUESTS.keys())
            if request is not None and request.intent in PREFIX_REQUESTS:
                slot, list_name = PREFIX_REQUESTS[request.intent]
                values = self.spotter.spot(words[n:], list_name)
                if len(values) == 1:
                    return request.intent, {**request.slots, slot: values.pop()}
            return None  # the longest opening that means something means something else
        return None

    def _rest_is_filler(self, parts: list[str], index: int) -> bool:
        """True when every clause but one is only skip words ("honestly? hurt.")."""
        return all(set(p.split()) <= self.skip_vocabulary for i, p in enumerate(parts) if i != index)

    def _match_sentence(self, norm: str, expected: frozenset[str]) -> tuple[_Hit, float, str] | None:
        """Exact template match; else without a leading "okay so" or a trailing "with you"; else
        with one superfluous word left out; else with misheard words repaired."""
        hit = self._recognize(norm, expected)
        if hit is not None:
            return hit, 1.0, "template"
        rest = without_lead(norm, self.locale)
        if rest is not None:
            hit = self._recognize(rest, expected)
            if hit is not None:
                return hit, LEAD_FACTOR, "template"
        short = without_tail(rest or norm, self._partner_words, self.locale)
        if short is not None:
            hit = self._recognize(short, expected)
            if hit is not None:
                return hit, TAIL_FACTOR, "template"
        words = (rest or norm).split()
        if MIN_EDIT_WORDS <= len(words) <= MAX_EDIT_WORDS and set(words) <= self.vocabulary:
            for shorter in one_word_shorter(words, self.locale):
                hit = self._recognize(shorter, expected)
                if hit is not None:
                    return hit, EDIT_FACTOR, "edited"
        repair = self._repairer.repair(words)
        if repair is not None:
            hit = self._recognize(repair.text, expected)
            if hit is not None:
                return hit, repair_confidence(repair.score), "repaired"
        return None

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

    def _recognize(self, norm: str, expected: frozenset[str], only: frozenset[str] | None = None) -> _Hit | None:
        """Best hassil match: an expected intent, else a built-in, else a bare expected value, else any
        (`only`: among these intents' templates alone)."""
        candidates = self._candidates(norm.split())
        if only is not None:
            candidates = [i for i in candidates if self._templates[i].intent in only]
        if not candidates:
            return None

        def tier(index: int) -> int:
            t = self._templates[index]
            if t.intent in expected:
                return 2 if t.context_only else 0
            if t.context_only:
                return 9
            return 1 if t.intent in BUILTIN_INTENTS else 3

        def specificity(index: int) -> int:
            """How many of the template's required literal parts the text has (try those first)."""
            return sum(any(f in norm for f in clause) for clause in self._templates[index].clauses)

        ranked = sorted((tier(i), -specificity(i), i) for i in candidates)
        ranked = [(rank, i) for rank, _spec, i in ranked if rank != 9]
        if not ranked:
            return None
        # One hassil call over the candidates in rank order: its first result is the best one.
        by_data = {id(self._templates[i].data): (rank, i) for rank, i in ranked}
        pool = Intents(language=self.intents.language,
                       intents={str(i): self._templates[i].single for _rank, i in ranked},
                       slot_lists=self.intents.slot_lists, expansion_rules=self.intents.expansion_rules,
                       skip_words=self.intents.skip_words, settings=self.intents.settings)
        for result in recognize_all(norm, pool, language=self.locale):
            rank, index = by_data[id(result.intent_data)]
            t = self._templates[index]
            allowed = SLOT_NAMES.get(t.intent, ())
            slots = {k: str(e.value) for k, e in result.entities.items() if k in allowed}
            return _Hit(t.intent, slots, (rank, t.order))
        return None
