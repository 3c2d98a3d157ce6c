"""The ALSA file device: a sound card made of two raw files, for tests and benches without hardware."""

from __future__ import annotations

from pathlib import Path

from voice.audio.sources import RATE


ALSA_FILE_DEVICE = """\
pcm.!default {{ type asym; playback.pcm "filespk"; capture.pcm "filemic" }}
pcm.filespk {{ type plug; slave {{ pcm "spkfile"; rate 16000; channels 1; format S16_LE }} }}
pcm.spkfile {{ type file; slave.pcm "null"; file "{out}"; format "raw" }}
pcm.filemic {{ type plug; slave {{ pcm "micfile"; rate 16000; channels 1; format S16_LE }} }}
pcm.micfile {{ type file; slave.pcm "null"; file "/dev/null"; infile "{inp}"; format "raw" }}
ctl.!default {{ type hw card 0 }}
"""


def write_alsa_file_device(home: Path, inp: Path | None = None, out: Path | None = None) -> Path:
    """Write `home`/.asoundrc making ALSA's default device a pair of raw files (no sound card needed).

    Capture reads `inp` (16 kHz mono S16_LE; pad it, reading past the end gives junk) and
    playback writes `out`. Point HOME at `home` before PortAudio initialises (or re-initialise
    sounddevice). The null device is not paced: audio passes faster than real time.
    """
    home = Path(home)
    home.mkdir(parents=True, exist_ok=True)
    inp = Path(inp) if inp else home / "in.raw"
    out = Path(out) if out else home / "out.raw"
    if not inp.exists():
        inp.write_bytes(bytes(RATE * 2))
    (home / ".asoundrc").write_text(ALSA_FILE_DEVICE.format(out=out, inp=inp))
    return home
