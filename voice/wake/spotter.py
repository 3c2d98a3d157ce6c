"""The wake phrase spotter: pocketsphinx keyphrase search (kws) on its own small decoder.

The acoustic model of the pocketsphinx wheel with a dictionary of just the wake phrase's words
(about 8 MB resident; the full dictionary would add 22 MB more); the phrase must begin the
utterance, and a detection must also read as the phrase to a free phone loop in the same decoder
(look-alikes such as "and then" fool the keyphrase search alone). See bench/results/wake.md for
how the phrase and threshold were chosen.
"""

from __future__ import annotations

import itertools
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np

from voice.audio.sources import RATE
from voice.wake.phrase import DEFAULT_PHRASE, normalise_phrases

DEFAULT_THRESHOLD = 1e-30
"""Chosen by bench/wake_bench.py (bench/results/wake.md): the checked candidate that detected most at 10 dB
(with the second look; attune.settings' `wake_threshold` default is the same)."""
DEFAULT_MAX_START_S = 0.25
"""The wake phrase must start within this much of the utterance, which begins with the endpointer's 0.25 s of
pre-roll: right where the speech starts. Most look-alikes the check passes begin later ("... at noon");
measured in bench/results/wake.md (0.8 s against 0.25 s)."""
DEFAULT_MAX_EDITS = 1.0
"""How far the check's phone-loop reading may be from the phrase (edits by phone class; a missing first
or last phone counts half). Measured in bench/results/wake.md: within 1.5 edits the phrase is found
more often at 10 dB, but four to five times as many look-alikes pass and the whole loop takes several
false activations an hour."""
MAX_PHRASE_S = 1.5
"""Longest a wake phrase takes to say; the spotter stops listening after max_start_s + this."""
SHORT_DETECTION_S = 0.25
"""A detection this short is often the keyphrase search firing on the phrase's first phones (in noise)..."""
SECOND_LOOK_S = 0.6
"""...so when the check refuses it, the check looks again this long after the detection's start."""
MIN_PHRASE_S = 0.3
"""The shortest a wake phrase is said in (where a second look places the phrase's end)."""
FRAME_BYTES = RATE // 100 * 2
"""One pocketsphinx frame (10 ms) of 16-bit audio."""


@dataclass(frozen=True)
class Detection:
    """The wake phrase was heard."""

    phrase: str
    """Which of the wake phrases."""
    end_byte: int
    """Where it ends, in bytes from the start of the audio fed since `start()`."""
    start_byte: int = 0
    """Where it begins, likewise."""


EXTRA_PRONUNCIATIONS = {"attune": ("AH T Y UW N",)}
"""Pronunciations the CMU dictionary lacks: the British "a-tyune" (espeak-ng's en-gb voices say it so)."""
MAX_VARIANTS = 8
"""At most this many pronunciation variants of one wake phrase are searched."""


def pronunciations(words: Iterable[str], dict_path: Path) -> dict[str, tuple[str, ...]]:
    """{word: (phones, ...)} from a CMU-style dictionary plus EXTRA_PRONUNCIATIONS; raises for unknown words."""
    wanted = {w.lower() for w in words}
    found: dict[str, list[str]] = {}
    with open(dict_path, encoding="utf-8") as fh:
        for line in fh:
            entry, _, phones = line.strip().partition(" ")
            word = entry.split("(")[0]
            if word in wanted:
                found.setdefault(word, []).append(" ".join(phones.split()))
    missing = sorted(wanted - set(found))
    if missing:
        raise ValueError(f"the wake phrase has words the speech model does not know: {', '.join(missing)}")
    return {w: tuple(dict.fromkeys([*p, *EXTRA_PRONUNCIATIONS.get(w, ())])) for w, p in found.items()}


PHONE_CLASSES = {**{p: "T" for p in ("T", "TH", "DH", "D", "Z")}, **{p: "N" for p in ("N", "NG", "M")},
                 **{p: "U" for p in ("UW", "UH")}, **{p: "K" for p in ("K", "G")}, **{p: "P" for p in ("P", "B")},
                 **{p: "I" for p in ("Y", "IY", "IH")},
                 **{p: "V" for p in ("AA", "AE", "AH", "AO", "AW", "AY", "EH", "ER", "EY", "OW", "OY")}}
"""Phones the phone loop confuses on synthetic and noisy speech, merged for the wake phrase check.

The glide Y goes with the front vowels IY/IH (the phone loop reads the British "a-tyune" as "AH T IY UW"),
and Z with T (in kitchen noise the burst of the T is read as Z); measured in bench/results/wake.md."""
ONSET_S = 0.2
"""Where the speech begins in an utterance the endpointer opened on speech (its 0.25 s pre-roll less the
60 ms it takes to decide)."""
ONSET_DB = 25.0


