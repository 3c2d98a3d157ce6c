"""Sentences generated from the templates with hassil's sampler, for tests, grammars and the bench.

A template like "<i_feel> [<intensity>] {feeling} [<when>]" expands to millions of sentences,
so `template_samples` runs hassil's `sample_expression` on trimmed copies of each template:
copy number j keeps one item of every alternative, optional and slot list (item (j + k) mod n
of the k-th group met), so over j = 0..n-1 every alternative and every list value is produced
at least once, and the slot values of each sample are known.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

from hassil.expression import (
    Alternative, Expression, Group, ListReference, Permutation, RuleReference, Sequence, TextChunk,
)
from hassil.intents import TextSlotList
from hassil.sample import sample_expression

from intents.names import SLOT_NAMES
from intents.text import normalize


class EmptyListError(ValueError):
    """A template refers to a slot list with no values (e.g. no partner names configured)."""


@dataclass(frozen=True)
class Sample:
    """One generated sentence and what it must match."""

    intent: str
    """Intent of the template it came from."""
    text: str
    """The sentence, normalised."""
    slots: dict[str, str] = field(default_factory=dict)
    """Slot values the match must return."""
    template: str = ""
    """The template it came from."""
    context_only: bool = False
    """True when the template only counts if the step expects the intent."""


class _Trimmer:
    """Copy an expression keeping one item per group, following rules and lists."""

    def __init__(self, matcher, seed: int, skip_optionals: bool = False, list_tokens: bool = False):
        self.rules = matcher.intents.expansion_rules
        self.lists = matcher.intents.slot_lists
        self.seed = seed
        self.skip_optionals = skip_optionals
        self.list_tokens = list_tokens
        self.counter = 0
        self.slots: dict[str, str] = {}

    def pick(self, n: int) -> int:
        self.counter += 1
        return (self.seed + self.counter) % n

    def trim(self, expr: Expression) -> Expression:
        if isinstance(expr, TextChunk):
            return expr
        if isinstance(expr, Alternative):
            if expr.is_optional and self.skip_optionals:
                return TextChunk("")
            return self.trim(expr.items[self.pick(len(expr.items))])
        if isinstance(expr, Permutation):
            return Sequence(items=[self.trim(item) for item in expr.items])
        if isinstance(expr, Group):
            return Sequence(items=[self.trim(item) for item in expr.items])
        if isinstance(expr, RuleReference):
            return self.trim(self.rules[expr.rule_name].expression)
        if isinstance(expr, ListReference) and self.list_tokens:
            return TextChunk(f" {list_token(expr.list_name)} ")
        if isinstance(expr, ListReference):
            slot_list = self.lists[expr.list_name]
            if not (isinstance(slot_list, TextSlotList) and slot_list.values):
                raise EmptyListError(f"slot list {expr.list_name!r} has no values")
            value = slot_list.values[self.pick(len(slot_list.values))]
            self.slots.setdefault(expr.slot_name, str(value.value_out))
            return self.trim(value.text_in)
        raise TypeError(f"unexpected expression {expr!r}")


def list_token(list_name: str) -> str:
    """One word standing for any value of a slot list ("feeling" -> "listfeeling")."""
    return "list" + "".join(ch for ch in list_name.lower() if ch.isalnum())


def group_width(expr: Expression, matcher, seen: frozenset[str] = frozenset(), lists: bool = True) -> int:
    """The widest alternative or list reachable from an expression (copies needed to cover it).

    lists=False: slot lists count as one word (samples with list tokens)."""
    if isinstance(expr, Group):
        own = len(expr.items) if isinstance(expr, Alternative) else 1
        return max([own] + [group_width(i, matcher, seen, lists) for i in expr.items])
    if isinstance(expr, RuleReference) and expr.rule_name not in seen:
        rule = matcher.intents.expansion_rules[expr.rule_name].expression
        return group_width(rule, matcher, seen | {expr.rule_name}, lists)
    if isinstance(expr, ListReference) and not lists:
        return 1
    if isinstance(expr, ListReference):
        slot_list = matcher.intents.slot_lists[expr.list_name]
        values = slot_list.values if isinstance(slot_list, TextSlotList) else []
        return max([len(values)] + [group_width(v.text_in, matcher, seen) for v in values])
    return 1


def template_samples(matcher, intents: list[str] | None = None, *,
                     skip_optionals: bool = False, list_tokens: bool = False) -> Iterator[Sample]:
    """Every template's trimmed samples (deduplicated per template), in template order.

    skip_optionals: leave every [optional] part out (the shortest sentences).
    list_tokens: write each slot list as one token (`list_token`) instead of its values: far
    fewer samples, for word statistics that should not depend on how long a list is.
    """
    for name in intents or matcher.intent_names:
        for data in matcher.intents.intents[name].data:
            context_only = bool((data.metadata or {}).get("context_only"))
            for text, sentence in zip(data.sentence_texts, data.sentences):
                seen: set[str] = set()
                for seed in range(group_width(sentence.expression, matcher, lists=not list_tokens)):
                    trimmer = _Trimmer(matcher, seed, skip_optionals, list_tokens)
                    trimmed = trimmer.trim(sentence.expression)
                    allowed = SLOT_NAMES.get(name, ())
                    slots = {k: v for k, v in trimmer.slots.items() if k in allowed}
                    slots.update({k: str(v) for k, v in (data.slots or {}).items()})
                    for sampled in sample_expression(trimmed):
                        sampled = normalize(sampled)
                        if sampled and sampled not in seen:
                            seen.add(sampled)
                            yield Sample(name, sampled, slots, text, context_only)
