"""Pieces of a sentence worth matching on their own when the whole does not match (pure).

- Typed text with punctuation: "this is getting too heated, let's take a break" -> its clauses.
- A leading discourse marker or polite request: "okay so let's keep going" -> "let's keep going",
  "can you help me figure out my needs" -> "help me figure out my needs", "can we skip this
  question" -> "skip this question", "I'd like to log a rupture" -> "log a rupture".
- Content-free trailing words: "I want to check in with you" -> "I want to check in".
- One superfluous known word: "got another one" -> "another one" (the matcher only tries this
  when every word is template vocabulary, so device and place names never get this far).
- A trailing reason or topic: "I felt lonely when you left early" -> "I felt lonely",
  "I need fun in our life" -> "I need fun".
"""

from __future__ import annotations

import re

from intents.text import normalize

_CLAUSE_BREAK = re.compile(r"[,;:.!?\u2026]+|\s[-\u2013\u2014]+\s")
_LEAD = re.compile(r"^(?:(?:okay|alright|all right|right|so|well|oh|hey|and|but|now|look|listen|yeah so|um|uh"
                   r"|please|(?:can|could|would|will) you(?: please)?|(?:can|could|shall) we(?: please)?"
                   r"|(?:i|we)(?:'d| would) (?:like|love) to|(?:i|we) want to)\s+)+")
_SUBORDINATE = re.compile(r"\s(?:when|because|cause|since|after|while|as|if|whenever|every time|that you|about how"
                          r"|about|with how|for what|in our|in my|to make|so that)\s")

_TAIL_WORDS = frozenset(
    "with you him her them us me each other please now today tonight together again too then for right away "
    "thanks thank my partner here from".split())

MIN_CLAUSE_WORDS = 2
"""A clause shorter than this ("ok", "yes") only counts when the rest of the sentence is empty."""


def clauses(text: str) -> list[str]:
    """Normalised clauses of typed text, in order (one item when there is no punctuation)."""
    parts = [normalize(p) for p in _CLAUSE_BREAK.split(text or "")]
    return [p for p in parts if p]


def without_lead(norm: str) -> str | None:
    """The sentence without leading discourse markers, if it had any and something is left."""
    stripped = _LEAD.sub("", norm)
    return stripped if stripped and stripped != norm else None


def without_tail(norm: str, names: frozenset[str] = frozenset()) -> str | None:
    """The sentence without content-free trailing words ("... with you", "... with sam please")."""
    words = norm.split()
    end = len(words)
    while end > 1 and (words[end - 1] in _TAIL_WORDS or words[end - 1] in names):
        end -= 1
    return " ".join(words[:end]) if end < len(words) else None


FIRST_PERSON = frozenset("i i'm i've i'd i'll me my myself mine we we're we've we'd us our ourselves".split())
"""Words that make a sentence about the speaker (a feeling or need read from loose words must be)."""

NEGATIONS = frozenset(
    "not no never nothing none nobody nope nah don't didn't doesn't isn't wasn't weren't aren't can't "
    "cannot couldn't won't wouldn't shouldn't haven't hasn't hadn't without un".split())


NEGATION_REACH = 3
"""A negation this many words or fewer before a value negates it ("not really that lonely")."""


CUE_REACH = 2
"""A cue this many words or fewer before a value points at it ("I'd love more warmth and affection")."""


def _before(words: list[str], position: int, reach: int) -> list[str]:
    return words[max(0, position - reach):position]


def negated(words: list[str], position: int) -> bool:
    """Whether a negation comes shortly before the word at `position`."""
    return any(w in NEGATIONS or w.endswith("n't") for w in _before(words, position, NEGATION_REACH))


def cued(words: list[str], position: int, cues: frozenset[str]) -> bool:
    """Whether a cue word comes shortly before the word at `position`."""
    return any(w in cues for w in _before(words, position, CUE_REACH))


def one_word_shorter(words: list[str]) -> list[str]:
    """The sentence with each single word left out, in order ("I really like that one").

    Negations are never left out: "I'm not heard" must not become "I'm heard".
    """
    return [" ".join(words[:i] + words[i + 1:]) for i in range(len(words)) if words[i] not in NEGATIONS]


def head(norm: str) -> str | None:
    """The main clause before a subordinate one ("... when you left early"), if there is one."""
    found = _SUBORDINATE.search(norm)
    if not found:
        return None
    main = norm[: found.start()].strip()
    return main if len(main.split()) >= MIN_CLAUSE_WORDS else None
