"""Choosing the speech recognizer: vosk, pocketsphinx alone, or pocketsphinx with Whisper's second pass.

Order with no choice given: vosk when an English vosk model was downloaded (or VOSK_MODEL_PATH
names one); else pocketsphinx with Whisper's second pass, when a Whisper model is installed
(the pinned tiny.en package is a dependency, so it normally is); else pocketsphinx alone.
"""

from __future__ import annotations

from pathlib import Path

from attune.paths import models_dir
from voice.asr import ENGINES, models
from voice.asr.pocketsphinx import PocketsphinxRecognizer
from voice.asr.second_pass import TwoPassRecognizer
from voice.asr.vosk import VoskRecognizer
from voice.asr.whisper import WhisperEngine
from voice.asr.whisper_models import DEFAULT_MODEL, PACKAGED, calibrated, find_whisper_model

_WHISPER: dict[tuple, object] = {}


def whisper_engine(model: str | Path | None = None, threads: int | None = None):
    """The Whisper engine for `model` (a packaged model's name, a folder, or None: the default), loaded once.

    A packaged model is looked up by name before it is found: finding it hashes its model.bin."""
    name = str(model) if model else DEFAULT_MODEL
    found = None if name in PACKAGED else find_whisper_model(model)
    key = ((name, str(models_dir())) if found is None else str(found[0]), threads)
    if key not in _WHISPER:
        path, label = found or find_whisper_model(model)
        _WHISPER[key] = WhisperEngine(path, threads=threads, label=label)
    return _WHISPER[key]


def make_recognizer(engine: str | None = None, model: str | Path | None = None, env: dict | None = None,
                    whisper_model: str | Path | None = None, notice=None):
    """The recognizer to use (see the module's order). `engine` forces one; `model` is a vosk
    folder; `whisper_model` a packaged Whisper model's name ("tiny.en", "base") or any CTranslate2
    Whisper folder (default: tiny.en).
    `notice(message)` hears why Whisper was left out when it had to be."""
    if engine not in (None, "", *ENGINES):
        raise ValueError(f"unknown speech engine {engine!r} (use {', '.join(ENGINES[1:])})")
    if engine == "pocketsphinx":
        return PocketsphinxRecognizer()
    if engine == "whisper" or (engine in (None, "", "auto") and whisper_model):
        return two_pass(whisper_model)
    path = Path(model) if model else models.find_vosk_model(env=env, english_only=engine != "vosk")
    if path is not None and engine != "whisper":
        return VoskRecognizer(path)
    if engine == "vosk":
        raise LookupError("no vosk model found: run `attune models download` or set VOSK_MODEL_PATH")
    try:
        return two_pass(None)
    except models.ModelError as exc:
        if notice is not None:
            notice(f"Whisper left out: {exc}")
        return PocketsphinxRecognizer()  # no Whisper package installed: pocketsphinx on its own


def two_pass(whisper_model: str | Path | None = None):
    """pocketsphinx's grammar pass with Whisper's second pass, at the margins chosen for that model."""
    model = calibrated(whisper_model)
    margin, agreed = model.margins
    return TwoPassRecognizer(PocketsphinxRecognizer(), whisper_engine(whisper_model), margin=margin,
                             agreed_margin=agreed, wake_rest_margin=model.wake_rest_margin,
                             wake_phrase_words=model.wake_phrase_words)
