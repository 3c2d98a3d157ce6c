"""Whisper (CTranslate2) as a second acoustic model: log-mel features, one encoder pass per
utterance, free transcription, and scoring of given sentences against the same encoding.

CTranslate2 and `tokenizers` are used directly rather than through faster-whisper, whose
PyAV and onnxruntime dependencies would more than double the install for nothing used here.
The model folder is any CTranslate2 Whisper conversion (config.json, model.bin, tokenizer.json);
`voice.asr.whisper_models` finds and verifies one.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voice.audio.sources import RATE

N_FFT = 400
HOP = 160
FULL_FRAMES = 3000
"""The 30 s window Whisper was trained on, in 10 ms feature frames."""
MIN_FRAMES = 1000
"""Shortest encoder input used: the utterance padded with silence to 10 s. Encoding only the
utterance (2-3 s) was 4x faster again, but tiny.en then repeated or invented words (measured in
bench/results; docs/voice.md has the figures)."""


SCORE_BATCH = 8
"""Sentences scored in one align() call: each holds its own copy of the decoder's cross-attention
over the encoding (~6 MB a sentence at 10 s), so 20 at once took the process 80 MB higher."""


def _mel_filters(n_mels: int = 80) -> np.ndarray:
    """Slaney-style mel filter bank (as librosa and Whisper compute it)."""
    fftfreqs = np.fft.rfftfreq(n=N_FFT, d=1.0 / RATE)
    mels = np.linspace(0.0, 45.245640471924965, n_mels + 2)
    f_sp = 200.0 / 3
    freqs = f_sp * mels
    min_log_hz, min_log_mel, logstep = 1000.0, 1000.0 / f_sp, np.log(6.4) / 27.0
    log_t = mels >= min_log_mel
    freqs[log_t] = min_log_hz * np.exp(logstep * (mels[log_t] - min_log_mel))
    fdiff = np.diff(freqs)
    ramps = freqs.reshape(-1, 1) - fftfreqs.reshape(1, -1)
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    weights *= (2.0 / (freqs[2:n_mels + 2] - freqs[:n_mels]))[:, None]
    return weights.astype(np.float32)


def log_mel(samples: np.ndarray, n_mels: int = 80, filters: np.ndarray | None = None) -> np.ndarray:
    """(n_mels, frames) log-mel spectrogram of float samples at 16 kHz, scaled as Whisper expects."""
    x = np.pad(samples.astype(np.float32), (N_FFT // 2, N_FFT // 2), mode="reflect")
    n_frames = 1 + (len(x) - N_FFT) // HOP
    frames = np.lib.stride_tricks.as_strided(x, (n_frames, N_FFT), (x.strides[0] * HOP, x.strides[0]))
    window = np.hanning(N_FFT + 1)[:-1].astype(np.float32)
    power = np.abs(np.fft.rfft(frames * window, axis=-1)).T[:, :-1] ** 2
    mel = (filters if filters is not None else _mel_filters(n_mels)) @ power
    log_spec = np.log10(np.clip(mel, 1e-10, None))
    log_spec = np.maximum(log_spec, log_spec.max() - 8.0)
    return ((log_spec + 4.0) / 4.0).astype(np.float32)


@dataclass(frozen=True)
class Reading:
    """Whisper's own transcription of an utterance."""

    texts: tuple[str, ...]
    """Its n-best texts, best first (as written: capitals and punctuation)."""
    scores: tuple[float, ...]
    """Their average log-probability per token."""
    no_speech: float
    """Probability that the window holds no speech."""


class Encoded:
    """One utterance's encoder output, shared by every question asked of it."""

    def __init__(self, model: "WhisperEngine", output: np.ndarray, frames: int):
        self.model = model
        self.output = output
        self.frames = frames
        """Feature frames of real audio (the rest of the window is padding)."""
        self._batches: dict[int, object] = {}
        self.scores: dict[str, float] = {}
        self.memo: dict = {}
        """Other work done on this encoding that a later step can reuse (the second pass's candidates)."""
        """Texts already scored on this encoding (the early start scores some before the utterance ends)."""

    def batch(self, n: int):
        """The encoder output repeated n times (align() wants one per sentence)."""
        import ctranslate2  # optional and heavy: loaded with a Whisper model

        if n not in self._batches:
            self._batches[n] = ctranslate2.StorageView.from_array(np.ascontiguousarray(np.repeat(self.output, n, 0)))
        return self._batches[n]


