"""A compact word graph for pocketsphinx command mode, built from the intent templates.

pocketsphinx's own JSGF compiler keeps every optional and rule as a null transition and
then closes over them; on attune's templates that made decoding 4 to 8 times slower than
real time. Here the same templates (the same expressions `intents.grammar.jsgf` exports)
become a word NFA, which is determinised and minimised into a graph with no null
transitions except into the final state. Decoding then runs well under real time.
"""

from __future__ import annotations

import heapq
import itertools
from collections import OrderedDict
from typing import Iterable

from hassil.expression import (
    Alternative, Group, ListReference, Permutation, RuleReference, TextChunk,
)
from hassil.intents import TextSlotList

from intents.grammar import RESPELL, dictionary_words, selected_intents
from intents.text import normalize

Transition = tuple  # (from, to, prob) or (from, to, prob, word)


class _Nfa:
    def __init__(self):
        self.eps: list[list[int]] = []
        self.arcs: list[list[tuple[str, int]]] = []

    def state(self) -> int:
        self.eps.append([])
        self.arcs.append([])
        return len(self.eps) - 1


class _Builder:
    """hassil expressions -> NFA fragments (start, end); None when a word cannot be said."""

    def __init__(self, matcher, dictionary: frozenset[str] | None):
        self.rules = matcher.intents.expansion_rules
        self.lists = matcher.intents.slot_lists
        self.dictionary = dictionary
        self.respell = RESPELL
        self.normalize = normalize
        self.nfa = _Nfa()

    def words(self, text: str):
        out = []
        for word in self.normalize(text).split():
            for part in self.respell.get(word, word).split():
                if self.dictionary is not None and part not in self.dictionary:
                    return None
                out.append(part)
        start = self.nfa.state()
        cur = start
        for word in out:
            nxt = self.nfa.state()
            self.nfa.arcs[cur].append((word, nxt))
            cur = nxt
        return start, cur

    def union(self, frags, optional=False):
        frags = [f for f in frags if f is not None]
        if not frags and not optional:
            return None
        start, end = self.nfa.state(), self.nfa.state()
        for s, e in frags:
            self.nfa.eps[start].append(s)
            self.nfa.eps[e].append(end)
        if optional:
            self.nfa.eps[start].append(end)
        return start, end

    def seq(self, frags):
        if any(f is None for f in frags):
            return None
        if not frags:
            s = self.nfa.state()
            return s, s
        for (_s1, e1), (s2, _e2) in zip(frags, frags[1:]):
            self.nfa.eps[e1].append(s2)
        return frags[0][0], frags[-1][1]

    def emit(self, expr, depth: int = 0):
        if depth > 40:
            raise ValueError("template rules nest too deeply")
        if isinstance(expr, TextChunk):
            return self.words(expr.text)
        if isinstance(expr, Alternative):
            return self.union([self.emit(i, depth + 1) for i in expr.items], expr.is_optional)
        if isinstance(expr, Permutation):
            return self.union([self.seq([self.emit(i, depth + 1) for i in order])
                               for order in itertools.permutations(expr.items)])
        if isinstance(expr, Group):
            return self.seq([self.emit(i, depth + 1) for i in expr.items])
        if isinstance(expr, RuleReference):
            return self.emit(self.rules[expr.rule_name].expression, depth + 1)
        if isinstance(expr, ListReference):
            slot_list = self.lists.get(expr.list_name)
            values = slot_list.values if isinstance(slot_list, TextSlotList) else []
            return self.union([self.emit(v.text_in, depth + 1) for v in values])
        raise TypeError(f"unexpected expression {expr!r}")


