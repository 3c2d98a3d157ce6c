"""Shared fan-outs in the command word graph: fewer arcs, the same sentences."""

from __future__ import annotations

from voice.asr.fsg import MIN_SHARED_FANOUT, graph_accepts, phrase_graph, unique_completion

FEELINGS = [f"feeling{i}" for i in range(40)]  # stand-ins for a slot list's values
PREFIXES = ["i feel", "i feel so", "i'm", "i'm really", "honestly i feel"]
PHRASES = [f"{p} {f}" for p in PREFIXES for f in FEELINGS] + [f"{p} {f} today" for p in PREFIXES[:2] for f in FEELINGS]


def word_arcs(graph) -> int:
    return sum(1 for t in graph[2] if len(t) == 4)


def test_a_fan_out_repeated_after_many_prefixes_is_stored_once():
    graph = phrase_graph(PHRASES)
    nulls = [t for t in graph[2] if len(t) == 3 and t[1] != graph[1]]
    assert nulls, "expected hub entries"
    # without sharing every prefix state would carry its own 40 arcs
    assert word_arcs(graph) < len(PREFIXES) * len(FEELINGS)


def test_every_sentence_is_still_accepted_and_nothing_else():
    graph = phrase_graph(PHRASES)
    for phrase in PHRASES:
        assert graph_accepts(graph, phrase.split()), phrase
    assert not graph_accepts(graph, "i feel".split())
    assert not graph_accepts(graph, "i'm really today".split())
    assert not graph_accepts(graph, "honestly i feel feeling3 today".split())  # "today" only after two prefixes


def test_unique_completion_walks_through_hubs():
    graph = phrase_graph(["give me a calm phrase"] + [f"i feel {f}" for f in FEELINGS])
    assert unique_completion(graph, "give me a".split()) == "give me a calm phrase".split()
    assert unique_completion(graph, "i feel".split()) is None  # forty ways to go on
    assert unique_completion(graph, "i feel feeling7".split()) == "i feel feeling7".split()


def test_small_fan_outs_stay_plain_arcs():
    words = [f"w{i}" for i in range(MIN_SHARED_FANOUT - 1)]
    graph = phrase_graph([f"a {w}" for w in words] + [f"b {w}" for w in words])
    assert all(len(t) == 4 or t[1] == graph[1] for t in graph[2])


def test_nearest_sentences_of_a_free_reading():
    from voice.asr.fsg import nearest_sentences, phrase_graph
    from voice.asr.second_pass import grammar_words

    graph = phrase_graph(["i'd like a latte", "i'd like a large latte", "i'd like an iced mocha", "a mocha"])
    found = nearest_sentences(graph, grammar_words("I would like an ice mocha."), max_edits=3)
    assert found[0] == (1, ["i'd", "like", "an", "iced", "mocha"])  # "would" contracted, "ice" one edit
    assert [cost for cost, _ in found] == sorted(cost for cost, _ in found)
    assert all(cost <= 3 for cost, _ in found)
    assert nearest_sentences(graph, "open the garage door please".split(), max_edits=2) == []
    assert grammar_words("Make me a 12-ounce latte!") == ["make", "me", "a", "twelve", "ounce", "latte"]
