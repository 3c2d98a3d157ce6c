"""Any folder of hassil intent files (not only attune's own), parsed once and matched strictly.

    from intents.intent_set import IntentSet
    coffee = IntentSet.load("bench/speech-to-intent/intents")
    coffee.match("can i get a large latte with soy milk")
    # MatchResult(intent='orderDrink', slots={'size': 'large', 'coffeeDrink': 'latte', 'milkAmount': 'soy milk'}, ...)

It offers what the grammar exporters (`intents.grammar`, `voice.asr.fsg`) and `attune hear` / `attune
parse` use from `Matcher`, so the recognizers decode with any intent set the same way. Matching
is hassil's exact template match over the normalised text, then a near-miss word repair
(`intents.fuzzy`); attune's own routing rules (built-ins, context-only values) do not apply.
"""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType
from typing import Iterable

from hassil import Intents, recognize_all
from hassil.intents import TextSlotList

from intents.expr import Vocabulary
from intents.fuzzy import WordRepairer, repair_confidence
from intents.loader import load_folder, to_intents
from intents.matcher import MatchResult
from intents.text import normalize


class IntentSet:
    """The intents of one folder of YAML template files."""

    default_expect = None
    """What command mode listens for when no step expectation is given: every intent of the set."""

    def __init__(self, intents: Intents, locale: str, folder: Path):
        self.intents = intents
        self.locale = locale
        self.folder = folder
        self.intent_names: tuple[str, ...] = tuple(intents.intents)
        self.written_lists = MappingProxyType(dict(intents.slot_lists))
        vocab = Vocabulary(intents.expansion_rules, intents.slot_lists)
        self._vocab = {name: frozenset().union(*(vocab.words(s.expression) for d in intent.data
                                                 for s in d.sentences))
                       for name, intent in intents.intents.items()}
        self.vocabulary = frozenset().union(*self._vocab.values())
        self._repairer = WordRepairer(self.vocabulary)

    @classmethod
    def load(cls, folder: str | Path, locale: str = "en") -> "IntentSet":
        """Parse every *.yaml in `folder` (any intent names; errors name file, line and intent)."""
        return cls(to_intents(*load_folder(Path(folder), locale, names=None)), locale, Path(folder))

    def slot_values(self, list_name: str) -> tuple[str, ...]:
        """Canonical values of a slot list."""
        slot_list = self.intents.slot_lists.get(list_name)
        if not isinstance(slot_list, TextSlotList):
            raise KeyError(list_name)
        return tuple(dict.fromkeys(str(v.value_out).strip() for v in slot_list.values))

    def intent_vocabulary(self, intent: str) -> frozenset[str]:
        """Every word the intent's templates can produce."""
        return self._vocab[intent]

    def match(self, text: str, expect: Iterable[str] | None = None) -> MatchResult:
        """Exact template match (an expected intent first), else with misheard words repaired."""
        norm = normalize(text or "")
        if not norm:
            return MatchResult(None, {}, 0.0, text or "")
        found = self._recognize(norm, frozenset(expect or ()))
        if found is not None:
            return MatchResult(found[0], found[1], 1.0, text, "template")
        repair = self._repairer.repair(norm.split())
        if repair is not None and (found := self._recognize(repair.text, frozenset(expect or ()))) is not None:
            return MatchResult(found[0], found[1], repair_confidence(repair.score), text, "repaired")
        return MatchResult(None, {}, 0.0, text)

    def _recognize(self, norm: str, expected: frozenset[str]) -> tuple[str, dict[str, str]] | None:
        best = None
        for result in recognize_all(norm, self.intents, language=self.locale):
            hit = (result.intent.name, {k: str(e.value).strip() for k, e in result.entities.items()})
            if not expected or hit[0] in expected:
                return hit
            best = best or hit
        return best