def _closure(nfa: _Nfa, states: Iterable[int]) -> frozenset[int]:
    seen = set(states)
    stack = list(seen)
    while stack:
        for nxt in nfa.eps[stack.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return frozenset(seen)


def _minimal_graph(nfa: _Nfa, start: int, final: int) -> tuple[int, int, list[Transition], int]:
    """Determinise (subset construction) and minimise an acyclic word NFA into FSG transitions."""
    def important(states: frozenset[int]) -> frozenset[int]:
        # only states with word arcs (and the final state) decide what can follow
        return frozenset(s for s in states if nfa.arcs[s] or s == final)

    dfa: dict[frozenset, dict[str, frozenset]] = {}
    first = important(_closure(nfa, [start]))
    todo = [first]
    while todo:
        cur = todo.pop()
        if cur in dfa:
            continue
        moves: dict[str, set[int]] = {}
        for s in cur:
            for word, nxt in nfa.arcs[s]:
                moves.setdefault(word, set()).add(nxt)
        dfa[cur] = {w: important(_closure(nfa, t)) for w, t in moves.items()}
        todo.extend(t for t in dfa[cur].values() if t not in dfa)

    ids: dict[tuple, int] = {}
    memo: dict[frozenset, int] = {}

    def visit(node: frozenset) -> int:  # acyclic: templates have no loops
        if node in memo:
            return memo[node]
        items = tuple(sorted((w, visit(t)) for w, t in dfa[node].items()))
        sig = (final in node, items)
        memo[node] = ids.setdefault(sig, len(ids) + 1)
        return memo[node]

    root = visit(first)
    return _shared_fanouts(root, ids)


MIN_SHARED_FANOUT = 12
"""Word arcs from one state into the same next state, at least this many, go through a shared hub."""


def _shared_fanouts(root: int, ids: dict[tuple, int]) -> tuple[int, int, list[Transition], int]:
    """FSG transitions of the minimal DFA, with big fan-outs shared through hub states.

    The minimal DFA repeats a slot list's fan-out (167 feelings) after every prefix that can
    lead to it ("i feel", "i feel so", "i'm feeling really", ...): 27,000 arcs on the feelings
    step, and pocketsphinx holds ~3 KB per arc. A state's arcs that all lead to the same next
    state with the same words are the same fan-out wherever they occur, so each distinct one is
    kept once, in a hub entered by a null transition: the same sentences, a fraction of the arcs.
    """
    n_states = len(ids) + 1
    hubs: dict[tuple[int, tuple[str, ...]], int] = {}
    transitions: list[Transition] = []
    for (is_final, items), sid in ids.items():
        by_target: dict[int, list[str]] = {}
        for word, child in items:
            by_target.setdefault(child, []).append(word)
        edges: list[tuple] = []
        for child, words in by_target.items():
            if len(words) >= MIN_SHARED_FANOUT:
                hub_key = (child, tuple(words))
                if hub_key not in hubs:
                    hubs[hub_key] = hub = n_states
                    n_states += 1
                    transitions.extend((hub, child, 1.0 / len(words), word) for word in words)
                edges.append((hubs[hub_key], None))
            else:
                edges.extend((child, word) for word in words)
        n = len(edges) + int(is_final)
        for target, word in edges:
            transitions.append((sid, target, 1.0 / n) if word is None else (sid, target, 1.0 / n, word))
        if is_final:
            transitions.append((sid, 0, 1.0 / n))
    return root, 0, transitions, n_states


def template_graph(matcher, expect: Iterable[str] | None = None,
                   dictionary: frozenset[str] | None = None) -> tuple[int, int, list[Transition], int]:
    """(start, final, transitions, n_states) covering the selected intents' templates.

    Same selection as `intents.grammar.jsgf`: the step's intents plus the built-ins, or
    everything when `expect` is None; words outside the dictionary drop their alternative.
    """
    builder = _Builder(matcher, dictionary_words() if dictionary is None else dictionary)
    frags = []
    for name in selected_intents(matcher, expect):
        for data in matcher.intents.intents[name].data:
            for sentence in data.sentences:
                frags.append(builder.emit(sentence.expression))
    top = builder.union(frags)
    if top is None:
        raise ValueError("no sayable sentence in the grammar")
    return _minimal_graph(builder.nfa, top[0], top[1])


def phrase_graph(phrases: Iterable[str]) -> tuple[int, int, list[Transition], int]:
    """The same kind of graph for a plain list of phrases."""
    nfa = _Nfa()
    start, final = nfa.state(), nfa.state()
    for phrase in phrases:
        cur = start
        for word in phrase.split():
            nxt = nfa.state()
            nfa.arcs[cur].append((word, nxt))
            cur = nxt
        nfa.eps[cur].append(final)
    return _minimal_graph(nfa, start, final)


_INDEXES: OrderedDict[int, tuple[list, tuple]] = OrderedDict()
"""id(transitions) -> (transitions, index): a step's graph is walked for every lattice path of every
utterance (up to 200), and indexing 20,000 arcs each time cost ~4 ms per walk."""


def _index(graph: tuple) -> tuple[dict[int, dict[str, int]], set[int]]:
    """(state -> {word: next state}, states that may end the sentence) of a graph, built once per graph."""
    transitions = graph[2]
    cached = _INDEXES.get(id(transitions))
    if cached is not None and cached[0] is transitions:  # the same list, not a new one at a reused id
        _INDEXES.move_to_end(id(transitions))
        return cached[1]
    index = _build_index(graph)
    _INDEXES[id(transitions)] = (transitions, index)
    if len(_INDEXES) > 8:
        _INDEXES.popitem(last=False)
    return index


def _build_index(graph: tuple) -> tuple[dict[int, dict[str, int]], set[int]]:
    start, final, transitions, _n = graph
    arcs: dict[int, dict[str, int]] = {}
    ends: set[int] = {final}
    hub_entries: list[tuple[int, int]] = []
    for t in transitions:
        if len(t) == 4:
            arcs.setdefault(t[0], {})[t[3]] = t[1]
        elif t[1] == final:
            ends.add(t[0])
        else:
            hub_entries.append((t[0], t[1]))  # a shared fan-out: its words are the state's own
    for state, hub in hub_entries:
        arcs.setdefault(state, {}).update(arcs.get(hub, {}))
    return arcs, ends


def _walk(graph: tuple, arcs: dict[int, dict[str, int]], words: list[str]) -> int | None:
    state = graph[0]
    for word in words:
        state = arcs.get(state, {}).get(word.split("(")[0])
        if state is None:
            return None
    return state


def graph_accepts(graph: tuple, words: list[str]) -> bool:
    """True when `words` is a complete path from the graph's start to its final state.

    pocketsphinx returns the best partial path when none reaches the final state; such a
    half-sentence ("... with milk and") must be rejected, not guessed.
    """
    arcs, ends = _index(graph)
    return _walk(graph, arcs, words) in ends


def unique_completion(graph: tuple, words: list[str], max_words: int = 4) -> list[str] | None:
    """`words` plus the only way the grammar lets the sentence go on to its end, or None.

    In noise the last word of an utterance is often too weak for the decoder to finish the path
    ("... with a bit of brown", "... with soy"); when the words heard allow exactly one ending
    ("sugar", "milk"), that is the sentence. When several endings are possible ("... and a")
    nothing is guessed. A complete sentence is returned unchanged.
    """
    arcs, ends = _index(graph)
    state = _walk(graph, arcs, words)
    out = [w.split("(")[0] for w in words]
    for _ in range(max_words + 1):
        if state is None:
            return None
        if state in ends:
            return out
        nexts = arcs.get(state, {})
        if len(nexts) != 1:
            return None
        (word, state), = nexts.items()
        out.append(word)
    return None


def nearest_sentences(graph: tuple, words: list[str], max_edits: int = 3, limit: int = 4,
                      budget: int = 6000) -> list[tuple[int, list[str]]]:
    """Up to `limit` (edits, sentence) of the grammar closest to `words` by word edit distance.

    For a second opinion's free transcription ("ice mocha", "I would like"): the grammar sentences
    it is nearest to, which are then scored on the audio, never taken on the distance alone.
    A uniform-cost search over (state, words read), so each pair is expanded once at its best cost.
    `budget`: search steps queued at most; with nothing near, the idle grammar's 19,700 arcs took 2 s
    at three edits (0.4 s at two) before it (what is found within the budget is returned).
    """
    arcs, ends = _index(graph)
    n = len(words)
    heap: list[tuple[int, int, int, int, tuple]] = [(0, 0, graph[0], 0, ())]
    best: dict[tuple[int, int], int] = {}
    found: list[tuple[int, list[str]]] = []
    seen_out: set[tuple] = set()
    tick = 0
    while heap and len(found) < limit and tick < budget:
        cost, _t, state, i, path = heapq.heappop(heap)
        if best.get((state, i), max_edits + 1) < cost:
            continue
        if i == n and state in ends and path not in seen_out:
            seen_out.add(path)
            found.append((cost, list(path)))
        moves = []
        if i < n:
            moves.append((cost + 1, state, i + 1, path))  # a word heard that the sentence lacks
        for word, nxt in arcs.get(state, {}).items():
            if i < n:
                moves.append((cost + (word != words[i]), nxt, i + 1, path + (word,)))
            moves.append((cost + 1, nxt, i, path + (word,)))  # a sentence word not heard
        for c, s, j, p in moves:
            if c <= max_edits and c <= best.get((s, j), max_edits + 1):
                best[(s, j)] = c
                tick += 1
                heapq.heappush(heap, (c, tick, s, j, p))
    return found