def speech_onset(pcm: bytes) -> int:
    """Byte offset of the first 10 ms frame within ONSET_DB of the loudest one in `pcm`.

    The endpointer can open an utterance on quiet sound before the speech (a recording's faint lead-in after
    digital silence); the wake phrase's start limit then counts from where the speech begins instead."""
    n = len(pcm) // FRAME_BYTES
    if n == 0:
        return 0
    x = np.frombuffer(pcm[:n * FRAME_BYTES], dtype="<i2").astype(np.float64).reshape(n, -1)
    level = 10 * np.log10(np.mean(x ** 2, axis=1) + 1e-9)
    return int(np.argmax(level >= level.max() - ONSET_DB)) * FRAME_BYTES


def classed(phones: Iterable[str]) -> tuple[str, ...]:
    return tuple(PHONE_CLASSES.get(p, p) for p in phones)


def infix_distance(target: tuple[str, ...], heard: tuple[str, ...]) -> float:
    """Edit distance between `target` and the closest stretch of `heard` (free to skip heard's ends).

    Missing the target's first or last phone costs half: the phone loop often drops an unstressed
    first vowel or a final nasal at the edge of the stretch.
    """
    def drop(i: int) -> float:
        return 0.5 if i in (0, len(target) - 1) else 1.0

    prev = [0.0] * (len(heard) + 1)  # matching may start anywhere in `heard`
    for i, t in enumerate(target):
        cur = [prev[0] + drop(i)] + [0.0] * len(heard)
        for j, h in enumerate(heard, 1):
            cur[j] = min(prev[j] + drop(i), cur[j - 1] + 1, prev[j - 1] + (t != h))
        prev = cur
    return min(prev)  # and end anywhere


