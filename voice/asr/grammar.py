"""What command mode may recognize: the step grammar every engine reads, built from the intent templates.

`command_grammar(matcher, expect, engine)` gives one step's `Grammar`: a word graph for pocketsphinx
(`voice.asr.fsg`) and a phrase list for vosk (`intents.grammar`). Built in a forked child
(`built_apart`) and cached, since building one takes about a second.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections import OrderedDict
from dataclasses import dataclass
from functools import cached_property
from typing import Iterable

from intents import grammar as intents_grammar
from intents.names import REPAIR_INTENTS, STARTER_INTENTS
from voice.asr.fsg import phrase_graph, template_graph


@dataclass(frozen=True)
class Grammar:
    """What command mode may recognize: a JSGF grammar (pocketsphinx) and a phrase list (vosk)."""

    jsgf: str | None = None
    """JSGF text whose first public rule is the grammar."""
    phrases: tuple[str, ...] = ()
    """Phrases (and "[unk]") for vosk's grammar mode."""
    graph: tuple | None = None
    """(start, final, transitions, n_states) word graph for pocketsphinx (`voice.asr.fsg`); preferred over jsgf."""

    @cached_property  # asked at every utterance's start; hashing 12,000 phrases each time is waste
    def key(self) -> str:
        data = (self.jsgf or "") + "\n".join(self.phrases) + repr(self.graph[:2] if self.graph else None)
        data += str(len(self.graph[2])) if self.graph else ""
        return "g" + hashlib.sha1(data.encode("utf-8")).hexdigest()[:12]

    @classmethod
    def from_phrases(cls, phrases: Iterable[str], name: str = "attune") -> "Grammar":
        """A grammar of whole phrases (both forms), e.g. for tests and benchmarks."""
        items = list(dict.fromkeys(" ".join(p.lower().split()) for p in phrases if p.strip() and p.strip() != "[unk]"))
        body = " | ".join(items)
        jsgf = f"#JSGF V1.0;\ngrammar {name};\npublic <{name}> = {body};\n"
        return cls(jsgf=jsgf, phrases=tuple(items) + ("[unk]",), graph=phrase_graph(items))


IDLE_EXPECT: tuple[str, ...] = STARTER_INTENTS + REPAIR_INTENTS
"""What can be said with no routine running (starters and repair phrases; built-ins are always added)."""


def lru_get(cache: OrderedDict, key, build, limit: int):
    """`cache[key]`, made with `build()` on a miss; beyond `limit` entries the least recently used go."""
    value = cache.get(key)
    if value is None:
        value = cache[key] = build()
        while len(cache) > limit:
            cache.popitem(last=False)
    else:
        cache.move_to_end(key)
    return value


_GRAMMARS: OrderedDict[tuple, Grammar] = OrderedDict()


def command_grammar(matcher, expect: Iterable[str] | None = None, engine: str | None = None) -> Grammar:
    """The grammar for one step: its expected intents plus the built-ins (from the intent templates).

    With no expectation: what can be said with no routine running (`IDLE_EXPECT`), or, for an
    outside intent set (`intents.intent_set.IntentSet`), its `default_expect` (None: every intent).
    `engine`: only what that recognizer reads (pocketsphinx the word graph, vosk the phrase list;
    the idle grammar's 24,000 phrases take 0.8 s and 2 MB, wasted on pocketsphinx); None: both.
    Cached per matcher, expectation and engine, since building one takes about a second.
    """
    if expect is None:
        expect = getattr(matcher, "default_expect", IDLE_EXPECT)
    expect = None if expect is None else tuple(sorted(set(expect)))
    key = (id(matcher), expect, engine)
    if key not in _GRAMMARS:
        phrases = () if engine == "pocketsphinx" else tuple(intents_grammar.vosk_phrases(matcher, expect))
        graph = None if engine == "vosk" else built_apart(template_graph, matcher, expect)
        _GRAMMARS[key] = Grammar(jsgf=None, phrases=phrases, graph=graph)
        if len(_GRAMMARS) > 32:
            _GRAMMARS.popitem(last=False)
    return _GRAMMARS[key]


def built_apart(build, *args):
    """`build(*args)` run in a forked child, its result sent back pickled.

    Determinising a step's word graph allocates ~100 MB of short-lived sets (the feelings step:
    ~140 MB for a 27,000-arc graph); freed, it stays in the loop's resident memory anyway, since
    Python's allocator rarely hands such scattered memory back. Built in a child, the garbage dies
    with it. The child shares the loaded matcher through fork (no reloading) and touches no
    locks or files. Without fork, or if the child fails, the build runs here.
    """
    if not hasattr(os, "fork"):
        return build(*args)
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: build, send, leave without running any of the parent's cleanup
        status = 1
        try:
            os.close(read_fd)
            with os.fdopen(write_fd, "wb") as out:
                pickle.dump(build(*args), out, protocol=pickle.HIGHEST_PROTOCOL)
            status = 0
        finally:
            os._exit(status)
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as incoming:
        data = incoming.read()
    _pid, status = os.waitpid(pid, 0)
    if status != 0 or not data:
        return build(*args)
    return pickle.loads(data)