class WhisperEngine:
    """A CTranslate2 Whisper model on the CPU (int8), with its tokenizer."""

    engine = "whisper"

    def __init__(self, model_dir: str | Path, threads: int | None = None, compute_type: str = "int8",
                 label: str | None = None):
        import ctranslate2  # optional and heavy: loaded with a Whisper model
        import tokenizers

        self.path = Path(model_dir)
        self.threads = threads or min(2, os.cpu_count() or 1)
        self.model = label or self.path.name
        self._ct2 = ctranslate2
        self._whisper = ctranslate2.models.Whisper(str(self.path), device="cpu", compute_type=compute_type,
                                                   intra_threads=self.threads)
        self.tokenizer = tokenizers.Tokenizer.from_file(str(self.path / "tokenizer.json"))
        self.n_mels = self._whisper.n_mels
        self.filters = _mel_filters(self.n_mels)
        self.sot = self.tokenizer.token_to_id("<|startoftranscript|>")
        self.no_timestamps = self.tokenizer.token_to_id("<|notimestamps|>")
        self.start_of_prev = self.tokenizer.token_to_id("<|startofprev|>")
        self.eot = self.tokenizer.token_to_id("<|endoftext|>")
        if not self._whisper.is_multilingual:
            self.prefix = [self.sot, self.no_timestamps]
        else:
            self.prefix = [self.sot, self.tokenizer.token_to_id("<|en|>"),
                           self.tokenizer.token_to_id("<|transcribe|>"), self.no_timestamps]

    def describe(self) -> str:
        return f"whisper ({self.model}, CTranslate2 int8, {self.threads} threads)"

    min_frames = MIN_FRAMES
    """The encoder window's shortest length for this engine, in 10 ms frames."""

    def encode(self, pcm: bytes, min_frames: int | None = None) -> Encoded:
        """Encode 16 kHz 16-bit PCM: the utterance, padded with silence to `min_frames` (at most 30 s)."""
        min_frames = self.min_frames if min_frames is None else min_frames
        samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
        samples = samples[:FULL_FRAMES * HOP]
        frames = len(samples) // HOP
        window = min(FULL_FRAMES, max(min_frames, frames + 1))
        # silence is padded before the log-mel, as Whisper's own pipeline does, so the padding reads
        # as the quietest sound in the window rather than a jump
        padded = np.pad(samples, (0, max(0, window * HOP - len(samples))))
        feats = log_mel(padded, self.n_mels, self.filters)[:, :window]
        view = self._ct2.StorageView.from_array(np.ascontiguousarray(feats[None]))
        output = np.array(self._whisper.encode(view, to_cpu=True))
        return Encoded(self, output, frames)

    def prompt_ids(self, prompt: str | None) -> list[int]:
        if not prompt:
            return list(self.prefix)
        ids = self.tokenizer.encode(" " + prompt.strip(), add_special_tokens=False).ids[-200:]
        return [self.start_of_prev, *ids, *self.prefix]

    def read(self, enc: Encoded, prompt: str | None = None, n: int = 5, max_length: int = 96) -> Reading:
        """Whisper's n best transcriptions (beam search, no timestamps)."""
        result = self._whisper.generate(enc.batch(1), [self.prompt_ids(prompt)], beam_size=max(n, 1),
                                        num_hypotheses=n, return_scores=True, return_no_speech_prob=True,
                                        max_length=max_length, suppress_blank=True)[0]
        texts = tuple(self.tokenizer.decode([t for t in ids if t < self.eot]).strip()
                      for ids in result.sequences_ids)
        return Reading(texts=texts, scores=tuple(float(s) for s in result.scores),
                       no_speech=float(result.no_speech_prob))

    def tokens(self, text: str) -> list[int]:
        return self.tokenizer.encode(" " + text.strip(), add_special_tokens=False).ids

    def score(self, enc: Encoded, texts: list[str]) -> list[float]:
        """Whisper's log-probability of each text given the audio. align() gives no probability for
        the end-of-text token (0.0), so a sentence cut short is penalised by its final full stop."""
        todo = [t for t in dict.fromkeys(texts) if t not in enc.scores]
        token_lists = [self.tokens(t) for t in todo]
        for i in range(0, len(token_lists), SCORE_BATCH):
            part = token_lists[i:i + SCORE_BATCH]
            results = self._whisper.align(enc.batch(len(part)), list(self.prefix), part,
                                          [max(1, enc.frames)] * len(part))
            for text, r in zip(todo[i:i + SCORE_BATCH], results):
                probs = np.maximum(np.asarray(r.text_token_probs, dtype=np.float64), 1e-30)
                enc.scores[text] = float(np.sum(np.log(probs)))
        return [enc.scores[t] for t in texts]


def timed(fn, *args, **kwargs):
    """(result, seconds) of one call (the second pass reports where its time goes)."""
    started = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - started


def written(words: str, end: str = ".") -> str:
    """A grammar sentence ("i'd like a latte") as Whisper writes one ("I'd like a latte."): scored
    in Whisper's own style, the right sentence came out about 12 nats more likely than lowercase.
    `end`: the mark Whisper ended its own reading with ("?" for a question)."""
    out = []
    for w in words.split():
        if w == "i" or w.startswith("i'"):
            w = "I" + w[1:]
        out.append(w)
    if not out:
        return ""
    out[0] = out[0][:1].upper() + out[0][1:]
    return " ".join(out) + end
