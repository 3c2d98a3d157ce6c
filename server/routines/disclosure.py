"""Disclosure detection by rules over a normalised sentence: who does what to whom. Pure.

The rules and word classes are language data (server/data/<locale>/safety.yaml); this module
normalises a sentence (lower case, straight apostrophes, contractions expanded), removes the
figures of speech listed under `ignore`, and matches each category's templates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable, Mapping

CATEGORIES = ("self_harm", "violence", "coercion", "fear")
"""Checked in this order: self-harm first, because only it has its own spoken line."""
GAP_WORDS = {"...": 5, "..": 2}
_TOKEN = re.compile(r"\([^()]*\)\??|\S+")


class SafetyDataError(ValueError):
    """safety.yaml is malformed: the message names the template and what is wrong."""


@dataclass(frozen=True)
class Rule:
    """One template of a category, compiled."""

    category: str
    template: str
    pattern: re.Pattern[str]
    unless: re.Pattern[str] | None


@dataclass(frozen=True)
class Rules:
    """A locale's compiled safety data."""

    contractions: tuple[tuple[re.Pattern[str], str], ...]
    ignore: tuple[re.Pattern[str], ...]
    rules: tuple[Rule, ...]
    excuses: tuple[re.Pattern[str], ...] = ()
    """Contexts (sport, accidents) in which the meaning stage may not overrule the rules."""


def _words(items: Any, where: str) -> list[str]:
    # YAML reads a bare no/yes/on/off as a boolean: such words must be quoted.
    bad = [x for x in items if not isinstance(x, str)]
    if bad:
        raise SafetyDataError(f"safety.yaml: {where}: {bad!r} must be quoted strings")
    return list(items)


class _Compiler:
    def __init__(self, data: Mapping[str, Any]):
        self.classes = {k: _words(v, f"class {k}") for k, v in (data.get("classes") or {}).items()}
        barrier = "|".join(re.escape(w) for w in _words(data.get("barrier") or [], "barrier"))
        self.gap_word = rf" (?!(?:{barrier})\b)[\w']+" if barrier else r" [\w']+"
        self._expanded: dict[str, str] = {}

    def class_regex(self, name: str, template: str) -> str:
        if name not in self.classes:
            raise SafetyDataError(f"safety.yaml: template {template!r} uses unknown class {{{name}}}")
        if name not in self._expanded:
            self._expanded[name] = "(?:" + "|".join(self.sequence(p, template, gaps=False)
                                                     for p in self.classes[name]) + ")"
        return self._expanded[name]

    def word(self, word: str, template: str) -> str:
        """One word (or a {class}) as regex; each piece begins with its own leading space."""
        if word.startswith("{") and word.endswith("}"):
            return self.class_regex(word[1:-1], template)
        if not re.fullmatch(r"[a-z0-9']+\*?", word):
            raise SafetyDataError(f"safety.yaml: template {template!r}: bad word {word!r}")
        return " " + (re.escape(word[:-1]) + r"[\w']*" if word.endswith("*") else re.escape(word))

    def sequence(self, text: str, template: str, gaps: bool = True) -> str:
        out = []
        for token in _TOKEN.findall(text):
            if token in GAP_WORDS:
                if not gaps:
                    raise SafetyDataError(f"safety.yaml: {template!r}: a gap inside a group or class")
                out.append(f"(?:{self.gap_word}){{0,{GAP_WORDS[token]}}}")
            elif token.startswith("("):
                optional = token.endswith("?")
                inner = token[1:-2] if optional else token[1:-1]
                group = "(?:" + "|".join(self.sequence(alt, template, gaps=False)
                                         for alt in inner.split("|")) + ")"
                out.append(group + ("?" if optional else ""))
            else:
                optional = token.endswith("?") and len(token) > 1
                token = token[:-1] if optional else token
                group = "(?:" + "|".join(self.word(w, template) for w in token.split("|")) + ")"
                out.append(group + ("?" if optional else ""))
        return "".join(out)

    def compile(self, template: str) -> re.Pattern[str]:
        return re.compile(self.sequence(template, template) + "(?= )")


def compile_rules(data: Mapping[str, Any]) -> Rules:
    """Compile a safety.yaml document; SafetyDataError names the bad template."""
    comp = _Compiler(data)
    contractions = []
    for short, long in (data.get("contractions") or {}).items():
        short = str(short)
        edge = "" if short.startswith("'") or short.startswith("n'") else r"\b"
        contractions.append((re.compile(edge + re.escape(short) + r"\b"), str(long)))
    rules = []
    for category, templates in (data.get("rules") or {}).items():
        if category not in CATEGORIES:
            raise SafetyDataError(f"safety.yaml: unknown category {category!r}")
        for entry in templates:
            spec = entry if isinstance(entry, Mapping) else {"match": entry}
            unless = spec.get("unless")
            rules.append(Rule(category, spec["match"], comp.compile(spec["match"]),
                              comp.compile(unless) if unless else None))
    rules.sort(key=lambda r: CATEGORIES.index(r.category))
    return Rules(tuple(contractions), tuple(comp.compile(t) for t in data.get("ignore") or ()), tuple(rules),
                 tuple(comp.compile(t) for t in data.get("excuses") or ()))


def normalise(text: str, rules: Rules) -> str:
    """Lower case, straight apostrophes, contractions expanded, words joined by single spaces."""
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    for pattern, long in rules.contractions:
        text = pattern.sub(long, text)
    # A possessive stands apart ("my husband's hands" -> "my husband s hands") so "my husband" matches.
    text = re.sub(r"'s\b", " s", text)
    words = re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text)
    return " " + " ".join(words) + " "


def _prepared(text: str, rules: Rules, names: Iterable[str]) -> str:
    said = normalise(text, rules)
    # A partner named in the sentence is the partner the rules speak of ("Sam pushed me").
    for name in names:
        said = re.sub(rf" {re.escape(name.lower())}(?= )", " my partner", said)
    for pattern in rules.ignore:
        said = pattern.sub(" ~", said)
    return said


def judge(text: str, rules: Rules, names: Iterable[str] = ()) -> tuple[str | None, bool]:
    """(the category of a disclosure in `text` or None, whether the rules excused the sentence).

    Excused: a figure of speech was removed, a rule matched only in a context its `unless`
    allows (sport, an accident), or an `excuses` context is there; no second opinion then.
    """
    said = _prepared(text, rules, names)
    excused = " ~" in said or any(p.search(said) for p in rules.excuses)
    for rule in rules.rules:
        if rule.pattern.search(said):
            if not (rule.unless and rule.unless.search(said)):
                return rule.category, False
            excused = True
    return None, excused


def classify(text: str, rules: Rules, names: Iterable[str] = ()) -> str | None:
    """The category of a disclosure in `text`, or None; `names` are the partners' names."""
    return judge(text, rules, names)[0]


def explain(text: str, rules: Rules, names: Iterable[str] = ()) -> list[str]:
    """Every template that matches `text` (for the bench's error listing)."""
    said = _prepared(text, rules, names)
    return [f"{r.category}: {r.template}" for r in rules.rules
            if r.pattern.search(said) and not (r.unless and r.unless.search(said))]


@lru_cache(maxsize=8)
def rules_for(locale: str = "en") -> Rules:
    from server.routines.language import safety_data

    return compile_rules(safety_data(locale))
