"""Walk hassil expression trees: the words a template can produce (pure)."""

from __future__ import annotations

from hassil.expression import Expression, Group, ListReference, RuleReference, Sentence, TextChunk
from hassil.intents import SlotList, TextSlotList

from intents.text import normalize


class Vocabulary:
    """Words reachable from templates, rules and lists, memoised per rule and list."""

    def __init__(self, rules: dict[str, Sentence], lists: dict[str, SlotList]):
        self.rules, self.lists = rules, lists
        self._memo: dict[tuple[str, str], frozenset[str]] = {}

    def words(self, expr: Expression) -> frozenset[str]:
        if isinstance(expr, TextChunk):
            return frozenset(normalize(expr.text).split())
        if isinstance(expr, Group):
            out: set[str] = set()
            for item in expr.items:
                out |= self.words(item)
            return frozenset(out)
        if isinstance(expr, RuleReference):
            return self._named("rule", expr.rule_name)
        if isinstance(expr, ListReference):
            return self._named("list", expr.list_name)
        return frozenset()

    def _named(self, kind: str, name: str) -> frozenset[str]:
        key = (kind, name)
        if key not in self._memo:
            self._memo[key] = frozenset()  # guards against self-reference
            if kind == "rule":
                self._memo[key] = self.words(self.rules[name].expression)
            else:
                slot_list = self.lists.get(name)
                out: set[str] = set()
                if isinstance(slot_list, TextSlotList):
                    for value in slot_list.values:
                        out |= self.words(value.text_in)
                self._memo[key] = frozenset(out)
        return self._memo[key]


def list_references(expr: Expression, rules: dict[str, Sentence]) -> list[ListReference]:
    """Every {list} reference in an expression, following <rules>."""
    if isinstance(expr, ListReference):
        return [expr]
    if isinstance(expr, RuleReference):
        return list_references(rules[expr.rule_name].expression, rules)
    if isinstance(expr, Group):
        return [ref for item in expr.items for ref in list_references(item, rules)]
    return []
