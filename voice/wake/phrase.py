"""The wake phrase in what was decoded: the grammar with the phrase in front, what a woken
utterance was (`wake_outcome`), and the words after the phrase."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Iterable

from voice.asr.grammar import Grammar, lru_get

DEFAULT_PHRASE = "attune"


def normalise_phrases(phrases: Iterable[str] | str) -> tuple[str, ...]:
    """'attune, hey attune' or ["Attune"] -> ("attune", "hey attune"): lower case, single spaces, no repeats."""
    items = phrases.split(",") if isinstance(phrases, str) else list(phrases)
    out = tuple(dict.fromkeys(" ".join(str(p).lower().replace("-", " ").split()) for p in items))
    out = tuple(p for p in out if p)
    if not out:
        raise ValueError("at least one wake phrase is needed")
    return out


WAKE_ONLY, COMMAND, NOT_ADDRESSED = "wake", "command", "not addressed"
MIN_COMMAND_S = 0.3
"""Less speech than this after the wake phrase is no command: the next utterance is."""

MIN_WOKEN_CONFIDENCE = 0.55
"""A woken utterance is taken as a command only with at least this recognizer confidence: a grammar
path at most 0.15 below the phone loop (`voice.asr.pocketsphinx`, score_scale 1/3). Stricter than a
command heard in the addressed window (0.3): what wakes attune in the middle of conversation is far
more often a look-alike ("and then I said stop") than a command, and a wrong command there costs more.
Chosen on the wake bench's whole loop (bench/results/wake.md): with the recognizer's Viterbi scores
(no lattice pass) 0.51-0.55 takes 23 of its 48 woken commands and one command from 85 minutes of
conversation; 0.5 takes a second ("meal done"), 0.6 drops three right commands."""


def wake_outcome(result, speech_after_s: float) -> str:
    """What an utterance that began with the wake phrase was, given how the whole of it decoded.

    WAKE_ONLY: little or no speech after the phrase (open the window, play the earcon); COMMAND:
    the phrase and a command the step accepts (`with_wake_phrase`); NOT_ADDRESSED: speech that is
    no command - a look-alike of the phrase inside conversation ("and then ...") far more often
    than a misheard command (measured in bench/results/wake.md).
    """
    if speech_after_s < MIN_COMMAND_S:
        return WAKE_ONLY
    return COMMAND if result.accepted and result.confidence >= MIN_WOKEN_CONFIDENCE else NOT_ADDRESSED


_WOKEN_GRAMMARS: OrderedDict[tuple[str, tuple[str, ...]], Any] = OrderedDict()
"""(grammar key, wake phrases) -> that grammar with the phrases in front: built at most once per step,
not at every wake-up (copying ~20,000 arcs and 12,000 phrases while the utterance goes on)."""


def with_wake_phrase(grammar, phrases: Iterable[str]):
    """`grammar` with the wake phrase in front ("attune next"), for decoding a whole woken utterance.

    Decoding the whole utterance, phrase included, keeps the context and cepstral mean the
    recognizer is tuned for, and speech that only resembles the phrase scores badly against the
    phone loop over its whole length, so fewer look-alikes pass as commands.
    """
    phrases = normalise_phrases(phrases)
    return lru_get(_WOKEN_GRAMMARS, (grammar.key, phrases), lambda: _prefixed(grammar, phrases), 16)


def _prefixed(grammar, phrases: tuple[str, ...]):
    spoken = tuple(f"{w} {p}" for w in phrases for p in grammar.phrases if p != "[unk]")
    if not grammar.graph:
        return Grammar(jsgf=None, phrases=spoken + ("[unk]",))
    start, final, transitions, n_states = grammar.graph
    arcs = list(transitions)
    head = n_states
    n_states += 1
    for phrase in phrases:
        words = phrase.split()
        cur = head
        for i, word in enumerate(words):
            nxt = start if i == len(words) - 1 else n_states
            if nxt != start:
                n_states += 1
            arcs.append((cur, nxt, 1.0, word))
            cur = nxt
    return Grammar(jsgf=None, phrases=spoken + ("[unk]",), graph=(head, final, arcs, n_states))


def strip_wake_phrase(text: str, phrases: Iterable[str]) -> str:
    """"attune next" -> "next" (the longest wake phrase the text starts with)."""
    words = text.split()
    for phrase in sorted(normalise_phrases(phrases), key=len, reverse=True):
        n = len(phrase.split())
        if [w.lower() for w in words[:n]] == phrase.split():
            return " ".join(words[n:])
    return text