class KeyphraseSpotter:
    """pocketsphinx keyphrase spotting for one or more wake phrases, fed utterance by utterance.

    The phrase must begin the utterance (start within `max_start_s` of it, which includes the
    endpointer's pre-roll): "attune, next" is heard, "... and then I said ..." mid-sentence is not
    searched at all. Measured in bench/results/wake.md: it cuts false activations several-fold.
    """

    def __init__(self, phrases: Iterable[str] | str = (DEFAULT_PHRASE,), threshold: float = DEFAULT_THRESHOLD,
                 model_dir: str | Path | None = None, max_start_s: float = DEFAULT_MAX_START_S,
                 verify: bool = True, second_look: bool = True, max_edits: float = DEFAULT_MAX_EDITS):
        import pocketsphinx  # optional and heavy: the keyphrase decoder

        self.phrases = normalise_phrases(phrases)
        self.threshold = float(threshold)
        self.max_start_s = max_start_s
        self.verify = verify
        self.second_look = second_look
        self.max_edits = max_edits
        base = Path(model_dir) if model_dir else Path(pocketsphinx.get_model_path()) / "en-us"
        prons = pronunciations({w for p in self.phrases for w in p.split()}, base / "cmudict-en-us.dict")
        self._decoder = pocketsphinx.Decoder(hmm=str(base / "en-us"), dict=None, lm=None, dither=True,
                                             loglevel="FATAL")
        spellings: dict[str, list[str]] = {}
        for word, variants in prons.items():
            spellings[word] = [word if i == 0 else f"{word}.{i}" for i in range(len(variants))]
            for name, phones in zip(spellings[word], variants):
                self._decoder.add_word(name, phones, True)
        # every pronunciation variant of every phrase, all in one kws search with the same threshold
        self._keyphrases: dict[str, str] = {}
        for phrase in self.phrases:
            combos = itertools.product(*(spellings[w] for w in phrase.split()))
            for combo in itertools.islice(combos, MAX_VARIANTS):
                self._keyphrases[" ".join(combo)] = phrase
        path = self._kws_file()
        try:
            self._decoder.add_kws("wake", path)
        finally:
            Path(path).unlink(missing_ok=True)
        self._decoder.activate_search("wake")
        # the check: a free phone loop over the detected stretch, in the same decoder (no second model)
        self._decoder.add_allphone_file("phones", str(base / "en-us-phone.lm.bin"))
        self._decoder.activate_search("wake")
        self._targets = [classed(v.split()) for p in self.phrases
                         for v in (" ".join(c) for c in itertools.product(*(prons[w] for w in p.split())))]
        self._started = False
        self._fed = 0
        self._audio: list[bytes] = []
        self._pending: Detection | None = None

    def _kws_file(self) -> str:
        with tempfile.NamedTemporaryFile("w", suffix=".kws", delete=False, encoding="utf-8") as fh:
            for keyphrase in self._keyphrases:
                fh.write(f"{keyphrase} /{self.threshold:.0e}/\n")
        return fh.name

    def start(self) -> None:
        if self._started:
            self._decoder.end_utt()
        self._decoder.start_utt()
        self._started = True
        self._fed = 0
        self._audio = []
        self._pending = None

    @property
    def searching(self) -> bool:
        """False once the utterance is too far along for the wake phrase to begin it."""
        return self._started and self._fed < (self.max_start_s + MAX_PHRASE_S) * RATE * 2

    def feed(self, pcm: bytes) -> Detection | None:
        """Feed more of the utterance; the first detection in it, or None."""
        if self._pending is not None:
            return self._second_look(pcm)
        if not self.searching:
            return None
        self._fed += len(pcm)
        self._audio.append(pcm)
        self._decoder.process_raw(pcm, False, False)
        hyp = self._decoder.hyp()
        if hyp is None:
            return None
        segs = list(self._decoder.seg())
        if not segs:
            return None
        first = min(segs, key=lambda s: s.start_frame)
        latest = self.max_start_s * RATE * 2 + max(0, speech_onset(b"".join(self._audio)) - ONSET_S * RATE * 2)
        if first.start_frame * FRAME_BYTES > latest:
            self._fed = 1 << 40  # it began too late: not addressed to attune
            return None
        word = first.word.strip()
        phrase = self._keyphrases.get(word, word.split(".")[0])
        found = Detection(phrase, (max(s.end_frame for s in segs) + 1) * FRAME_BYTES, first.start_frame * FRAME_BYTES)
        self._fed = 1 << 40  # one detection (or one refusal) per utterance
        if not self.verify or self._sounds_like_phrase(found):
            return found
        if self.second_look and found.end_byte - found.start_byte < SHORT_DETECTION_S * RATE * 2:
            self._pending = found  # fired on the phrase's first phones (in noise): look again once it is said
        return None

    def _second_look(self, pcm: bytes) -> Detection | None:
        """A short detection the check refused, checked again once the whole phrase can have been said."""
        self._audio.append(pcm)
        found = self._pending
        fed = sum(map(len, self._audio))
        if fed < found.start_byte + SECOND_LOOK_S * RATE * 2:
            return None
        self._pending = None
        offset = max(0, found.start_byte - RATE // 10 * 2)
        heard = self._heard(b"".join(self._audio)[offset:])
        if not self.reads_as_phrase([p for p, _end in heard]):
            return None
        # where the phrase ends: the end of the phone loop's first phone at least MIN_PHRASE_S after its start
        end = next((offset + (last + 1) * FRAME_BYTES for _p, last in heard
                    if offset + (last + 1) * FRAME_BYTES - found.start_byte >= MIN_PHRASE_S * RATE * 2), fed)
        return Detection(found.phrase, min(max(end, found.end_byte), fed), found.start_byte)

    def phones(self, pcm: bytes) -> list[str]:
        """What a free phone loop hears in `pcm` (silence and noise left out). Ends the current utterance."""
        return [p for p, _last in self._heard(pcm)]

    def _heard(self, pcm: bytes) -> list[tuple[str, int]]:
        """(phone, its last frame in `pcm`) as the free phone loop hears it, silence and noise left out."""
        if self._started:
            self._decoder.end_utt()
            self._started = False
        self._decoder.activate_search("phones")
        try:
            self._decoder.start_utt()
            self._decoder.process_raw(pcm, False, True)
            self._decoder.end_utt()
            segs = [(s.word, s.end_frame) for s in self._decoder.seg()] if self._decoder.hyp() is not None else []
        finally:
            self._decoder.activate_search("wake")
        return [(p, last) for p, last in segs if p.isalpha() and p != "SIL"]

    def reads_as_phrase(self, phones: list[str]) -> bool:
        """True when a phone loop reading holds a pronunciation of a wake phrase within `max_edits`, by phone class."""
        heard = classed(phones)
        return any(infix_distance(target, heard) <= self.max_edits for target in self._targets)

    def _sounds_like_phrase(self, found: Detection) -> bool:
        """The keyphrase search compares the phrase with a phone loop frame by frame and is fooled by
        look-alikes ("and then", "can you"); the phone loop's own reading of the stretch (from 0.1 s
        before it to 0.3 s after, as far as it has been fed) must hold the phrase's pronunciation within
        `max_edits`, by phone class."""
        pcm = b"".join(self._audio)
        # the search places the phrase loosely: it often fires before the last phone
        before, after = RATE // 10 * 2, RATE * 3 // 10 * 2
        return self.reads_as_phrase(self.phones(pcm[max(0, found.start_byte - before):found.end_byte + after]))

    def finish(self) -> None:
        if self._started:
            self._decoder.end_utt()
            self._started = False

    def spot(self, pcm: bytes, chunk: int = 960) -> Detection | None:
        """Run over a whole recorded utterance as the live loop would (in 30 ms blocks)."""
        self.start()
        try:
            for i in range(0, len(pcm), chunk):
                found = self.feed(pcm[i:i + chunk])
                if found is not None:
                    return found
            return None
        finally:
            self.finish()
