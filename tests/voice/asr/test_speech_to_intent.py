"""Smoke version of bench/speech-to-intent: real benchmark files through the real pipeline, and its rules."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "bench" / "speech-to-intent"))

import s2i  # noqa: E402

needs_data = pytest.mark.skipif(not (s2i.DATA / "label.json").exists(),
                                reason="shared speech-to-intent benchmark data not present")


def test_scoring_is_the_benchmarks():
    label = {"intent": "orderDrink", "slots": {"coffeeDrink": "Latte", "milkAmount": " soy milk"}}
    assert s2i.accepted(label, "orderDrink", {"coffeeDrink": "latte", "milkAmount": "soy milk"})
    assert not s2i.accepted(label, "orderDrink", {"coffeeDrink": "latte"})  # a slot missing
    assert not s2i.accepted(label, "orderDrink", {"coffeeDrink": "latte", "milkAmount": "soy milk",
                                                  "size": "large"})  # a slot too many
    assert not s2i.accepted(label, "orderDrink", {"coffeeDrink": "mocha", "milkAmount": "soy milk"})
    assert not s2i.accepted(label, None, {})


@pytest.mark.parametrize("snr", [24, 6])
def test_mixing_sets_max_frame_energy_snr_and_peak(snr):
    rng = np.random.default_rng(0)
    t = np.arange(16000 * 2) / 16000
    speech = 8000 * np.sin(2 * np.pi * 220 * t) * (t > 0.5)
    noise = rng.normal(0, 3000, 16000 * 10)
    start = int(np.random.default_rng(1).integers(0, len(noise) - len(speech)))
    out = s2i.mix(speech, noise, snr, np.random.default_rng(1))
    assert np.isclose(np.max(np.abs(out)), 0.5 * 32767)
    segment = noise[start:start + len(speech)]
    scale = np.sqrt(s2i.max_frame_energy(speech) / (s2i.max_frame_energy(segment) * 10 ** (snr / 10)))
    ratio = s2i.max_frame_energy(speech) / s2i.max_frame_energy(segment * scale)
    assert np.isclose(10 * np.log10(ratio), snr)
    expected = speech + segment * scale
    assert np.allclose(out, expected / np.max(np.abs(expected)) * 0.5 * 32767)


def test_noisy_condition_is_seeded_per_file():
    pcm = s2i.to_pcm(np.sin(np.arange(8000) / 5) * 5000)
    noise = np.random.default_rng(0).normal(0, 1000, 40000)
    assert s2i.noisy(pcm, 12, noise, 7, 3) == s2i.noisy(pcm, 12, noise, 7, 3)
    assert s2i.noisy(pcm, 12, noise, 7, 3) != s2i.noisy(pcm, 12, noise, 7, 4)
    assert s2i.noisy(pcm, None, noise, 7, 3) == pcm


@pytest.fixture(scope="module")
def coffee_pipeline():
    from intents.intent_set import IntentSet

    from voice.asr.grammar import command_grammar
    from voice.asr.pocketsphinx import PocketsphinxRecognizer

    intent_set = IntentSet.load(s2i.INTENTS)
    return PocketsphinxRecognizer(), intent_set, command_grammar(intent_set)


@needs_data
def test_clean_benchmark_files_through_the_real_pipeline(coffee_pipeline):
    from voice.audio.sources import read_wav_16k
    from voice.tools import hear_pcm

    recognizer, intent_set, grammar = coffee_pipeline
    labels = s2i.labels()
    names = s2i.files(6)
    right = 0
    for name in names:
        out = hear_pcm(recognizer, intent_set, grammar, read_wav_16k(s2i.DATA / "clean" / name))
        assert out["engine"] == "pocketsphinx"
        right += s2i.accepted(labels[name], out["intent"], out["slots"])
    assert right >= 5, f"{right}/6 clean coffee orders understood"


@needs_data
def test_hear_cli_with_an_intent_folder():
    name = s2i.files(1)[0]
    out = subprocess.run([sys.executable, "-m", "attune", "hear", "--intents", str(s2i.INTENTS), "--json",
                          "--engine", "pocketsphinx", str(s2i.DATA / "clean" / name)],
                         capture_output=True, text=True, cwd=REPO, check=True)
    line = json.loads(out.stdout.splitlines()[0])
    assert set(line) == {"file", "text", "intent", "slots", "confidence", "engine", "reason", "decode_seconds"}
    assert s2i.accepted(s2i.labels()[name], line["intent"], line["slots"])
