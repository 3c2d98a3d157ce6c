"""Wake phrase, round 4: where the phrase is missed at 10 dB, stage by stage, and what fixes it.

The streams, phases and records of bench/wake_round3.py (its `segments` and `decide` phases, here
with more first stages), read again for detection: an "attune" or "attune, <command>" is detected
when attune answers it at all (the earcon or a command), and lost at one of three stages:

- the spotter never fired on it;
- the spotter fired and Whisper's check turned it away (not addressed);
- the spotter fired late, so that the command was cut (it placed the phrase's end in the command).

    .venv/bin/python bench/wake_round4.py --half dev segments
    .venv/bin/python bench/wake_round4.py --half dev --stages unchecked,unchecked-40 decide
    .venv/bin/python bench/wake_round4.py --half dev --stages unchecked,unchecked-40 losses
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import wake_round3 as r3  # noqa: E402

r3.FIRST_STAGES.update({
    "unchecked-start40": dict(threshold=1e-30, verify=False, second_look=False, max_start_s=0.4),
})
for name in ("loose",):
    del r3.FIRST_STAGES[name]


SHIFTS_MS = (100, 200)
"""The rest read from this much after where the spotter placed the phrase's end (it often fires before the
phrase's last phone): pseudo first stages "<stage>+<ms>" with the same speech after the phrase."""


