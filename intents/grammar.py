"""Recognizer grammars exported from the same templates the matcher uses.

- `vosk_phrases`: phrases for vosk's grammar mode (`KaldiRecognizer(model, rate, json.dumps(phrases))`)
  covering every alternative and list value of the templates, plus "[unk]" so other speech is
  not forced into a phrase. `vosk_words` is the plain word list.
- `jsgf`: one compact JSGF grammar for pocketsphinx (`decoder.add_jsgf_string(name, text)`),
  keeping the templates' alternatives and optionals instead of expanding them. Words missing
  from the pronunciation dictionary are respelled (RESPELL) or their alternative is left out.

Both take `expect`: one step's intents (the built-ins are always added); None means everything.
"""

from __future__ import annotations

import itertools
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from hassil.expression import (
    Alternative, Expression, Group, ListReference, Permutation, RuleReference, TextChunk,
)
from hassil.intents import TextSlotList

from intents.names import BUILTIN_INTENTS
from intents.text import normalize

UNK = "[unk]"
"""vosk's catch-all token for speech outside the grammar."""

RESPELL = {"favourites": "favorites", "sorta": "sort of", "criticised": "criticized", "unpause": "un pause",
           "10": "ten"}
"""Spellings the CMU dictionary lacks -> ones it has (same sound)."""


def selected_intents(matcher, expect: Iterable[str] | None = None) -> list[str]:
    """The step's intents plus the built-ins (all intents when expect is None), in fixed order."""
    if expect is None:
        return list(matcher.intent_names)
    wanted = set(expect) | set(BUILTIN_INTENTS)
    return [name for name in matcher.intent_names if name in wanted]


def _sentences(matcher, names: list[str]):
    for name in names:
        for data in matcher.intents.intents[name].data:
            for sentence in data.sentences:
                yield name, sentence


def vosk_phrases(matcher, expect: Iterable[str] | None = None) -> list[str]:
    """Phrases covering every alternative, optional and list value of the selected templates, plus "[unk]".

    vosk treats a phrase list as weighted hints (it may join words of different phrases), so
    one phrase per alternative is enough; expanding every combination would give millions.
    """
    from intents.samples import template_samples

    names = selected_intents(matcher, expect)
    phrases = {sample.text for sample in template_samples(matcher, names)}
    phrases |= {sample.text for sample in template_samples(matcher, names, skip_optionals=True)}
    return sorted(phrases) + [UNK]


def vosk_words(matcher, expect: Iterable[str] | None = None) -> list[str]:
    """Every word the selected intents can use, sorted, plus "[unk]"."""
    words: set[str] = set()
    for name in selected_intents(matcher, expect):
        words |= matcher.intent_vocabulary(name)
    return sorted(words) + [UNK]


@lru_cache(maxsize=4)
def dictionary_words(path: str | None = None) -> frozenset[str]:
    """Words of a CMU-format pronunciation dictionary (default: pocketsphinx's bundled en-us one)."""
    if path is None:
        import pocketsphinx

        path = str(Path(pocketsphinx.get_model_path()) / "en-us" / "cmudict-en-us.dict")
    words = set()
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            word = line.split(" ", 1)[0]
            if "(" in word:  # alternate pronunciation: "word(2)"
                word = word[: word.index("(")]
            words.add(word)
    return frozenset(words)


class _JsgfWriter:
    """Turn hassil expressions into JSGF rule bodies; None means "cannot be said" (unknown words)."""

    def __init__(self, matcher, dictionary: frozenset[str] | None):
        self.rules = matcher.intents.expansion_rules
        self.lists = getattr(matcher, "written_lists", matcher.intents.slot_lists)
        self.dictionary = dictionary
        self.defs: dict[str, str | None] = {}  # JSGF rule name -> body (None: unusable)

    def words(self, text: str) -> str | None:
        out = []
        for word in normalize(text).split():
            for part in RESPELL.get(word, word).split():
                if self.dictionary is not None and part not in self.dictionary:
                    return None
                out.append(part)
        return " ".join(out)

    def named(self, name: str, make) -> str | None:
        if name not in self.defs:
            self.defs[name] = None  # recursion guard
            self.defs[name] = make()
        body = self.defs[name]
        if body is None:
            return None
        return "" if body == "" else f"<{name}>"

    def alternatives(self, bodies: list[str | None], optional: bool = False) -> str | None:
        kept = [b for b in bodies if b is not None]
        empty = optional or "" in kept
        choices = list(dict.fromkeys(b for b in kept if b))
        if not choices:
            return "" if empty else None
        body = " | ".join(choices)
        if empty:
            return f"[{body}]"
        return f"({body})" if len(choices) > 1 else choices[0]

    def emit(self, expr: Expression) -> str | None:
        if isinstance(expr, TextChunk):
            return self.words(expr.text)
        if isinstance(expr, Alternative):
            return self.alternatives([self.emit(i) for i in expr.items], expr.is_optional)
        if isinstance(expr, Permutation):
            parts = [self.emit(i) for i in expr.items]
            if any(p is None for p in parts):
                return None
            orders = [" ".join(p for p in perm if p) for perm in itertools.permutations(parts)]
            return self.alternatives(orders)
        if isinstance(expr, Group):
            parts = [self.emit(i) for i in expr.items]
            if any(p is None for p in parts):
                return None
            return " ".join(p for p in parts if p)
        if isinstance(expr, RuleReference):
            rule = self.rules[expr.rule_name]
            return self.named(f"r_{expr.rule_name}", lambda: self.emit(rule.expression))
        if isinstance(expr, ListReference):
            slot_list = self.lists.get(expr.list_name)
            values = slot_list.values if isinstance(slot_list, TextSlotList) else []
            return self.named(f"l_{expr.list_name}",
                              lambda: self.alternatives([self.emit(v.text_in) for v in values]))
        raise TypeError(f"unexpected expression {expr!r}")


def jsgf(matcher, expect: Iterable[str] | None = None, *, dictionary: frozenset[str] | None = None,
         check_dictionary: bool = True, name: str = "attune") -> str:
    """A JSGF grammar whose public rule <NAME> covers the selected intents' templates.

    Words must be in `dictionary` (default: pocketsphinx's bundled dictionary) or they are
    respelled / left out; pass check_dictionary=False to keep every word.
    """
    if dictionary is None and check_dictionary:
        dictionary = dictionary_words()
    writer = _JsgfWriter(matcher, dictionary if check_dictionary else None)
    public = []
    for intent in selected_intents(matcher, expect):
        bodies = [writer.emit(sentence.expression) for _n, sentence in _sentences(matcher, [intent])]
        body = writer.alternatives(bodies)
        if body:
            writer.defs[f"i_{intent}"] = body
            public.append(f"<i_{intent}>")
    lines = ["#JSGF V1.0;", f"grammar {name};", f"public <{name}> = {' | '.join(public)};"]
    for rule, body in writer.defs.items():
        if body:
            lines.append(f"<{rule}> = {body};")
    return "\n".join(lines) + "\n"
