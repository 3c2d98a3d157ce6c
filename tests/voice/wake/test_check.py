"""Whisper's check of woken utterances (voice/wake_check.py), with the real tiny.en model on speech
synthesized at test time: the phrase alone, the phrase and a command, and look-alikes of the phrase
inside conversation, judged on the same encoding the second pass made."""

from __future__ import annotations

import pytest

from tests.voice.wake.test_wake import ROOM, TALK, run, stream
from tests.voice.asr.test_whisper import two_pass  # noqa: F401  (the session's two-pass recognizer)
from voice.asr.grammar import command_grammar
from voice.asr.pocketsphinx import PocketsphinxRecognizer
from voice.wake.phrase import COMMAND, NOT_ADDRESSED, WAKE_ONLY, with_wake_phrase
from voice.wake.spotter import KeyphraseSpotter
from voice.wake.check import (FIRST_STAGE, PHRASE_WORDS, WhisperWakeCheck, addressing, check_for,
                              split_commands)

pytestmark = pytest.mark.audio


def talk_woken(matcher):
    return with_wake_phrase(command_grammar(matcher, TALK["expects"]["intents"], "pocketsphinx"), ["attune"])


def woken(recognizer, matcher, pcm: bytes, check: WhisperWakeCheck):
    """The verdict on `pcm` as the loop reaches it: decoded whole with the step's commands behind the phrase."""
    grammar = talk_woken(matcher)
    recognizer.last = {}
    recognizer.start(grammar, partials=False)
    for i in range(0, len(pcm), 960):
        recognizer.feed(pcm[i:i + 960])
    recognizer.finish()
    from voice.audio.endpoint import Endpointer, speech_seconds

    found = KeyphraseSpotter(**FIRST_STAGE).spot(pcm)
    floor = Endpointer()
    floor.feed(pcm)
    return check.judge(recognizer, pcm, speech_seconds(pcm[found.end_byte:], floor) if found else None, grammar)


def test_the_check_is_the_default_only_with_whisper(two_pass):  # noqa: F811
    check = check_for(two_pass, "attune")
    assert isinstance(check, WhisperWakeCheck)
    assert check.phrase_words == PHRASE_WORDS  # tiny.en: the check's own
    assert check_for(PocketsphinxRecognizer(), "attune") is None


def test_commands_are_written_as_someone_addressed():
    assert addressing("attune how much time is left", "attune") == "Attune, how much time is left"
    assert addressing("attune i need a time out", "attune") == "Attune, I need a time out"


@pytest.mark.parametrize("voice", ["en-us", "en-gb"])
def test_the_phrase_alone_is_the_phrase(synth, two_pass, matcher, voice):  # noqa: F811
    verdict = woken(two_pass, matcher, synth.pcm("attune", voice), WhisperWakeCheck(two_pass.whisper, "attune"))
    assert verdict.outcome == WAKE_ONLY, verdict


@pytest.mark.parametrize("said, want", [("attune, how much time is left", "TimeLeft"),
                                        ("attune, i need a time out", "TimeOut")])
def test_the_phrase_and_a_command_is_that_command(synth, two_pass, matcher, said, want):  # noqa: F811
    verdict = woken(two_pass, matcher, synth.pcm(said), WhisperWakeCheck(two_pass.whisper, "attune"))
    assert verdict.outcome == COMMAND and verdict.text.startswith("attune "), verdict
    assert matcher.match(verdict.text[len("attune "):], expect=TALK["expects"]["intents"]).intent == want


@pytest.mark.parametrize("said", ["a tune on the radio", "and then I said stop", "can you pass the salt",
                                  "at noon we had lunch"])
def test_look_alikes_are_not_addressed(synth, two_pass, matcher, said):  # noqa: F811
    verdict = woken(two_pass, matcher, synth.pcm(said), WhisperWakeCheck(two_pass.whisper, "attune"))
    assert verdict.outcome == NOT_ADDRESSED, verdict


def test_the_loop_uses_the_check_after_the_loose_spotter(synth, two_pass, matcher):  # noqa: F811
    history = []
    check = WhisperWakeCheck(two_pass.whisper, "attune", history=history)
    chunks = stream(synth.pcm(ROOM), synth.pcm("attune, how much time is left"), synth.pcm("attune"))
    heard, wakes, listening = run(chunks, two_pass, matcher, KeyphraseSpotter(**FIRST_STAGE), TALK,
                                  wake_check=check)
    assert [matcher.match(h.text, expect=TALK["expects"]["intents"]).intent for h in heard] == ["TimeLeft"]
    assert wakes == [1]  # the phrase alone: the earcon
    assert [v.outcome for v in history] == [COMMAND, WAKE_ONLY]


def test_margins_decide(synth, two_pass, matcher):  # noqa: F811
    """The same utterance, judged with no room for doubt, is not addressed."""
    strict = WhisperWakeCheck(two_pass.whisper, "attune", wake_margin=-1.0, command_margin=-1.0)
    assert woken(two_pass, matcher, synth.pcm("attune, how much time is left"), strict).outcome == NOT_ADDRESSED


