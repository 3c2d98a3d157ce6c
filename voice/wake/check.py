"""Whisper's check of a woken utterance: did the wake phrase really begin it, and what followed?

With the Whisper engine the keyphrase spotter is only a fast, high-recall first stage (without its
phone-loop check, `FIRST_STAGE`): it fires on the phrase and on many look-alikes ("and then",
"a tune", "can you"). From where it placed the phrase's end, the two-pass recognizer decodes the rest
of the utterance with the step's grammar. When the utterance ends (`decide`):

- speech followed the phrase and the second pass's best sentence for it is within `rest_margin` of
  Whisper's own reading of that audio: that command;
- else the whole utterance is decoded with the step's grammar behind the phrase and judged
  (`judge`): the phrase alone ("Attune.") and the best commands written as a person addresses
  someone ("Attune, next.") are scored on its encoding against Whisper's free reading. The commands
  are the second pass's best and those read off Whisper's own readings split after their first one
  to three words (`split_commands`: "At you, next." -> "attune next"), so where the phrase ends is
  Whisper's to say, not the spotter's:
  - the best command within `command_margin` nats of the free reading (and no worse than the
    phrase alone, when the phrase could be alone): a command;
  - else the phrase alone within `wake_margin`: the wake phrase alone (the earcon; the next
    utterance is the command);
  - else: not addressed to attune (a look-alike inside conversation); nothing is said.

The margins were chosen on development halves of the wake benches (bench/results/wake-check.md,
bench/results/wake-round3.md, bench/results/wake-round5.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from voice.asr.fsg import nearest_sentences
from voice.asr.second_pass import grammar_words
from voice.asr.whisper import written
from voice.wake.phrase import COMMAND, NOT_ADDRESSED, WAKE_ONLY, normalise_phrases

WAKE_MARGIN = 11.0
"""Nats the phrase alone may score below Whisper's free reading (chosen on the development half)."""
COMMAND_MARGIN = 15.0
"""Nats the best "attune, <command>" may score below Whisper's free reading (likewise; a looser margin takes
look-alikes in conversation as commands)."""
AFTER_S = 0.3
"""The phrase alone has less speech than this after it (`voice.wake.phrase.MIN_COMMAND_S`; chosen with the margins)."""
RESCORED = 4
"""How many of the second pass's best command sentences are scored again in the addressing style."""
SHORT_PENALTY = 4.0
"""Nats off for each word a sentence has fewer than Whisper's reading: align() gives no end-of-text
probability, so "Attune." would otherwise explain the start of "a tune on the radio" cheaply (the same
rule as `voice.asr.second_pass.SHORT_PENALTY`)..."""
PHRASE_WORDS = 3
"""...except that the phrase alone may be read as up to this many words a phrase word: Whisper tiny.en
does not know "attune" and writes it "a tune", "I do" or "I'll tune it"."""

SPLIT_EDITS = 2
"""Word edits allowed between the rest of a Whisper reading (after the words taken as the phrase) and a
grammar sentence (`split_commands`)."""
SPLIT_READINGS = 3
"""Whisper's readings of the whole utterance that are split (`split_commands`)."""

REST_MARGIN = 2.0
"""The command read on the audio after the phrase is taken when the second pass's best sentence is within
this many nats a token of Whisper's own reading of that audio (chosen on the development half:
bench/results/wake-round3.md; at 2.5 the development conversation took a command)."""

FIRST_STAGE = {"verify": False, "second_look": False}
"""The spotter's settings when Whisper checks what it finds: the keyphrase search alone, without its
phone-loop check. It finds more of the phrases in noise and fires on several times as many look-alikes
(about 6 a minute of conversation in kitchen noise), which this check then turns away
(bench/results/wake-round3.md)."""


@dataclass(frozen=True)
class Verdict:
    """What a woken utterance was, by Whisper."""

    outcome: str
    """voice.wake.phrase's WAKE_ONLY, COMMAND or NOT_ADDRESSED."""
    text: str
    """The command sentence with the phrase ("attune next") when a command, else ""."""
    wake_gap: float
    """How far below the free reading the phrase alone scored (nats, after the short penalty)."""
    command_gap: float | None
    """Likewise for the best command sentence (None: the grammar had no sentence near what was heard)."""
    command: str = ""
    """The best command sentence whatever the outcome (for calibration)."""
    wake_raw: float = float("inf")
    """The phrase alone's gap before the short penalty (for calibration)."""
    free_words: int = 0
    """Words in Whisper's free reading."""
    speech_after_s: float | None = None
    """Seconds of speech after where the spotter placed the phrase's end (None: not known)."""
    rest_gap: float | None = None
    """A command read on the audio after the phrase: how far below Whisper's own reading of that audio
    (nats a token; None: the command came from the whole utterance)."""
    scored: tuple = ()
    """(command, gap before the short penalty, its floor, word edits from Whisper's split or None) of every
    command scored (for calibration)."""


