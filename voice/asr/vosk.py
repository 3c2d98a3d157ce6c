"""vosk: a downloaded model folder; grammar mode uses phrase lists, "[unk]" catches other speech."""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from pathlib import Path
from typing import Iterable

from voice.asr.base import RecognizerBase, Transcript
from voice.asr.grammar import Grammar, lru_get
from voice.audio.sources import RATE


class VoskRecognizer(RecognizerBase):
    """vosk with a model folder. Grammar mode uses phrase lists; "[unk]" catches other speech."""

    engine = "vosk"

    def __init__(self, model_path: str | Path, min_confidence: float = 0.6):
        import vosk  # optional and heavy: loaded only when this engine is used

        vosk.SetLogLevel(-1)
        self._vosk = vosk
        self.model_path = Path(model_path)
        self.model = self.model_path.name
        self._model = vosk.Model(str(self.model_path))  # always by path: never Model(lang=...)
        self.min_confidence = min_confidence
        self._recognizers: OrderedDict[str, object] = OrderedDict()
        self._rec = None
        self._mode = "command"
        self._segments: list[dict] = []
        self._spent = 0.0
        self._bytes = 0

    def known(self, word: str) -> bool:
        return self._model.vosk_model_find_word(word) != -1

    def usable_phrases(self, phrases: Iterable[str]) -> list[str]:
        """Phrases whose every word the model knows (vosk would drop unknown words with a warning)."""
        kept = [p for p in phrases if p != "[unk]" and all(self.known(w) for w in p.split())]
        if self.known("[unk]"):  # English models have it; without it, only confidence can reject
            kept.append("[unk]")
        return kept

    def _recognizer(self, grammar: Grammar | None):
        def build():
            if grammar is None:
                rec = self._vosk.KaldiRecognizer(self._model, RATE)
            else:
                phrases = self.usable_phrases(grammar.phrases)
                rec = self._vosk.KaldiRecognizer(self._model, RATE, json.dumps(phrases, ensure_ascii=False))
            rec.SetWords(True)
            return rec

        return lru_get(self._recognizers, grammar.key if grammar is not None else "dictation", build, 8)

    def start(self, grammar: Grammar | None = None, partials: bool = True) -> None:
        started = time.perf_counter()
        self._mode = "dictation" if grammar is None else "command"
        self._rec = self._recognizer(grammar)
        self._rec.Reset()
        self._segments = []
        self._bytes = 0
        self._spent = time.perf_counter() - started

    def feed(self, pcm: bytes) -> str | None:
        started = time.perf_counter()
        self._bytes += len(pcm)
        if self._rec.AcceptWaveform(pcm):
            self._segments.append(json.loads(self._rec.Result()))
            partial = ""
        else:
            partial = json.loads(self._rec.PartialResult()).get("partial", "")
        self._spent += time.perf_counter() - started
        done = " ".join(s.get("text", "") for s in self._segments)
        text = " ".join(f"{done} {partial}".split())
        return text or None

    def finish(self) -> Transcript:
        started = time.perf_counter()
        self._segments.append(json.loads(self._rec.FinalResult()))
        words = [w for s in self._segments for w in s.get("result", [])]
        text = " ".join(s.get("text", "") for s in self._segments)
        reason = None
        if "[unk]" in text.split() or any(w.get("word") == "[unk]" for w in words):
            reason = "outside the grammar"
        confidence = min((float(w.get("conf", 0.0)) for w in words), default=0.0) if words else 0.0
        if self._mode == "dictation" and not words and text.strip():
            confidence = 1.0
        spent = self._spent + time.perf_counter() - started
        return self._result(text, confidence, self._mode, spent, self._bytes, reason)