def test_the_command_after_the_phrase_is_read_on_its_own(synth, two_pass, matcher):  # noqa: F811
    """In the loop the recognizer decodes the audio after the phrase with the step's grammar: Whisper's
    misreading of "attune" itself no longer weighs on the command."""
    history = []
    check = WhisperWakeCheck(two_pass.whisper, "attune", history=history)
    chunks = stream(synth.pcm(ROOM), synth.pcm("attune, i need a time out"), synth.pcm("attune, pause"))
    heard, wakes, _ = run(chunks, two_pass, matcher, KeyphraseSpotter(**FIRST_STAGE), TALK, wake_check=check)
    assert [matcher.match(h.text, expect=TALK["expects"]["intents"]).intent for h in heard] == ["TimeOut",
                                                                                                 "Pause"]
    assert wakes == []
    assert [v.outcome for v in history] == [COMMAND, COMMAND]
    assert all(v.rest_gap is not None and v.rest_gap <= check.rest_margin for v in history), history


def test_look_alikes_followed_by_speech_are_not_taken_in_the_loop(synth, two_pass, matcher):  # noqa: F811
    history = []
    check = WhisperWakeCheck(two_pass.whisper, "attune", history=history)
    lines = ("a tune on the radio woke me up", "at noon we had lunch", "and then I said stop")
    chunks = stream(synth.pcm(ROOM), *(synth.pcm(line) for line in lines))
    heard, wakes, _ = run(chunks, two_pass, matcher, KeyphraseSpotter(**FIRST_STAGE), TALK, wake_check=check)
    assert heard == [] and wakes == [], history
    assert all(v.outcome == NOT_ADDRESSED for v in history)


def test_without_the_rest_the_whole_utterance_decides(synth, two_pass, matcher):  # noqa: F811
    """A rest the second pass does not accept (here: no margin at all) falls back to the whole utterance
    decoded with the phrase in front, judged as `judge` does."""
    history = []
    check = WhisperWakeCheck(two_pass.whisper, "attune", history=history, rest_margin=-1.0)
    chunks = stream(synth.pcm(ROOM), synth.pcm("attune, how much time is left"))
    heard, _wakes, _ = run(chunks, two_pass, matcher, KeyphraseSpotter(**FIRST_STAGE), TALK, wake_check=check)
    assert [matcher.match(h.text, expect=TALK["expects"]["intents"]).intent for h in heard] == ["TimeLeft"]
    assert history[0].rest_gap is None and history[0].command_gap is not None


@pytest.mark.parametrize("reading, want", [("At you, next.", "attune next"),
                                           ("I'll do it, say that again.", "attune say that again"),
                                           ("a tune, go back", "attune go back")])
def test_whisper_s_own_reading_is_split_after_its_spelling_of_the_phrase(matcher, reading, want):
    assert split_commands(talk_woken(matcher).graph, [reading], "attune")[want] == 0  # written as it is said


def test_a_reading_far_from_every_command_gives_none(matcher):
    assert split_commands(talk_woken(matcher).graph, ["It was a long day at work today."], "attune") == {}


def judged_say_that_again(synth, two_pass, matcher, phrase_end_s):
    """The check's verdict on a synthesized "attune, say that again", the spotter's end put at `phrase_end_s`."""
    pcm = synth.pcm("attune, say that again")
    grammar = talk_woken(matcher)
    two_pass.last = {}
    two_pass.start(grammar, partials=False)
    two_pass.feed(pcm)
    two_pass.finish()
    return WhisperWakeCheck(two_pass.whisper, "attune").judge(two_pass, pcm, phrase_end_s, grammar)


def test_the_whole_utterance_is_also_split_where_whisper_reads_the_phrase_end(synth, two_pass, matcher):  # noqa: F811
    """Given the step's grammar, the check scores the commands of Whisper's own split too (those the second
    pass did not propose have no floor) and takes the command from them or the second pass's best."""
    verdict = judged_say_that_again(synth, two_pass, matcher, 0.8)
    assert verdict.outcome == COMMAND and verdict.text == "attune say that again", verdict
    assert any(floor == float("inf") for _c, _raw, floor, _e in verdict.scored), verdict.scored  # the split's own


def test_a_command_whisper_wrote_itself_is_taken_however_late_the_spotter_s_end(synth, two_pass, matcher):  # noqa: F811
    """The spotter may place the phrase's end in the command, leaving under AFTER_S of speech after it:
    the command Whisper wrote itself after its spelling of the phrase is marked so (0 edits) and taken."""
    verdict = judged_say_that_again(synth, two_pass, matcher, 0.1)
    said = {c: e for c, _raw, _floor, e in verdict.scored}
    assert verdict.outcome == COMMAND and said[verdict.text] == 0, verdict