def split_commands(graph: tuple, free: list[str], phrase: str) -> dict[str, int]:
    """{grammar sentence (phrase in front): fewest word edits} read off Whisper's readings of a whole woken
    utterance: each reading's first one to `PHRASE_WORDS` words taken as Whisper's spelling of the phrase
    ("at you", "I'll do it"), the rest mapped to the nearest sentences of `graph` (the step's grammar behind
    the phrase) within `SPLIT_EDITS` words; 0 edits: Whisper wrote the command itself."""
    out: dict[str, int] = {}
    seen: set[tuple[str, ...]] = set()
    for text in free[:SPLIT_READINGS]:
        words = grammar_words(text)
        for drop in range(1, min(PHRASE_WORDS, len(words) - 1) + 1):
            rest = tuple(words[drop:])
            if rest in seen:
                continue
            seen.add(rest)
            for cost, sentence in nearest_sentences(graph, phrase.split() + list(rest), max_edits=SPLIT_EDITS,
                                                    limit=3):
                joined = " ".join(sentence)
                if joined.startswith(phrase + " "):
                    out[joined] = min(cost, out.get(joined, cost))
    return out


def addressing(sentence: str, phrase: str) -> str:
    """"attune how much time is left" -> "Attune, how much time is left" (Whisper writes a comma there)."""
    rest = sentence[len(phrase):].strip() if sentence.startswith(phrase + " ") else sentence
    head = written(phrase, "")
    if rest == sentence:
        return written(sentence, "")
    body = written(rest, "")
    body = body[:1].lower() + body[1:] if not body.startswith("I ") and not body.startswith("I'") else body
    return f"{head}, {body}"


