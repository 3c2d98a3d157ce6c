"""pocketsphinx first, Whisper second: the default recognizer.

Commands: pocketsphinx's grammar search runs live as the audio comes (as on its own); when the
utterance ends, Whisper encodes it once and scores candidate sentences of the step's grammar on
that encoding: pocketsphinx's lattice n-best and Whisper's own readings mapped to the nearest
grammar sentences (`voice.asr.fsg.nearest_sentences`). The best-scoring one is taken when it is within
`margin` of the best sentence Whisper would write freely; otherwise the utterance is rejected.
Every candidate is a complete sentence of the step's grammar, so what is accepted always parses.

Dictation: Whisper transcribes the answer, with the step's vocabulary as its prompt; an answer
Whisper thinks holds no speech, or reads with a very low probability, comes out empty.
"""

from __future__ import annotations

import itertools
import re
import threading
import time

from intents.grammar import RESPELL
from intents.text import normalize

from voice.audio.sources import RATE
from voice.asr.fsg import graph_accepts, nearest_sentences, unique_completion
from voice.asr.base import RecognizerBase, Transcript
from voice.asr.grammar import Grammar
from voice.asr.whisper import WhisperEngine, timed, written
from voice.asr.whisper_models import DEFAULT_MODEL, PACKAGED

MARGIN = PACKAGED[DEFAULT_MODEL].margins[0]
"""The default model's (each packaged model has its own pair in `voice.asr.whisper_models.PACKAGED`).
A grammar sentence is accepted when its log-probability is at most this far below the best
free reading's, in nats per token of Whisper's own reading, when pocketsphinx heard something else.
Per token, a long order is not held to the same total as "give me a hug". Chosen on the development
half of the coffee orders (bench/speech-to-intent/policies.py; bench/results has the held-out half)."""
AGREED_MARGIN = PACKAGED[DEFAULT_MODEL].margins[1]
"""The margin (per token) when pocketsphinx's own accepted result is the sentence Whisper scores best:
two models agreeing is stronger evidence than Whisper's score alone (synthetic voices that Whisper
reads badly, "start our tightly degree", are still its best grammar sentence). Chosen with MARGIN."""
NO_SPEECH = 0.6
"""Dictation: above this no-speech probability an answer is empty; commands: rejected above it when
pocketsphinx rejected the utterance too."""
MIN_AVG_LOGPROB = -1.0
"""Dictation: a reading whose average token log-probability is below this is taken as noise."""
NBEST = 60
"""Lattice paths of pocketsphinx searched for complete sentences."""
MAX_CANDIDATES = 24
SHORT_PENALTY = 4.0
"""Nats taken off a candidate for each word it has fewer than Whisper's own reading: align() gives
no end-of-text probability, so a short sentence that explains only the start of the audio ("star it"
for "start our nightly debrief") otherwise scores well for having fewer tokens to pay for."""

_NUMBERS = {str(i): w for i, w in enumerate("zero one two three four five six seven eight nine ten eleven "
                                             "twelve".split())}
_EXPAND = {"i would": "i'd", "i will": "i'll", "i am": "i'm", "do not": "don't", "can not": "can't",
           "let us": "let's", "that is": "that's", "it is": "it's"}


def grammar_words(text: str) -> list[str]:
    """Whisper's writing in the grammar's words: lowercase, digits spelled, no punctuation."""
    norm = " " + normalize(text.replace("-", " ")) + " "
    for long, short in _EXPAND.items():
        norm = norm.replace(f" {long} ", f" {short} ")
    out = []
    for w in norm.split():
        w = _NUMBERS.get(w, w)
        out.extend(RESPELL.get(w, w).split())
    return out


def vocabulary_prompt(matcher, intents, limit: int = 60) -> str | None:
    """The step's words for Whisper's prompt: its intents' vocabulary (slot values included), so
    the feelings and needs a routine asks about are spelled as the routine spells them."""
    if matcher is None or not intents or not hasattr(matcher, "intent_vocabulary"):
        return None
    words: list[str] = []
    for name in intents:
        try:
            words += sorted(matcher.intent_vocabulary(name))
        except KeyError:
            continue
    words = [w for w in dict.fromkeys(words) if len(w) > 3][:limit]
    return ", ".join(words) + "." if words else None


_VOCABS: dict[int, tuple] = {}