def phase_shift(args) -> None:
    """Add the shifted split points of each stage in `--stages` to the records of the segments phase."""
    import pickle

    from voice.audio.sources import RATE

    data = pickle.loads(r3.path(args, "segments").read_bytes())
    for part in ("commands", "conversation"):
        for row in data[part]:
            for seg in row["segments"]:
                for stage in args.stages.split(","):
                    if stage in seg["found"]:
                        b, a = seg["found"][stage]
                        for ms in SHIFTS_MS:
                            seg["found"][f"{stage}+{ms}"] = (min(len(seg["pcm"]), b + ms * RATE // 1000 * 2), a)
    r3.path(args, "segments").write_bytes(pickle.dumps(data))


def rule_ask(seg, stage, p):
    """Round three's rule (`wake_round3.rule_after`), and what it turns away answered with the earcon (say
    the command again) when the phrase alone scored within `p["ask"]` nats of Whisper's reading of the whole
    utterance (`voice.wake.check.ASK_MARGIN`)."""
    out, intent = r3.rule_after(seg, stage, p)
    if out == "not addressed" and seg["decided"]["current"]["wake_gap"] <= p.get("ask", float("-inf")):
        return "wake", None
    return out, intent


r3.RULES["ask"] = rule_ask
ASKS_NOT_KEPT = """The earcon for a phrase heard without a command it could take: "at noon we had lunch" (a
look-alike that tests/voice/wake/test_check.py keeps) scores the phrase alone 8.9 nats below Whisper's
reading, closer than many real phrases whose command was lost, so a margin that helps would also wake
attune on it; the development conversation has no such line."""
ASKS = (None, 12.0, 14.0, 16.0, 18.0, 20.0, 22.0, 25.0)
"""The ask margins tried on the development half (None: never ask, as round three); not kept (ASKS_NOT_KEPT)."""


def detection_why(row: dict, stage: str, p: dict) -> str:
    """Where one "attune" or "attune, <command>" went, for detection: "answered" when attune answered it
    at all (the earcon or a command), else the stage that lost it."""
    if not row["segments"]:
        return "no utterance began with the phrase (the endpointer ran on from before it)"
    seg, found = r3.spotted(row, stage)
    if seg is None:
        return "the spotter never fired"
    out, _intent = rule_ask(seg, stage, p)
    if out == "not addressed":
        return "the spotter fired, Whisper's check turned it away"
    if row["intent"] and out == "wake" and found[1] < r3.AFTER_S:
        return "answered, but the spotter fired late and the command was cut (earcon)"
    return "answered"


def detection_table(data: dict, columns: list[tuple[str, str, dict]]) -> list[str]:
    """Rows: where the phrases went; columns: (title, first stage, rule parameters), clean and 10 dB."""
    from collections import Counter

    counts = {(t, snr): Counter(detection_why(r, stage, p) for r in data["commands"] if r["snr"] == snr)
              for t, stage, p in columns for snr in (None, 10)}
    keys = sorted({k for c in counts.values() for k in c}, key=lambda k: (not k.startswith("answered"), k))
    lines = ["| | " + " | ".join(f"{t}, clean | {t}, 10 dB" for t, _s, _p in columns) + " |",
             "|---" * (1 + 2 * len(columns)) + "|"]
    lines += [f"| {k} | " + " | ".join(str(counts[(t, snr)][k]) for t, _s, _p in columns for snr in (None, 10)) + " |"
              for k in keys]
    lines.append("| of | " + " | ".join(str(sum(counts[(t, snr)].values())) for t, _s, _p in columns
                                        for snr in (None, 10)) + " |")
    return lines


def phase_losses(args):
    import pickle

    data = pickle.loads(r3.path(args, "segments").read_bytes())
    for part in ("commands", "conversation"):  # only what has been decided (a partial run)
        for r in data[part]:
            r["segments"] = [s for s in r["segments"] if "decided" in s or not s["found"]]
    stages = args.stages.split(",")
    for stage, p in candidates(stages):
        print(stage, p["g"], p["ask"], r3.summary(r3.evaluate(data, stage, "ask", p)))
    print("\n".join(detection_table(data, [(s, s, SHIPPED[1]) for s in stages])))
    for stage, p in candidates(stages, ASKS):
        if p["g"] == 2.0:
            print("ask", stage, p["ask"], r3.summary(r3.evaluate(data, stage, "ask", p)))
    stage, p = choose(data, stages)
    print("chosen", stage, p)
    print("\n".join(detection_table(data, [("chosen", stage, p)])))
    print("\n".join(r3.loss_table(data, stage, [("chosen", "ask", p)])))
    if args.details:
        print("\n".join(r3.loss_details(data, stage, "ask", p)))


SHIPPED = ("unchecked", {**r3.GRID[10], "ask": float("-inf")})
"""Round three's choice, as shipped: the keyphrase search alone, the rest from where it placed the phrase's
end, taken within 2 nats a token (no-speech refusal ignored)."""


def candidates(stages: list[str], asks=(None,)):
    return [(stage, {**p, "ask": float("-inf") if a is None else a}) for stage in stages for a in asks
            for p in r3.GRID if not p["no_speech_rule"]]


def choose(data: dict, stages: list[str]) -> tuple[str, dict]:
    """Round three's rule (`wake_round3.choose`) over these stages and its margins: no false activation in
    the development conversation, then the most right decisions less wrong commands, ties to the shipped
    split and the smaller margin."""
    best = None
    for i, (stage, p) in enumerate(candidates(stages)):
        f = r3.evaluate(data, stage, "ask", p)
        if f[None]["false"] or f[10]["false"]:
            continue
        good = sum(f[snr]["right"] + f[snr]["alone"] - f[snr]["wrong"] for snr in (None, 10))
        key = (good, -stages.index(stage), -p["g"], -p["ask"])
        if best is None or key > best[0]:
            best = (key, (stage, p))
    return best[1]


def detected(data: dict, stage: str, p: dict) -> dict:
    """{snr: (answered, of)} over "attune" and "attune, <command>"."""
    out = {}
    for snr in (None, 10):
        rows = [r for r in data["commands"] if r["snr"] == snr]
        out[snr] = (sum(detection_why(r, stage, p).startswith("answered") for r in rows), len(rows))
    return out


def phase_report(args) -> None:
    """Choose on the development half, score the held-out half once, write bench/results/wake-round4.md."""
    import os
    import pickle
    import platform
    import time

    stages = args.stages.split(",")
    dev = pickle.loads(r3.path(args, "segments").read_bytes())
    stage, p = choose(dev, stages)
    args.half = "held"
    held = pickle.loads(r3.path(args, "segments").read_bytes()) if args.held else None
    new = f"split {stage}, rest margin {p['g']:g}" + (f", ask margin {p['ask']:g}" if p["ask"] > 0 else "")
    shipped = f"split {SHIPPED[0]}, rest margin {SHIPPED[1]['g']:g}"
    lines = ["# Wake phrase, round 4: detection stage by stage, with the loop's endpointer", "",
             f"Written by `bench/wake_round4.py report` ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}). "
             f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, shared with other helpers' jobs "
             f"(load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} when written; accuracy does not "
             f"depend on load). Second pass: Whisper {r3.WHISPER_MODEL or 'tiny.en (the default)'}.", "", METHOD, ""]
    lines += ["## Chosen on the development half", "",
              f"**{new}** (first stage: {r3.FIRST_STAGES[stage.split('+')[0]]}; `+N`: the rest read from N ms after "
              "where the spotter placed the phrase's end).", ""]
    if held is not None:
        lines += ["## Held-out half, scored once", ""]
        d_new, d_old = detected(held, stage, p), detected(held, *SHIPPED)
        lines += ["| | clean | 10 dB |", "|---|---|---|"]
        for title, d in ((f"answered (earcon or a command), {new}", d_new),
                         (f"answered, {shipped} (round three's)", d_old)):
            lines.append(f"| {title} | {r3.pct(*d[None])} | {r3.pct(*d[10])} |")
        lines += ["", f"### {new}", ""] + r3.half_table(held, stage, "ask", p)
        if (stage, p) != SHIPPED:
            lines += ["", f"### {shipped} (round three's, on the same records)", ""]
            lines += r3.half_table(held, SHIPPED[0], "ask", SHIPPED[1])
        lines += ["", "### Where the held-out phrases went (detection)", ""]
        lines += detection_table(held, [("new", stage, p), ("round three's", *SHIPPED)])
        lines += ["", "### Where the held-out commands went", ""]
        lines += r3.loss_table(held, stage, [("new", "ask", p), ("round three's", "ask",
                                                                 {**SHIPPED[1], "stage": SHIPPED[0]})])
    lines += ["", "## Development half", "", "### Where the phrases went (detection)", ""]
    lines += detection_table(dev, [(s, s, SHIPPED[1]) for s in stages])
    lines += ["", "### Each split and rest margin (right commands clean / 10 dB, earcons, wrong commands, "
              "conversation)", ""]
    lines += [f"- {s}, rest {q['g']:g}: " + r3.summary(r3.evaluate(dev, s, "ask", q)) for s, q in candidates(stages)]
    lines += ["", f"Asking again, with {stage} and rest margin {p['g']:g}:", ""]
    lines += [f"- ask {a:g}: " + r3.summary(r3.evaluate(dev, stage, "ask", {**p, "ask": a})) for a in ASKS[1:]]
    lines += ["", "Asking again (the earcon when the phrase alone scored within the ask margin of Whisper's "
              "reading but no command was taken; -inf: never), the development half's detection:", ""]
    lines += detection_table(dev, [(f"ask {a:g}", stage, {**p, "ask": a}) for a in (12.0, 14.0, 16.0)])
    lines += ["", "Not kept: " + " ".join(ASKS_NOT_KEPT.split())]
    lines += ["", f"### Where the development commands went ({new})", ""]
    lines += r3.loss_table(dev, stage, [("new", "ask", p)])
    lines += ["", f"### The development half's lost commands ({new})", ""]
    lines += [f"- {x}" for x in r3.loss_details(dev, stage, "ask", p)]
    text = "\n".join(lines) + "\n"
    args.out.write_text(text, encoding="utf-8")
    print(text)


METHOD = """Method (`bench/wake_round4.py`, over bench/wake_round3.py's phases): the streams of
bench/wake_check_bench.py ("attune" alone and "attune, <command>" for 7 commands after one dialogue line,
8 espeak-ng voices at 150 and 180 wpm, clean and kitchen noise at 10 dB; the conversation of
bench/wake_dialogue.txt, with no wake phrase in it), segmented as round three did but by **the loop's own
endpointer** (Silero VAD, 350 ms of trailing quiet: `voice.audio.vad.make_endpointer()`; round three's bench
ran the energy endpointer, which the loop no longer uses). Every utterance a first stage fired on goes
through the real models (pocketsphinx then Whisper, tiny.en unless named above): the whole utterance as round three's check
reads it, and the rest (the audio after where the spotter placed the phrase's end, or 100 / 200 ms later)
through the two-pass recognizer with the step's grammar. Decisions at any margin are computed from those
records, with the rule the loop runs (`voice.wake.check.WhisperWakeCheck.decide`).

Detection: an "attune" or "attune, <command>" is answered when attune answers it at all (the earcon, or a
command whatever its intent); otherwise it was lost where the table says: no utterance began with it (the
endpointer ran on from the sound before it), the spotter never fired, or the spotter fired and Whisper's
check turned it away. Commands: the right intent taken.

Development half: voices en-us, en-us+f3, en-gb-scotland, en-029 and conversation pass 1; held out:
en-gb, en+m3, en-gb-x-rp, en-us+f2 and passes 2-3 (as round three). Rule (`choose`, development half only):
no false activation in its 28 minutes of conversation, then the most right decisions (earcons on the
phrase alone, commands with the right intent) less wrong commands; ties to the shipped split and the
smaller margin. The held-out half was decoded before the choice and scored once, after it."""


def phase_fresh(args) -> None:
    """Copy the default model's segments (the first stages' work, no Whisper in it) to --whisper-model's
    records without their decisions, for `decide` to decide them again with that model."""
    import pickle

    source = args.cache / f"round4-{args.endpointer}-{args.half}-segments.pkl"
    data = pickle.loads(source.read_bytes())
    for part in ("commands", "conversation"):
        for row in data[part]:
            for seg in row["segments"]:
                seg.pop("decided", None)
    r3.path(args, "segments").write_bytes(pickle.dumps(data))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("phase", choices=("segments", "fresh", "shift", "decide", "losses", "report"))
    parser.add_argument("--held", action="store_true", help="report: also the held-out half (once)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "wake-round4.md")
    parser.add_argument("--half", default="dev", choices=("dev", "held"))
    parser.add_argument("--stages", default="unchecked")
    parser.add_argument("--details", action="store_true")
    parser.add_argument("--endpointer", default="silero", help="voice.audio.vad's name (the loop's default: silero)")
    parser.add_argument("--whisper-model", help="the second pass's Whisper model (default: the default); its "
                                                "records are kept apart (`fresh` copies the default's segments)")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "attune-wake-bench")
    args = parser.parse_args(argv)
    args.cache.mkdir(parents=True, exist_ok=True)
    r3.ENDPOINTER, r3.PREFIX = args.endpointer, f"round4-{args.endpointer}"
    if args.whisper_model:
        r3.WHISPER_MODEL, r3.PREFIX = args.whisper_model, f"{r3.PREFIX}-{args.whisper_model}"
    if args.phase == "fresh":
        phase_fresh(args)
    elif args.phase == "segments":
        r3.phase_segments(args)
    elif args.phase == "report":
        phase_report(args)
    elif args.phase == "shift":
        phase_shift(args)
    elif args.phase == "decide":
        r3.phase_decide(args)
    else:
        phase_losses(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