class WhisperWakeCheck:
    """Judges woken utterances with the Whisper model of a `voice.asr.second_pass.TwoPassRecognizer`."""

    def __init__(self, whisper, phrases: Iterable[str] | str, wake_margin: float = WAKE_MARGIN,
                 command_margin: float = COMMAND_MARGIN, history: list | None = None, after_s: float = AFTER_S,
                 rest_margin: float = REST_MARGIN, phrase_words: int = PHRASE_WORDS):
        self.whisper = whisper
        self.phrase_words = phrase_words
        """Words the phrase of a command may be read as before the short penalty (the phrase alone: PHRASE_WORDS)."""
        self.rest_margin = rest_margin
        self.phrases = normalise_phrases(phrases)
        self.wake_margin = wake_margin
        self.command_margin = command_margin
        self.after_s = after_s
        self.history = history
        """When a list: every verdict is appended (benchmarks calibrate the margins on it)."""

    def judge(self, recognizer, pcm: bytes, speech_after_s: float | None = None, grammar=None) -> Verdict:
        """The verdict on the woken utterance `recognizer` (the two-pass recognizer) just finished;
        `speech_after_s`: how much speech followed the phrase (the phrase alone has little after it);
        `grammar`: the step's grammar behind the phrase, for the commands read off Whisper's own
        readings (`split_commands`; None: the second pass's alone)."""
        last = getattr(recognizer, "last", None) or {}
        enc = last.get("encoded")
        free = list(last.get("free") or [])
        free_scores = list(last.get("free_scores") or [])
        if enc is None or not free:  # the second pass did not run (no grammar): read it here
            enc = self.whisper.encode(pcm)
            free = [t for t in dict.fromkeys(self.whisper.read(enc, None, 5).texts) if t]
            free_scores = self.whisper.score(enc, free) if free else []
        if not free:
            return self._keep(Verdict(NOT_ADDRESSED, "", float("inf"), None, speech_after_s=speech_after_s))
        best_free = max(free_scores)
        n_free = len(grammar_words(free[0]))
        end = "?" if free[0].endswith("?") else "."
        pairs = sorted(zip(last.get("scores") or [], last.get("candidates") or []), reverse=True)[:RESCORED]
        commands = [c for _s, c in pairs if any(c.startswith(p + " ") for p in self.phrases)]
        original = {c: s for s, c in pairs}  # the second pass's scores, short penalty included
        split: dict[str, int] = {}
        if grammar is not None and grammar.graph:
            for phrase in self.phrases:
                split.update({c: e for c, e in split_commands(grammar.graph, free, phrase).items() if c not in split})
            commands += [c for c in split if c not in commands]
        phrase_of = {c: next(p for p in self.phrases if c.startswith(p + " ")) for c in commands}
        wake_texts = [f"{phrase[:1].upper()}{phrase[1:]}{mark}" for phrase in self.phrases for mark in (".", "?")]
        styled = [addressing(c, phrase_of[c]) + end for c in commands]
        scores = self.whisper.score(enc, wake_texts + styled)
        allowed = {t: PHRASE_WORDS * len(grammar_words(t)) for t in wake_texts}
        wake_raw = max(0.0, best_free - max(scores[:len(wake_texts)]))
        wake_best = max(s - SHORT_PENALTY * max(0, n_free - allowed[t]) for t, s in zip(wake_texts, scores))
        wake_gap = max(0.0, best_free - wake_best)
        command, command_gap, scored = "", None, ()
        if commands:
            # the phrase in a command may be read as several words too ("I'll do it, next")
            rescored = [max(s - SHORT_PENALTY * max(0, n_free - len(c.split())
                                                    - (self.phrase_words - 1) * len(phrase_of[c].split())),
                            original.get(c, float("-inf")))
                        for c, s in zip(commands, scores[len(wake_texts):])]
            k = max(range(len(commands)), key=lambda i: rescored[i])
            command, command_gap = commands[k], max(0.0, best_free - rescored[k])
            scored = tuple((c, best_free - s, best_free - original.get(c, float("-inf")), split.get(c))
                           for c, s in zip(commands, scores[len(wake_texts):]))
        facts = (wake_gap, command_gap, command, wake_raw, n_free, speech_after_s)
        # the phrase alone needs little speech after it ("at noon we had lunch" reads as "Attune." nearly
        # as well as "a-tyune" does, but goes on for a second); when it cannot be the phrase alone, the
        # phrase alone scoring better ("Attune." for "attune, pause") does not stop the command
        alone = speech_after_s is None or speech_after_s < self.after_s
        # Whisper wrote the command itself after its spelling of the phrase ("That tune, pause."): a command,
        # however little speech followed where the spotter placed the phrase's end
        said = split.get(command) == 0
        if command_gap is not None and command_gap <= self.command_margin and (command_gap <= wake_gap or not alone
                                                                               or said):
            return self._keep(Verdict(COMMAND, command, *facts, scored=scored))
        if wake_gap <= self.wake_margin and alone:
            return self._keep(Verdict(WAKE_ONLY, "", *facts, scored=scored))
        return self._keep(Verdict(NOT_ADDRESSED, "", *facts, scored=scored))

    def decide(self, recognizer, pcm: bytes, phrase: str, after_s: float, woken_grammar) -> Verdict:
        """The verdict on a woken utterance whose audio after the phrase `recognizer` (the two-pass
        recognizer) has been decoding with the step's grammar; `pcm`: the whole utterance.

        Whisper misreads the phrase itself ("I'll do it", "at you", "to"), and a command scored behind
        that misreading often falls below the margin although the command was heard right; the audio
        after the phrase, read on its own, carries the command without it. With speech after the phrase
        and the second pass accepting it (`rest_margin`), that command is taken; otherwise the whole
        utterance is decoded with the phrase in front and judged as before (`judge`)."""
        if after_s >= self.after_s:
            recognizer.finish()
            # the second pass's best sentence, even when it refused it as no speech: Whisper's no-speech
            # probability runs high on audio cut right after the phrase ("Pause." read exactly, refused),
            # and the spotter has already heard speech begin here
            last = getattr(recognizer, "last", None) or {}
            text, gap = last.get("text") or "", last.get("gap")
            if text and gap is not None and gap <= self.rest_margin:
                return self._keep(Verdict(COMMAND, f"{phrase} {text}", float("inf"), None,
                                          speech_after_s=after_s, rest_gap=gap))
        else:
            recognizer.abandon()
        recognizer.last = {}
        recognizer.start(woken_grammar, partials=False)
        recognizer.feed(pcm)
        recognizer.finish()
        return self.judge(recognizer, pcm, after_s, woken_grammar)

    def confidence(self, verdict: Verdict) -> float:
        """0..1 for a command: 1 when it is Whisper's own reading, 0.5 at the margin."""
        if verdict.rest_gap is not None:
            return round(max(0.0, 1.0 - verdict.rest_gap / (2 * self.rest_margin)), 3)
        gap = verdict.command_gap or 0.0
        return round(max(0.0, 1.0 - gap / (2 * self.command_margin)), 3)

    def _keep(self, verdict: Verdict) -> Verdict:
        if self.history is not None:
            self.history.append(verdict)
        return verdict


def check_for(recognizer, phrases: Iterable[str] | str) -> WhisperWakeCheck | None:
    """The Whisper check when `recognizer` has a Whisper second pass, else None (pocketsphinx alone
    keeps `voice.wake.phrase.wake_outcome`)."""
    whisper = getattr(recognizer, "whisper", None)
    if whisper is None:
        return None

    def model_or(name: str, default):
        value = getattr(recognizer, name, None)
        return default if value is None else value

    return WhisperWakeCheck(whisper, phrases, rest_margin=model_or("wake_rest_margin", REST_MARGIN),
                            phrase_words=model_or("wake_phrase_words", PHRASE_WORDS))
