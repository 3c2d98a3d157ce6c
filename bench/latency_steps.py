"""What each latency step of the second pass gains: end of speech to the answer's first audio.

    .venv/bin/python bench/latency_steps.py --rounds 8 --out /tmp/latency.md

The voice bench's latency path (`voice_bench.one_latency`: "give me a repair phrase" in four voices,
fed at microphone pace through the endpointer, the recognizer, a real in-process server, pyttsx3 and
sounddevice on an ALSA file device), with the second pass set up one way after another. The
variants take turns utterance by utterance, so a burst of load on the shared machine falls on all
of them alike. Times run from the endpointer's decision (its trailing quiet already waited out).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import voice_bench as vb  # noqa: E402


def variants(recognizer) -> dict:
    """name -> function setting the recognizer up that way."""
    prepare = type(recognizer).prepare

    def no_early():
        recognizer.prepare = lambda remaining_ms: None
        recognizer.early_scoring = False

    def early_read():
        recognizer.prepare = prepare.__get__(recognizer)
        recognizer.early_scoring = False

    def early_scored():
        recognizer.prepare = prepare.__get__(recognizer)
        recognizer.early_scoring = True

    out = {"no early start": no_early, "early start: encode + read": early_read,
           "early start: + Whisper's sentences scored": early_scored}
    if hasattr(recognizer, "skip_confidence"):
        def skip():
            early_scored()
            recognizer.skip_confidence = 1.0  # the level measured on the development half (not shipped)

        def no_skip():
            recognizer.skip_confidence = None

        out = {k: (lambda f=f: (no_skip(), f())) for k, f in out.items()}
        out["+ pocketsphinx's accepted result at confidence 1.0 taken without Whisper"] = skip
    return out


def ms(xs) -> str:
    return f"{1000 * statistics.median(xs):.0f} ms" if xs else "-"


def p95(xs) -> str:
    return f"{1000 * sorted(xs)[min(len(xs) - 1, int(round(0.95 * (len(xs) - 1))))]:.0f} ms" if xs else "-"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=8, help="utterances per variant")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)

    from intents import Matcher

    from voice.asr.engines import make_recognizer

    folder = Path(tempfile.mkdtemp(prefix="attune-latency-"))
    vb.fake_sound_card(folder)
    matcher = Matcher.load("en", extra_lists={"partner": ["Alex", "Sam"], "ritual": []})
    recognizer = make_recognizer("whisper")
    server, url = vb.start_server(folder)
    load_before = os.getloadavg()
    started = time.monotonic()
    setups = variants(recognizer)
    stages = {name: {"decode": [], "match+server": [], "tts first audio": [], "total": [], "not understood": [],
                     "parts": {}} for name in setups}
    try:
        rig = vb.latency_rig(matcher, folder, url)
        rng = np.random.default_rng(11)
        vb.one_latency(recognizer, matcher, rig, vb.latency_utterance(vb.VOICES[0], folder, rng),
                       {k: [] for k in ("decode", "match+server", "tts first audio", "total", "not understood")})
        for i in range(args.rounds):
            pcm = vb.latency_utterance(vb.VOICES[i % len(vb.VOICES)], folder, rng)
            for name, setup in setups.items():
                setup()
                vb.one_latency(recognizer, matcher, rig, pcm, stages[name])
                seconds = (recognizer.last or {}).get("seconds") or {}
                for part, sec in seconds.items():
                    stages[name]["parts"].setdefault(part, []).append(sec)
    finally:
        server.close()
    load_after = os.getloadavg()
    lines = ["# Latency steps of the second pass", "",
             f"Written by `bench/latency_steps.py` ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}), "
             f"{args.rounds} utterances per variant, variants in turn, {time.monotonic() - started:.0f} s. "
             f"Machine: {os.cpu_count()} cores shared with other sessions; load average "
             f"{load_before[0]:.1f} at the start, {load_after[0]:.1f} at the end.", "",
             "| variant | total median | total 95th pct | decoding median | of which (medians) "
             "| match + server | TTS first audio | not understood |",
             "|---|---|---|---|---|---|---|---|"]
    for name, st in stages.items():
        lines.append(f"| {name} | **{ms(st['total'])}** | {p95(st['total'])} | {ms(st['decode'])} | "
                     f"{', '.join(f'{k} {ms(v)}' for k, v in st['parts'].items() if k not in ('encode', 'read') or max(v) > 0)} | {ms(st['match+server'])} | {ms(st['tts first audio'])} | "
                     f"{len(st['not understood'])} |")
    lines += ["", "Parts of the decoding: first = pocketsphinx's finish, wait_early = waiting for the early start's "
              "thread, lattice / neighbours = pocketsphinx's n-best and nearby grammar sentences, encode / read = "
              "Whisper after the end (no early start), score = scoring after the end.", "", __doc__.split("\n\n", 2)[2].strip()]
    args.out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