def _vocabulary(graph: tuple) -> frozenset[str]:
    """Every word of a step's graph (kept per graph: asked at every utterance)."""
    cached = _VOCABS.get(id(graph[2]))
    if cached is None or cached[0] is not graph[2]:
        cached = _VOCABS[id(graph[2])] = (graph[2], frozenset(t[3] for t in graph[2] if len(t) == 4))
        while len(_VOCABS) > 8:
            _VOCABS.pop(next(iter(_VOCABS)))
    return cached[1]


def _joined(sentence: str, vocabulary: frozenset[str]) -> str:
    """Words the templates split for the pronunciation dictionary, written whole for Whisper
    ("de brief" -> "debrief"), as it would write them: the split spelling cost ~8 nats."""
    words = sentence.split()
    out: list[str] = []
    for w in words:
        if out and out[-1] + w in vocabulary:
            out[-1] += w
        else:
            out.append(w)
    return " ".join(out)


def whisper_candidates(graph: tuple, reading) -> list[str]:
    """Grammar sentences nearest to Whisper's own readings ("ice mocha" -> "iced mocha")."""
    out: list[str] = []
    readings = list(dict.fromkeys(tuple(grammar_words(t)) for t in reading.texts))[:3]  # most differ in commas
    for heard_words in readings:
        for _cost, words in nearest_sentences(graph, list(heard_words), max_edits=3, limit=3):
            if " ".join(words) not in out:
                out.append(" ".join(words))
    return out


