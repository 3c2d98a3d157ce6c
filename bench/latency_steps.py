"""What each latency step gains: from the last speech (and from the endpointer's decision) to the answer's first audio.

    .venv/bin/python bench/latency_steps.py --rounds 16 --out /tmp/latency.md

The voice loop's own audio path (`voice_bench.one_latency` over `voice.hearing.hear_audio`: the
endpointer, the recognizer, the speculative finish or the early second pass) on "give me a repair
phrase" in four espeak-ng voices with faint noise, fed at microphone pace (30 ms blocks, sleeping in
between), then as the loop does: the words to a real in-process server, its reply to pyttsx3 and
sounddevice on an ALSA file device.
Two clocks: from the last speech (the last 10 ms frame of the clean synthesized words within 30 dB of
their loudest, at the time the microphone would have delivered it) and from the endpointer's
decision (the block in which it ended the utterance), both to the first block of the answer's audio.
The variants take turns utterance by utterance, so a burst of load on the shared machine falls on
all of them alike.
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

# name -> (endpointer, trailing quiet in ms, speculate_ms: 0 = the early second pass instead)
VARIANTS = {
    "energy 450 ms, early second pass (last round's bench)": ("energy", 450, 0),
    "silero 450 ms, early second pass (before)": ("silero", 450, 0),
    "silero 450 ms, speculative finish": ("silero", 450, None),
    "silero 350 ms, speculative finish (now the default)": ("silero", 350, None),
}


def ms(xs) -> str:
    return f"{1000 * statistics.median(xs):.0f} ms" if xs else "-"


def p95(xs) -> str:
    return f"{1000 * sorted(xs)[min(len(xs) - 1, int(round(0.95 * (len(xs) - 1))))]:.0f} ms" if xs else "-"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=16, help="utterances per variant")
    ap.add_argument("--variants", default=";".join(f"{k}:{v[0]}:{v[1]}:{v[2]}" for k, v in VARIANTS.items()),
                    help="name:endpointer:quiet_ms:speculate_ms (speculate 0 = early second pass), separated by ;")
    ap.add_argument("--engine", default="whisper")
    ap.add_argument("--whisper-models", default="",
                    help="comma-separated --whisper-model values, each a recognizer of its own; every variant "
                         "runs with each, in turn (default: the default model only)")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)

    from intents import Matcher

    from voice.asr.engines import make_recognizer

    setups = {}
    for item in args.variants.split(";"):
        name, kind, quiet, spec = item.rsplit(":", 3)
        setups[name] = (kind, int(quiet), None if spec == "None" else int(spec))
    folder = Path(tempfile.mkdtemp(prefix="attune-latency-"))
    vb.fake_sound_card(folder)
    matcher = Matcher.load("en", extra_lists={"partner": ["Alex", "Sam"], "ritual": []})
    chosen = [m.strip() for m in args.whisper_models.split(",") if m.strip()]
    recognizers = {m: make_recognizer(args.engine, whisper_model=m) for m in chosen} or \
        {None: make_recognizer(args.engine)}
    if chosen:
        setups = {f"{name}, {m}": (*setup, m) for m in chosen for name, setup in setups.items()}
    else:
        setups = {name: (*setup, None) for name, setup in setups.items()}
    server, url = vb.start_server(folder)
    stats = {name: {k: [] for k in vb.LATENCY_KEYS} | {"parts": {}} for name in setups}
    loads = [os.getloadavg()[0]]
    started = time.monotonic()
    try:
        rig = vb.latency_rig(matcher, folder, url)
        rng = np.random.default_rng(11)
        for each in recognizers.values():
            vb.one_latency(each, matcher, rig, *vb.latency_utterance(vb.VOICES[0], folder, rng),
                           {k: [] for k in vb.LATENCY_KEYS})  # warm-up, not counted
        for i in range(args.rounds):
            pcm, end = vb.latency_utterance(vb.VOICES[i % len(vb.VOICES)], folder, rng)
            for name, (kind, quiet, speculate, model) in setups.items():
                recognizer = recognizers[model]
                vb.one_latency(recognizer, matcher, rig, pcm, end, stats[name], kind, quiet, speculate)
                for part, sec in ((recognizer.last or {}).get("seconds") or {}).items():
                    stats[name]["parts"].setdefault(part, []).append(sec)
            loads.append(os.getloadavg()[0])
    finally:
        server.close()
    lines = ["# Latency: last speech to the answer's first audio", "",
             f"Written by `bench/latency_steps.py` ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}), "
             f"engine {'; '.join(r.describe() for r in recognizers.values())}; "
             f"{args.rounds} utterances per variant, variants in turn, "
             f"{time.monotonic() - started:.0f} s. Machine: {os.cpu_count()} cores shared with other sessions; "
             f"load average (1 min) {min(loads):.1f}-{max(loads):.1f}, median {statistics.median(loads):.1f}.", "",
             "| variant | from last speech: median | 95th pct | from the decision: median | 95th pct "
             "| decision after last speech (median) | decision to words | match + server | TTS first audio "
             "| not understood |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for name, st in stats.items():
        lines.append(f"| {name} | **{ms(st['from last speech'])}** | {p95(st['from last speech'])} | "
                     f"{ms(st['total'])} | {p95(st['total'])} | "
                     f"{ms(st['decision after last speech'])} | {ms(st['decode'])} | "
                     f"{ms(st['match+server'])} | {ms(st['tts first audio'])} | {len(st['not understood'])} |")
    lines += ["", "Parts of the recognizer's finish (medians; with the speculative finish they run in the "
              "quiet, before the decision):", ""]
    for name, st in stats.items():
        parts = ", ".join(f"{k} {ms(v)}" for k, v in st["parts"].items() if max(v) > 0)
        lines.append(f"- {name}: {parts or '-'}")
    lines += ["", __doc__.split("\n\n", 2)[2].strip()]
    args.out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
