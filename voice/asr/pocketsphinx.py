"""pocketsphinx: the default engine (no download), command mode on a word graph, dictation on its language model."""

from __future__ import annotations

import itertools
import math
import time
from collections import OrderedDict
from pathlib import Path

from attune.version import package_version
from voice.asr.base import MIN_CONFIDENCE, RecognizerBase, Transcript
from voice.asr.fsg import graph_accepts, unique_completion
from voice.asr.grammar import Grammar, lru_get

MAX_LOADED_SEARCHES = 1
"""Step grammars loaded in the pocketsphinx decoder at once (memory, see `_load_search`)."""


class PocketsphinxRecognizer(RecognizerBase):
    """pocketsphinx with the US English model inside its pip wheel.

    Command confidence compares the grammar's best path with a free phone loop over the same
    audio (`_command_confidence`): speech the grammar cannot explain scores below the phone loop,
    or is explained by the grammar as silence and noise around a few words that fit.
    """

    engine = "pocketsphinx"

    def __init__(self, model_dir: str | Path | None = None, min_confidence: float = MIN_CONFIDENCE,
                 score_scale: float = 1 / 3, vowel_scale: float = 1 / 6):
        import pocketsphinx  # optional and heavy: loaded only when this engine is used

        base = Path(model_dir) if model_dir else Path(pocketsphinx.get_model_path()) / "en-us"
        self._paths = {"hmm": str(base / "en-us"), "dict": str(base / "cmudict-en-us.dict"),
                       "lm": str(base / "en-us.lm.bin"), "allphone": str(base / "en-us-phone.lm.bin")}
        self.model = f"en-us, from the pocketsphinx {package_version('pocketsphinx')} wheel" if model_dir is None \
            else str(base)
        self.min_confidence = min_confidence
        self.score_scale = score_scale
        self.vowel_scale = vowel_scale
        self._ps = pocketsphinx
        # silprob 1.0: endpointed audio keeps room sound around the speech, and with the default
        # penalty a short grammar word was cheaper than silence. bestpath=False: the words come from
        # the Viterbi search, without a lattice pass at every utterance's end (`_best_complete` still
        # asks for one). History: bench/results/pocketsphinx-notes.md.
        self._command = pocketsphinx.Decoder(hmm=self._paths["hmm"], dict=self._paths["dict"], lm=None,
                                             beam=1e-30, wbeam=1e-20, pbeam=1e-30, silprob=1.0,
                                             bestpath=False, dither=True, loglevel="FATAL")
        # dict=None: the phone loop reads phones, not words, so the big dictionary is memory for nothing
        self._phone = pocketsphinx.Decoder(hmm=self._paths["hmm"], allphone=self._paths["allphone"], lm=None,
                                           dict=None, lw=2.0, dither=True, loglevel="FATAL")
        self._searches: OrderedDict[str, None] = OrderedDict()  # the step grammars loaded
        self._dictation = False  # whether the dictation search has been added
        self._active = None
        self._buffer: list[bytes] = []
        self._graph = None
        self._partials = True
        self._fsg_models: OrderedDict[str, object] = OrderedDict()  # see `_fsg_model`
        self._mean_at_start: float | None = None  # the cepstral mean's energy term as the last utterance began
        self._rewind_to: tuple | None = None  # what `rewind` puts back: as the last utterance began
        self._mean_moved = math.inf  # how far it moved between the last two starts (see MEAN_SETTLED)
        self._mode = "command"
        self._spent = 0.0
        self._bytes = 0

    DICTATION = "dictation"
    """The dictation search's name in the command decoder."""

    def _dictation_decoder(self):
        """The command decoder with the general English language model active as its search.

        One decoder, one acoustic model: a decoder of its own for dictation cost 28 MB more
        (measured, VmRSS). A search takes its beams and silence penalty from the configuration when
        it is added, so the language model is added under pocketsphinx's defaults (wide beams, the
        usual silence penalty: the same words as a separate dictation decoder gives) and the narrow
        command settings are put back for the grammars added later.
        """
        if not self._dictation:
            self._add_language_model()
            self._dictation = True
        self._command.activate_search(self.DICTATION)
        return self._command

    def _add_language_model(self) -> None:
        config = self._command.config
        command_settings = {key: config[key] for key in ("beam", "wbeam", "pbeam", "silprob", "bestpath")}
        defaults = self._ps.Config()
        try:
            for key in command_settings:
                config[key] = defaults[key]
            self._command.add_lm_file(self.DICTATION, self._paths["lm"])
        finally:
            for key, value in command_settings.items():
                config[key] = value

    def _load_search(self, key: str, add) -> None:
        """Make step grammar `key` the decoder's active search, adding it with `add()` unless loaded.

        A loaded grammar holds ~3 KB per arc (the idle grammar's 19,000 arcs: 45 MB, the feelings
        step's 10,000: 31 MB), so only `MAX_LOADED_SEARCHES` stay, and the ones a new grammar
        replaces go first (both at once were the loop's peak). Adding one again takes 0.02-0.18 s
        (measured), done as the utterance starts while its audio is buffered. With the wake
        phrase a step's grammar and its wake-phrase twin alternate: keeping both took the loop to
        229 MB, one at a time 185 MB. The dictation language model (64 MB) stays once loaded:
        removed and added again, it left the process larger than keeping it.
        """
        if key not in self._searches:
            while len(self._searches) >= MAX_LOADED_SEARCHES:
                old, _ = self._searches.popitem(last=False)
                try:
                    self._command.remove_search(old)
                except Exception:
                    pass
            add()
            self._searches[key] = None
        else:
            self._searches.move_to_end(key)
        self._command.activate_search(key)

    MAX_FSG_MODELS = 8
    """Word graphs kept as pocketsphinx FSG models for loading again (see `_fsg_model`)."""

    def _fsg_model(self, key: str, graph: tuple):
        """The pocketsphinx FSG model of a step's word graph, built once and kept.

        A step's grammar is loaded again every time the loop comes back to that step, and building
        the model is a good part of that; a kept model decodes the same as a new one and is small
        next to a loaded search.
        """
        start, final, transitions, _n = graph
        return lru_get(self._fsg_models, key, lambda: self._command.create_fsg(key, start, final, transitions),
                       self.MAX_FSG_MODELS)

    def _use_grammar(self, grammar: Grammar) -> None:
        if not grammar.jsgf and not grammar.graph:
            raise ValueError("pocketsphinx command mode needs a word graph or a JSGF grammar")
        key = grammar.key

        def add():
            if grammar.graph:
                self._command.add_fsg(key, self._fsg_model(key, grammar.graph))
            else:
                self._command.add_jsgf_string(key, grammar.jsgf)

        self._load_search(key, add)

    MEAN_SETTLED = 2.0
    """The whole-utterance pass runs again while the running cepstral mean's energy term still moves
    by more than this from one utterance's start to the next: the mean is still far from this
    speaker and microphone. Measured from start to start because pocketsphinx folds an utterance fed
    in blocks into the mean only later; a decoder's first utterance always counts as unsettled."""

    def _mean_energy(self) -> float:
        return float(self._command.get_cmn(False).split(",")[0])

    def start(self, grammar: Grammar | None = None, partials: bool = True) -> None:
        started = time.perf_counter()
        self._spent = 0.0
        self._bytes = 0
        self._graph = grammar.graph if grammar is not None else None
        self._partials = partials
        mean = self._mean_energy()  # see MEAN_SETTLED
        self._rewind_to = (self._mean_at_start, self._command.get_cmn(False), self._phone.get_cmn(False))
        self._mean_moved = math.inf if self._mean_at_start is None else abs(mean - self._mean_at_start)
        self._mean_at_start = mean
        if grammar is None:
            self._mode = "dictation"
            self._active = [self._dictation_decoder()]
        else:
            self._mode = "command"
            self._use_grammar(grammar)
            self._active = [self._command, self._phone]
        self._buffer = []
        self._active[0].start_utt()
        self._spent += time.perf_counter() - started

    def rewind(self) -> None:
        """The utterance just finished is to be decoded again from its start (a speculative finish thrown
        away, `voice.asr.speculative.restart`): the running cepstral means, and the start their movement
        is measured from, go back to where its start found them, so its audio is not folded in twice."""
        if self._rewind_to is None:
            return
        self._mean_at_start, command, phone = self._rewind_to
        self._command.set_cmn(command)
        self._phone.set_cmn(phone)
        self._rewind_to = None

    def feed(self, pcm: bytes) -> str | None:
        """Take the next chunk of the utterance; the partial transcript so far, when asked for.

        This live pass is the decode: `finish()` decodes the whole utterance again only while the
        running cepstral mean is still settling (`MEAN_SETTLED`), which keeps the grammar search
        off the time after the end of speech."""
        started = time.perf_counter()
        self._buffer.append(pcm)
        self._bytes += len(pcm)
        self._active[0].process_raw(pcm, no_search=False, full_utt=False)
        hyp = self._active[0].hyp() if self._partials else None
        self._spent += time.perf_counter() - started
        return hyp.hypstr if hyp is not None else None

    def finish(self) -> Transcript:
        started = time.perf_counter()
        self._active[0].end_utt()
        again = self._mean_moved > self.MEAN_SETTLED
        if again or self._mode == "command":
            # the cepstral mean runs from utterance to utterance: while it settles, a whole-utterance
            # pass hears the speech with the mean the live pass moved; once settled the live pass's
            # words stand. The phone loop, for a command's confidence, always runs over the whole utterance.
            pcm = b"".join(self._buffer)
            for decoder in self._active if again else self._active[1:]:
                decoder.start_utt()
                decoder.process_raw(pcm, no_search=False, full_utt=True)
                decoder.end_utt()
        main = self._active[0]
        hyp = main.hyp()
        text = hyp.hypstr if hyp is not None else ""
        reason = None
        if self._mode == "command":
            if self._graph is not None and self._incomplete(text):
                # no path reached the grammar's end in the last frame: take the best lattice path that
                # is a whole sentence, or that only one ending can finish. When pocketsphinx gave no
                # path at all, only on a compact grammar (`NO_PATH_MAX_ARCS`: seconds on large ones)
                no_path = not text
                found = self._best_complete(main) if text or self._compact() else None
                if found is not None:
                    hyp, text = found
                    if no_path and not self._beats_phone_loop(hyp):
                        reason = "lattice sentence below the phone loop"
                elif text:
                    reason = "no complete sentence of the grammar"
            confidence = self._command_confidence(hyp, main.n_frames())
        else:
            confidence = 1.0 if text else 0.0
        spent = self._spent + time.perf_counter() - started
        self._active = None
        return self._result(text, confidence, self._mode, spent, self._bytes, reason)

    NO_PATH_MAX_ARCS = 2000
    """When pocketsphinx gives no path at all, the lattice is searched only on grammars of at most
    this many arcs. With no path, the first lattice path can take seconds to come out of a large
    grammar's lattice (measured on noisy synthetic commands: up to 1.7 s on the 10,440-arc feelings
    step, 1.5 s on the 19,203-arc idle grammar, 0.7 s on the 5,835-arc needs step); on the coffee
    orders' 255 arcs at most 0.14 s (60-file subsets at 12 and 6 dB). Every attune step grammar is
    above the bound (the smallest, yes/no/partly, has 2,432 arcs), so attune's loop never does it."""

    def _incomplete(self, text: str) -> bool:
        """No path reached the grammar's end in the last frame: pocketsphinx gave its best partial path
        ("... with a bit of brown") or none at all ("")."""
        return not text or not graph_accepts(self._graph, text.split())

    def _compact(self) -> bool:
        return len(self._graph[2]) <= self.NO_PATH_MAX_ARCS

    def _beats_phone_loop(self, hyp) -> bool:
        """The path explains the audio at least as well as the free phone loop.

        Asked of a sentence taken from the lattice when pocketsphinx had no path at all: with no
        path there is no word segmentation, so the confidence's vowel-coverage check cannot see
        out-of-domain speech fitted with a few grammar words ("i'd like a table for two" -> "i'd
        like a triple shot drip coffee"); such sentences scored below the phone loop, the orders
        recovered this way above it.
        """
        phone = self._phone.hyp()
        return hyp is not None and phone is not None and hyp.score >= phone.score

    NBEST = 200
    """How many lattice paths to search for a complete sentence when the best path is not one
    (many differ only in word timing, so this is a few dozen distinct sentences)."""

    def _best_complete(self, decoder):
        """(hypothesis, text) of the best lattice path that is a whole sentence of the grammar, or
        that only one ending can finish (`voice.asr.fsg.unique_completion`); None when there is none.

        pocketsphinx returns its best partial path when no path ends in the grammar's final state
        in the last frame ("partly it", "slow down a", "... with a bit of brown"); the whole
        sentence is usually a close second in the lattice, or the partial path allows one ending.
        """
        seen = set()
        try:
            for h in itertools.islice(decoder.nbest(), self.NBEST):
                if h.hypstr in seen:
                    continue
                seen.add(h.hypstr)
                words = unique_completion(self._graph, h.hypstr.split())
                if words is not None:
                    return h, " ".join(words)
        except Exception:  # no lattice (nothing decoded)
            return None
        return None

    def _command_confidence(self, hyp, frames: int) -> float:
        """The weaker of two pieces of evidence that the speech is the grammar's path, 0..1.

        - score: (grammar path - phone loop) over the whole utterance, 0 -> 1.0, -score_scale -> 0.0.
          Of the whole utterance, not per frame: a short command's deficit, divided by its few
          frames, looked as bad as a long out-of-domain sentence's.
        - coverage: the share of the phone loop's vowel frames that the grammar path spends in
          silence or noise instead of words, 0 -> 1.0, vowel_scale -> 0.0. Out-of-domain speech is
          mostly decoded as a short command padded with silence ("turn on all the lights in the
          home" -> "too loud"), with a good score, since silence absorbs the rest cheaply. Vowels,
          not all phones: the phone loop reads kitchen noise as consonants, which the grammar
          rightly calls noise.
        With the defaults, 0.3 (`MIN_CONFIDENCE`) is a deficit of 0.23 or 12% of the vowels
        unexplained: chosen on bench/voice_bench.py's synthetic commands and out-of-domain
        sentences (bench/results/voice.md has the trade-off), and checked on the real coffee orders
        of bench/speech-to-intent (more accepted in noise, fewer out-of-domain sentences).
        """
        phone = self._phone.hyp()
        if hyp is None or phone is None or frames <= 0 or hyp.score <= 0 or phone.score <= 0:
            return 0.0
        diff = math.log(hyp.score) - math.log(phone.score)
        score = 1.0 + diff / self.score_scale
        coverage = 1.0 - self._unexplained_vowels() / self.vowel_scale
        return max(0.0, min(1.0, score, coverage))

    VOWELS = frozenset("AA AE AH AO AW AY EH ER EY IH IY OW OY UH UW".split())

    def _unexplained_vowels(self) -> float:
        """Share of the phone loop's vowel frames that the grammar path does not cover with a word
        (0.0 when either segmentation is missing: then the score alone decides)."""
        words = self._command.seg() or []
        phones = self._phone.seg() or []
        covered = set()
        for seg in words:
            if not seg.word.startswith(("<", "[", "+")):  # <sil>, <s>, </s>, [NOISE], +SPN+: not words
                covered.update(range(seg.start_frame, seg.end_frame + 1))
        if not covered:
            return 0.0
        vowels = unexplained = 0
        for seg in phones:
            if seg.word in self.VOWELS:
                span = range(seg.start_frame, seg.end_frame + 1)
                vowels += len(span)
                unexplained += sum(1 for f in span if f not in covered)
        return unexplained / vowels if vowels else 0.0