class TwoPassRecognizer(RecognizerBase):
    """A first-pass recognizer (pocketsphinx) with Whisper as the second pass."""

    engine = "pocketsphinx+whisper"
    SKIP_CONFIDENCE: float | None = None
    """pocketsphinx's accepted result is taken without the second pass at or above this confidence
    (None: never). Set only where the development half showed it safe (bench/results)."""
    early_scoring = True
    """The early start also scores Whisper's own grammar sentences (off: it only encodes and reads)."""

    def __init__(self, first, whisper: WhisperEngine, margin: float = MARGIN, agreed_margin: float = AGREED_MARGIN,
                 prompt: bool = True, wake_rest_margin: float | None = None, wake_phrase_words: int | None = None):
        self.first = first
        self.whisper = whisper
        self.margin = margin
        self.agreed_margin = agreed_margin
        # The wake check's settings for this Whisper model (None: the check's own defaults): the rest's
        # margin, and how many words the phrase of a woken command may be read as.
        self.wake_rest_margin = wake_rest_margin
        self.wake_phrase_words = wake_phrase_words
        self.use_prompt = prompt
        self.skip_confidence = self.SKIP_CONFIDENCE
        self.model = f"{first.model}; {whisper.model}"
        self._grammar: Grammar | None = None
        self._buffer: list[bytes] = []
        self._bytes = 0
        self._early: dict | None = None  # the second pass started early (`prepare`)
        self._waited = 0.0
        self.last: dict = {}
        """What the last finish() weighed (candidates and scores), for benchmarks and tests."""

    def describe(self) -> str:
        return (f"pocketsphinx ({self.first.model}) first, then {self.whisper.describe()}, "
                f"margins {self.margin:g} / {self.agreed_margin:g} a token")

    def start(self, grammar: Grammar | None = None, partials: bool = True) -> None:
        self._grammar = grammar
        self._buffer = []
        self._bytes = 0
        self._early = None
        if grammar is not None:
            self.first.start(grammar, partials=partials)

    def feed(self, pcm: bytes) -> str | None:
        self._buffer.append(pcm)
        self._bytes += len(pcm)
        if self._grammar is not None:
            return self.first.feed(pcm)
        return None

    def prepare(self, remaining_ms: int) -> None:
        """Start Whisper's encoding and free reading of the audio so far in the background: the speech
        has gone quiet, and the utterance ends if it stays quiet `remaining_ms` more. Called again
        while quiet, it does nothing; once speech has come back, it starts again."""
        if self._early is not None and self._bytes - self._early["at"] <= self._early["allow"]:
            return
        pcm = b"".join(self._buffer)
        prompt = self.prompt_text if self.use_prompt else None
        job = {"at": self._bytes, "allow": (remaining_ms + 60) * RATE // 1000 * 2, "result": None}
        command = self._grammar is not None

        graph = self._grammar.graph if command else None

        def work():
            enc = self.whisper.encode(pcm)
            reading = self.whisper.read(enc, None, 5) if command else \
                self.whisper.read(enc, prompt, n=1, max_length=200)
            if graph is not None and self.early_scoring:
                # Whisper's own candidates need nothing from pocketsphinx: scored now, they are cached
                # on the encoding and only pocketsphinx's own are left once the utterance has ended
                mine = enc.memo["candidates"] = whisper_candidates(graph, reading)
                self.whisper.score(enc, self._texts(mine, reading, graph))
            job["result"] = (enc, reading)

        job["thread"] = threading.Thread(target=work, name="attune-whisper-early", daemon=True)
        job["thread"].start()
        self._early = job

    def _prepared(self):
        """(encoding, reading) from `prepare` when nothing but the trailing quiet came after it, else None."""
        job, self._early = self._early, None
        if job is None:
            return None
        waited = time.perf_counter()
        job["thread"].join()
        self._waited = time.perf_counter() - waited
        if self._bytes - job["at"] > job["allow"] or job["result"] is None:
            return None
        return job["result"]

    def rewind(self) -> None:
        """The utterance is to be decoded again from its start: the first pass's running mean as it began."""
        self.first.rewind()

    def abandon(self) -> None:
        """End the utterance without a result: the first pass stops, the second never runs (the wake
        phrase's check wanted the audio decoded another way)."""
        self._early = None
        if self._grammar is not None:
            self.first.finish()
        self._grammar = None

    def finish(self) -> Transcript:
        pcm = b"".join(self._buffer)
        self.last = {}
        if self._grammar is None:
            return self._dictate(pcm, self._prepared())
        first, t_first = timed(self.first.finish)
        if self.skip_confidence is not None and first.accepted and first.confidence >= self.skip_confidence:
            # sure enough on its own: the early thread is left to finish unread
            self._early = None
            self.last = {"first": first.text, "first_accepted": True, "first_confidence": first.confidence,
                         "text": first.text, "skipped": True, "seconds": {"first": t_first}}
            return self._finished(first.text, first.confidence, "command", first.decode_seconds, len(pcm), None)
        early = self._prepared()
        out = self._rescore(pcm, first, early)
        if "seconds" in self.last:
            self.last["seconds"].update(first=t_first, wait_early=self._waited if early is not None else 0.0)
        return out

    # -- commands --------------------------------------------------------------------------

    def _lattice_sentences(self) -> list[str]:
        """Complete grammar sentences among pocketsphinx's n-best paths of the utterance just decoded."""
        graph = self._grammar.graph
        out: list[str] = []
        try:
            paths = itertools.islice(self.first._command.nbest(), NBEST)
            for h in paths:
                words = [w.split("(")[0] for w in h.hypstr.split()]
                done = unique_completion(graph, words) if words else None
                if done and " ".join(done) not in out:
                    out.append(" ".join(done))
                if len(out) >= 6:
                    break
        except Exception:  # no lattice: nothing decoded
            pass
        return out

    @staticmethod
    def _texts(candidates: list[str], reading, graph: tuple) -> list[str]:
        """What is scored: the candidates as Whisper writes (ending as its own reading ends), then its readings."""
        free = [t for t in dict.fromkeys(reading.texts) if t]
        end = "?" if free and free[0].endswith("?") else "."
        vocab = _vocabulary(graph)
        return [written(_joined(c, vocab), end) for c in candidates] + free

    def _rescore(self, pcm: bytes, first: Transcript, early=None) -> Transcript:
        started = time.perf_counter()
        graph = self._grammar.graph
        if graph is None or not pcm:
            return first
        candidates: list[str] = []
        if first.text and graph_accepts(graph, first.text.split()):
            candidates.append(first.text)
        lattice, t_lattice = timed(self._lattice_sentences)
        candidates += [c for c in lattice if c not in candidates]
        # the first pass's neighbours: one or two words it may have misheard ("start an nightly de
        # brief" -> "start our nightly debrief"), for Whisper to tell apart
        heard = first.text.split() if first.text else (lattice[0].split() if lattice else [])
        neighbours, t_near = timed(nearest_sentences, graph, heard, max_edits=2, limit=10) if heard else ([], 0.0)
        for _cost, words in neighbours:
            if " ".join(words) not in candidates:
                candidates.append(" ".join(words))
        if early is not None:
            (enc, reading), t_encode, t_read = early, 0.0, 0.0
        else:
            enc, t_encode = timed(self.whisper.encode, pcm)
            reading, t_read = timed(self.whisper.read, enc, None, 5)
        mine, t_mine = (enc.memo["candidates"], 0.0) if "candidates" in enc.memo else \
            timed(whisper_candidates, graph, reading)
        candidates += [c for c in mine if c not in candidates]
        candidates = candidates[:MAX_CANDIDATES]
        free = [t for t in dict.fromkeys(reading.texts) if t]
        scored, t_score = timed(self.whisper.score, enc, self._texts(candidates, reading, graph))
        n_free = max((len(grammar_words(t)) for t in free[:1]), default=0)
        cand_scores = [sc - SHORT_PENALTY * max(0, n_free - len(c.split()))
                       for sc, c in zip(scored[:len(candidates)], candidates)]
        best_free = max(scored[len(candidates):], default=max(cand_scores, default=0.0))
        reason = None
        text = ""
        confidence = 0.0
        free_tokens = max(1, len(self.whisper.tokens(free[0]))) if free else 1
        if candidates:
            i = max(range(len(candidates)), key=lambda k: cand_scores[k])
            text = candidates[i]
            gap = max(0.0, best_free - cand_scores[i]) / free_tokens
            agreed = first.accepted and first.text == text
            margin = self.agreed_margin if agreed else self.margin
            confidence = max(0.0, 1.0 - gap / (2 * margin))
            if gap > margin:
                reason = f"Whisper heard something else ({gap:.2f} a token below its own reading)"
            elif not first.accepted and reading.no_speech > NO_SPEECH:
                # both models doubt it is speech: kitchen clatter read as "okay, okay" by Whisper
                # came within the margin of "okay go" (no_speech 0.84-0.91 on such noise)
                reason = f"no speech (Whisper {reading.no_speech:.2f}, and pocketsphinx rejected it)"
        else:
            reason = "no sentence of the grammar near what was heard"
        self.last = {"first": first.text, "first_accepted": first.accepted, "first_confidence": first.confidence,
                     "text": text, "early": early is not None,
                     "gap": (best_free - cand_scores[candidates.index(text)]) / free_tokens if text else None,
                     "free_tokens": free_tokens, "candidates": candidates, "scores": cand_scores,
                     "free": free, "free_scores": scored[len(candidates):], "no_speech": reading.no_speech,
                     "encoded": enc,  # for the wake phrase's check (voice.wake.check), on the same encoding
                     "seconds": {"lattice": t_lattice, "neighbours": t_near, "whisper_sentences": t_mine,
                                 "encode": t_encode, "read": t_read, "score": t_score}}
        spent = first.decode_seconds + time.perf_counter() - started
        return self._finished(text, confidence, "command", spent, len(pcm), reason)

    def _finished(self, text, confidence, mode, spent, n_bytes, reason) -> Transcript:
        text = " ".join(text.split())
        if reason is None and not text:
            reason = "nothing recognized"
        return Transcript(text=text if reason is None else "", confidence=round(confidence, 3),
                          accepted=reason is None, engine=self.engine, mode=mode, decode_seconds=spent,
                          audio_seconds=n_bytes / 2 / RATE, reason=reason)

    # -- dictation -------------------------------------------------------------------------

    prompt_text: str | None = None
    """The routine's vocabulary, given to Whisper as what came before (set by the loop)."""

    def _dictate(self, pcm: bytes, early=None) -> Transcript:
        started = time.perf_counter()
        if not pcm:
            return self._finished("", 0.0, "dictation", 0.0, 0, None)
        if early is not None:
            reading = early[1]
        else:
            enc = self.whisper.encode(pcm)
            reading = self.whisper.read(enc, self.prompt_text if self.use_prompt else None, n=1, max_length=200)
        text = reading.texts[0] if reading.texts else ""
        reason = None
        if reading.no_speech > NO_SPEECH:
            reason = f"no speech (Whisper {reading.no_speech:.2f})"
        elif reading.scores and reading.scores[0] < MIN_AVG_LOGPROB:
            reason = f"too unsure to be speech (average log-probability {reading.scores[0]:.2f})"
        elif not re.search(r"[A-Za-z0-9]", text):
            reason = "nothing recognized"
        self.last = {"text": text, "no_speech": reading.no_speech, "scores": reading.scores}
        return self._finished(text, 1.0 if reason is None else 0.0, "dictation",
                              time.perf_counter() - started, len(pcm), reason)
