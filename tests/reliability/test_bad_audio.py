"""Bad audio for `attune hear` and `attune listen --wav`: a clear error or a clean no-match.

Each file is decoded by a real subprocess. Acceptable outcomes: exit 0 with one JSON line
whose intent is null (a clean no-match), or a non-zero exit with a one-line message on
stderr that names the file. Never a Python traceback, never a hang, never an event
posted to the server for noise or silence.
"""

from __future__ import annotations

import functools
import io
import wave as wave_module
import json
import math
import struct
import subprocess
import sys
import wave
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def wav_bytes(rate=16000, channels=1, width=2, seconds=1.0, tone=None) -> bytes:
    frames = int(rate * seconds)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(width)
        out.setframerate(rate)
        if tone is None:
            data = bytes(frames * channels * width)
        else:
            peak = {1: 100, 2: 8000, 4: 2**28}[width]
            samples = [int(peak * math.sin(2 * math.pi * tone * i / rate)) for i in range(frames)]
            if width == 1:
                data = bytes((s + 128) & 0xFF for s in samples for _ in range(channels))
            else:
                fmt = {2: "h", 4: "i"}[width]
                data = b"".join(struct.pack("<" + fmt * channels, *([s] * channels)) for s in samples)
        out.writeframes(data)
    return buffer.getvalue()


def float32_wav(rate=16000, seconds=0.5) -> bytes:
    """A WAVE_FORMAT_IEEE_FLOAT file (format tag 3), which the wave module cannot read."""
    data = struct.pack(f"<{int(rate * seconds)}f", *([0.0] * int(rate * seconds)))
    fmt = struct.pack("<HHIIHH", 3, 1, rate, rate * 4, 4, 32)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


BAD_FILES = {
    "silence-16k.wav": wav_bytes(),
    "silence-8k.wav": wav_bytes(rate=8000),
    "tone-44k1-stereo.wav": wav_bytes(rate=44100, channels=2, tone=440, seconds=0.5),
    "silence-48k-6ch.wav": wav_bytes(rate=48000, channels=6, seconds=0.3),
    "tone-8bit.wav": wav_bytes(width=1, tone=300, seconds=0.5),
    "tone-32bit.wav": wav_bytes(width=4, tone=300, seconds=0.5),
    "float32.wav": float32_wav(),
    "truncated.wav": wav_bytes(seconds=1.0)[:3000],
    "header-only.wav": wav_bytes(seconds=1.0)[:44],
    "truncated-stereo-odd.wav": wav_bytes(rate=22050, channels=2, tone=200, seconds=0.5)[:5001],
    "truncated-24bit.wav": wav_bytes(width=3, seconds=0.5)[:4001],
    "zero-frames.wav": wav_bytes(seconds=0.0),
    "empty.wav": b"",
    "text.wav": b"this is not audio at all\n" * 20,
    "mp3ish.wav": b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(range(256)) * 8,
    "riff-garbage.wav": b"RIFF\xff\xff\xff\xffWAVEfmt \x10\x00\x00\x00" + b"\xff" * 100,
}


@functools.lru_cache(maxsize=None)
def has_subcommand(name: str) -> bool:
    done = subprocess.run([sys.executable, "-m", "attune", name, "--help"], capture_output=True, text=True,
                          cwd=REPO, timeout=60)
    return done.returncode == 0


@pytest.fixture(scope="module")
def bad_dir(tmp_path_factory):
    base = tmp_path_factory.mktemp("bad-audio")
    for name, data in BAD_FILES.items():
        (base / name).write_bytes(data)
    (base / "missing-dir").mkdir()
    return base


def check_outcome(done: subprocess.CompletedProcess, path: Path) -> list[dict]:
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    if done.returncode == 0:
        lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip().startswith("{")]
        return lines
    message = done.stderr.strip()
    assert message, "a failure must say why"
    assert path.name in message, f"the message should name the file: {message}"
    assert len(message.splitlines()) <= 5
    return []


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(BAD_FILES) + ["does-not-exist.wav", "missing-dir"])
def test_attune_hear_bad_audio(bad_dir, name):
    if not has_subcommand("hear"):
        pytest.skip("`attune hear` is not in this build yet")
    path = bad_dir / name
    done = subprocess.run([sys.executable, "-m", "attune", "hear", str(path), "--json"], capture_output=True,
                          text=True, cwd=REPO, timeout=120)
    lines = check_outcome(done, path)
    for line in lines:
        assert line["intent"] is None, f"{name} decoded as {line}"
        assert line["file"].endswith(name)


@pytest.mark.slow
def test_attune_hear_keeps_going_after_a_bad_file(bad_dir):
    if not has_subcommand("hear"):
        pytest.skip("`attune hear` is not in this build yet")
    files = [bad_dir / "text.wav", bad_dir / "silence-16k.wav"]
    done = subprocess.run([sys.executable, "-m", "attune", "hear", *map(str, files), "--json"],
                          capture_output=True, text=True, cwd=REPO, timeout=120)
    assert "Traceback" not in done.stderr
    assert "text.wav" in done.stderr or "text.wav" in done.stdout


@pytest.mark.slow
@pytest.mark.parametrize("name", ["silence-16k.wav", "tone-44k1-stereo.wav", "truncated.wav", "text.wav",
                                  "empty.wav", "float32.wav"])
def test_attune_listen_wav_bad_audio(bad_dir, live_server, tmp_path, name):
    if not has_subcommand("listen"):
        pytest.skip("`attune listen` is not in this build yet")
    help_text = subprocess.run([sys.executable, "-m", "attune", "listen", "--help"], capture_output=True,
                               text=True, cwd=REPO, timeout=60).stdout
    if "--wav" not in help_text:
        pytest.skip("`attune listen --wav` is not in this build yet")
    path = bad_dir / name
    env = dict(live_server.env, XDG_DATA_HOME=str(tmp_path / "client"))
    done = subprocess.run([sys.executable, "-m", "attune", "listen", "--wav", str(path), "--json", "--server",
                           str(live_server), "--journal", str(tmp_path / "journal.jsonl")],
                          capture_output=True, text=True, cwd=REPO, timeout=120, env=env)
    check_outcome(done, path) if done.returncode else None
    assert "Traceback" not in done.stderr
    from tests.conftest import http_json

    status, view = http_json("GET", f"{live_server}/api/v1/routine")
    assert status == 200 and view["active"] is False, "noise must not start a routine"
    status, entries = http_json("GET", f"{live_server}/api/v1/entries")
    assert entries["total"] == 0


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_wav_reader_returns_audio_or_a_clear_error(bad_dir, name):
    """The shared reader behind `hear` and `listen --wav`: samples, or a file-format error to report."""
    audio = pytest.importorskip("voice.audio.sources")
    try:
        pcm = audio.read_wav_16k(bad_dir / name)
    except (ValueError, EOFError, wave_module.Error) as exc:
        assert str(exc) or isinstance(exc, EOFError)
    else:
        assert isinstance(pcm, bytes) and len(pcm) % 2 == 0
