"""Speech out (pyttsx3 rendering, live controls, barge-in) and real sounddevice capture and
playback through an ALSA file device (no sound card needed)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest

from voice.audio.devices import list_devices

from voice.audio.sources import RATE, MicrophoneSource, read_wav_16k
from voice.audio.endpoint import Endpointer
from voice.speech.tts import FileSpeaker, Pyttsx3Speaker, Renderer, sentences

pytestmark = pytest.mark.audio


@pytest.fixture(scope="module")
def renderer():
    try:
        return Renderer()
    except Exception as exc:  # no espeak-ng driver
        pytest.skip(f"pyttsx3 unavailable: {exc}")


def test_sentences_split():
    assert sentences("One. Two?  Three!\nFour") == ["One.", "Two?", "Three!", "Four"]


def test_file_speaker_renders_every_sentence(tmp_path, renderer):
    out = tmp_path / "said.wav"
    speaker = FileSpeaker(out, renderer=renderer)
    speaker.say({"text": "Welcome to your debrief. Alex, how was your day? Take your time."})
    pcm = read_wav_16k(out)
    assert len(pcm) / 2 / RATE > 2.0
    assert speaker.spoken == ["Welcome to your debrief. Alex, how was your day? Take your time."]
    assert not speaker.speaking


def test_rendering_loses_no_line_another_thread_prints(capsys, renderer):
    """`attune listen --json` prints events while the next prompt renders in the background; the
    espeak driver's own "Audio saved to ..." must not reach stdout, and nothing else may go missing."""
    done = threading.Event()

    def render():
        try:
            renderer.render("Take a slow breath together, and say next when you are ready.")
        finally:
            done.set()

    worker = threading.Thread(target=render)
    worker.start()
    printed = 0
    while not done.is_set() or printed < 10:
        print(f"line {printed}")
        printed += 1
    worker.join()
    out = capsys.readouterr().out
    assert out.splitlines() == [f"line {i}" for i in range(printed)]


def test_rendered_audio_does_not_stay_on_disk(renderer):
    """A prompt can repeat what a partner said: its audio is read back and removed, and the folder goes too."""
    own = Renderer()  # the module's renderer (skipped without pyttsx3) stays open for the other tests
    folder = Path(own._dir)
    x, rate = own.render("I heard that you felt alone tonight.")
    assert len(x) / rate > 1.0 and list(folder.iterdir()) == []
    own.close()
    assert not folder.exists()


def test_controls_change_voice_live(tmp_path, renderer):
    speaker = FileSpeaker(tmp_path / "x.wav", renderer=renderer, volume=0.5)
    rate = speaker.rate
    speaker.control("Louder")
    speaker.control("Faster")
    assert speaker.volume > 0.5 and speaker.rate > rate
    speaker.control("Softer")
    speaker.control("Softer")
    speaker.control("Slower")
    speaker.control("Slower")
    assert speaker.volume < 0.5 and speaker.rate < rate
    speaker.control("Faster")  # back to the starting rate for the other tests
    renderer.rate = rate


def test_stop_cuts_long_speech_short(tmp_path, renderer):
    class StoppedAfterTwo(FileSpeaker):
        def _play(self, samples, rate):
            super()._play(samples, rate)
            if len(self._frames) == 2:
                self.stop()  # as the barge-in listener does when "stop" is heard

    speaker = StoppedAfterTwo(tmp_path / "long.wav", renderer=renderer)
    long_text = " ".join(f"This is sentence number {i} of a long answer." for i in range(12))
    speaker.say(long_text)
    said = len(read_wav_16k(tmp_path / "long.wav")) / 2 / RATE if (tmp_path / "long.wav").exists() else 0.0
    assert said < 10.0  # twelve sentences would be about 30 s


def test_alsa_playback_writes_to_the_output_device(alsa_files, renderer):
    assert any(d["outputs"] > 0 for d in list_devices(alsa_files.sd))
    speaker = Pyttsx3Speaker(renderer=renderer, sd=alsa_files.sd)
    speaker.say({"text": "Take a slow breath together."})
    played = np.frombuffer(alsa_files.played(), dtype="<i2")
    assert len(played) / RATE > 0.8
    assert np.abs(played).max() > 1000
    assert speaker.first_audio_at is not None


def test_alsa_capture_decodes_speech(alsa_files, synth, ps_recognizer):
    from voice.asr.grammar import Grammar

    alsa_files.load_mic(synth.pcm("start our nightly debrief"))
    mic = MicrophoneSource(sd=alsa_files.sd)
    ep = Endpointer()
    grammar = Grammar.from_phrases(["start our nightly debrief", "pause", "give me a repair phrase"])
    heard = None
    started = False
    deadline = time.monotonic() + 20
    for chunk in mic:
        seg = ep.feed(chunk)
        if seg.started:
            ps_recognizer.start(grammar)
            started = True
        if started and seg.audio:
            ps_recognizer.feed(seg.audio)
        if seg.ended:
            heard = ps_recognizer.finish()
            break
        if time.monotonic() > deadline:
            break
    mic.close()
    assert heard is not None and heard.text == "start our nightly debrief"


class FlakySd:
    """A sounddevice stand-in whose input device fails twice before working."""

    def __init__(self, real_sd):
        self.real = real_sd
        self.failures = 2
        self.default = real_sd.default

    def query_devices(self, *args, **kwargs):
        return self.real.query_devices(*args, **kwargs)

    def InputStream(self, **kwargs):  # noqa: N802 (sounddevice's name)
        if self.failures:
            self.failures -= 1
            raise self.real.PortAudioError("device unplugged")
        return self.real.InputStream(**kwargs)


def test_microphone_reopens_with_backoff(alsa_files):
    sleeps = []
    mic = MicrophoneSource(sd=FlakySd(alsa_files.sd), sleep=sleeps.append, notice=lambda m: None)
    first = next(iter(mic))
    mic.close()
    assert first and sleeps == [0.5, 1.0] and mic.reopens == 2


def test_no_devices_means_no_microphone():
    class NoSd:
        default = type("D", (), {"device": [-1, -1]})()

        def query_devices(self):
            return []

    from voice.audio.devices import has_device

    assert list_devices(NoSd()) == []
    assert not has_device("input", None, NoSd())
