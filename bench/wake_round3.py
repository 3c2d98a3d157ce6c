"""Wake phrase, round 3: where "attune, <command>" is lost, stage by stage, and what fixes it.

Two phases over the same streams as bench/wake_check_bench.py (its `command_streams` and
`conversation_pass`: "attune" alone and "attune, <command>" after a dialogue line, and the dialogue
of bench/wake_dialogue.txt with no wake phrase in it; clean and kitchen noise at 10 dB):

1. segments: the voice loop's endpointer over each stream in 30 ms blocks, and first-stage spotters
   (`FIRST_STAGES`) fed each utterance as the loop feeds them. Every utterance a spotter fired on
   is kept (its audio, where the spotter placed the phrase's end, the speech after it), as are the
   utterances inside a command's stretch (to see the endpointer cutting one in two).
2. decide: each kept utterance through the second stages (`voice.wake.check`'s rules), recording
   what each would do; decisions at any margin are then computed from those records.

The endpointer does not depend on what the loop decides, so the utterances are those the loop
would hear (what an earcon's addressed window would then hear is not followed, as in
bench/wake_check_bench.py).

    .venv/bin/python bench/wake_round3.py --half dev segments
    .venv/bin/python bench/wake_round3.py --half dev decide
    .venv/bin/python bench/wake_round3.py --half dev losses
"""

from __future__ import annotations

import argparse
import pickle
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from voice.audio.sources import RATE  # noqa: E402
from voice_bench import load_kitchen  # noqa: E402
from wake_bench import CHUNK, DETECT_VOICES, PASSES, TALK_EXPECTS  # noqa: E402
from wake_check_bench import COMMANDS, COMMANDS_2, DEV_PASSES, DEV_VOICES, command_streams, conversation_pass  # noqa: E402

ENDPOINTER = None
"""The endpointer segmenting the streams (voice.audio.vad's names; None: the energy one, as this round ran)."""
PREFIX = "round3"
"""How this bench's records are named in the cache."""
WHISPER_MODEL = None
"""The second pass's Whisper model deciding the segments (--whisper-model; None: the default)."""

FIRST_STAGES = {  # name -> KeyphraseSpotter keywords
    "loose": dict(threshold=1e-30, verify=True, second_look=True, max_edits=1.5),
    "unchecked": dict(threshold=1e-30, verify=False, second_look=False),
    "unchecked-40": dict(threshold=1e-40, verify=False, second_look=False),
}


def halves(half: str):
    """(voices, conversation passes) of a half."""
    if half == "dev":
        return DEV_VOICES, DEV_PASSES
    if half == "held":
        return tuple(v for v in DETECT_VOICES if v not in DEV_VOICES), tuple(k for k in range(len(PASSES))
                                                                             if k not in DEV_PASSES)
    if half == "blind2":
        return DETECT_VOICES, ()
    raise ValueError(half)


def segment_stream(pcm: bytes, spotters: dict) -> list[dict]:
    """Every utterance of `pcm` by the loop's endpointer: {start, end, pcm, found: {stage: (end_byte, after)}}."""
    from voice.audio.endpoint import Endpointer, speech_seconds
    from voice.audio.vad import make_endpointer

    ep = make_endpointer(ENDPOINTER) if ENDPOINTER else Endpointer()
    out, cur, audio, live = [], None, [], {}
    for i in range(0, len(pcm), CHUNK):
        chunk = pcm[i:i + CHUNK]
        seg = ep.feed(chunk)
        pos = i + len(chunk)
        if seg.started:
            cur = {"start": pos - len(seg.audio), "found": {}}
            audio = []
            live = dict(spotters)
            for s in spotters.values():
                s.start()
        if seg.audio:
            audio.append(seg.audio)
            for name, s in list(live.items()):
                found = s.feed(seg.audio)
                if found is not None:
                    cur["found"][name] = found.end_byte
                    del live[name]
        if seg.ended and cur is not None:
            for s in spotters.values():
                s.finish()
            cur["pcm"] = b"".join(audio)
            cur["end"] = cur["start"] + len(cur["pcm"])
            cur["found"] = {k: (b, speech_seconds(cur["pcm"][b:], ep)) for k, b in cur["found"].items()}
            out.append(cur)
            cur = None
    return out


def phase_segments(args) -> None:
    from voice.wake.spotter import KeyphraseSpotter

    spotters = {k: KeyphraseSpotter(["attune"], **v) for k, v in FIRST_STAGES.items()}
    voices, passes = halves(args.half)
    noise = load_kitchen()
    data = {"commands": [], "conversation": []}
    for snr in (None, 10):
        rng = np.random.default_rng(5)
        blind2 = args.half == "blind2"
        speeds, commands = ((165,), COMMANDS_2) if blind2 else ((150, 180), COMMANDS)
        for voice in voices:
            t0 = time.monotonic()
            for speed, (pcm, marks) in zip(speeds, command_streams(args.cache, voice, snr, rng, noise, commands,
                                                                   speeds)):
                segs = segment_stream(pcm, spotters)
                for start, end, intent in marks:
                    inside = [s for s in segs if start <= s["start"] < end]
                    data["commands"].append({"snr": snr, "voice": voice, "speed": speed, "intent": intent,
                                             "segments": inside})
            print(f"  commands {voice} {snr}: {time.monotonic() - t0:.0f} s", flush=True)
        for k in passes:
            t0 = time.monotonic()
            pcm = conversation_pass(args.cache, k, snr, noise)
            segs = segment_stream(pcm, spotters)
            kept = [s for s in segs if s["found"]]
            data["conversation"].append({"snr": snr, "pass": k, "minutes": len(pcm) / 2 / RATE / 60,
                                         "utterances": len(segs), "segments": kept})
            print(f"  conversation {k} {snr}: {len(segs)} utterances, "
                  + ", ".join(f"{n} {sum(n in s['found'] for s in kept)}" for n in FIRST_STAGES)
                  + f", {time.monotonic() - t0:.0f} s", flush=True)
    path(args, "segments").write_bytes(pickle.dumps(data))


PREFIX_WORDS = 3
"""The whole reading's candidates: up to this many of Whisper's first words taken as its spelling of the phrase."""


def decide_segment(seg: dict, recognizer, check, grammar, woken, matcher, stages=None) -> dict:
    """Everything the second stages need to decide on one woken utterance (see the module)."""
    from voice.asr.fsg import nearest_sentences
    from voice.asr.second_pass import grammar_words
    from voice.wake.check import addressing
    from voice.wake.phrase import strip_wake_phrase

    def intent(text):
        said = strip_wake_phrase(text, ["attune"]) if text else ""
        return matcher.match(said, expect=TALK_EXPECTS["intents"]).intent if said else None

    pcm = seg["pcm"]
    out = {}
    # the current second stage: the two-pass recognizer on the whole utterance, phrase in front, then the check
    recognizer.last = {}
    recognizer.start(woken, partials=False)
    for i in range(0, len(pcm), CHUNK):
        recognizer.feed(pcm[i:i + CHUNK])
    t0 = time.perf_counter()
    result = recognizer.finish()
    v = check.judge(recognizer, pcm, None)
    last = recognizer.last
    enc = last.get("encoded")
    out["current"] = {"wake_gap": v.wake_gap, "command_gap": v.command_gap, "command": v.command,
                      "intent": intent(v.command), "first": last.get("first"), "text": result.text,
                      "candidates": list(last.get("candidates") or []), "free": list(last.get("free") or []),
                      "free_scores": list(last.get("free_scores") or []), "no_speech": last.get("no_speech"),
                      "seconds": time.perf_counter() - t0}
    # Whisper's whole reading: its first words taken as the phrase, the rest mapped to the step's sentences
    # and scored as "Attune, <command>." on the same encoding
    whole = []
    if enc is not None:
        free = out["current"]["free"]
        best_free = max(out["current"]["free_scores"], default=0.0)
        seen = {}
        for k, text in enumerate(free[:3]):
            words = grammar_words(text)
            for drop in range(1, min(PREFIX_WORDS, len(words)) + 1):
                rest = words[drop:]
                if not rest:
                    continue
                for cost, sentence in nearest_sentences(grammar.graph, rest, max_edits=2, limit=3):
                    key = " ".join(sentence)
                    if key not in seen:
                        seen[key] = (k, " ".join(words[:drop]), cost, len(words))
        if seen:
            end = "?" if free and free[0].endswith("?") else "."
            texts = [addressing("attune " + c, "attune") + end for c in seen]
            scores = recognizer.whisper.score(enc, texts)
            for (c, (k, prefix, cost, n_words)), sc in zip(seen.items(), scores):
                whole.append({"command": "attune " + c, "reading": k, "prefix": prefix, "edits": cost,
                              "gap": best_free - sc, "words": len(c.split()) + 1, "free_words": n_words,
                              "intent": intent("attune " + c)})
    out["whole"] = whole
    # the command alone, on the audio after where each first stage placed the phrase's end
    out["after"] = {}
    decide_rest(seg, out["after"], recognizer, grammar, matcher, stages)
    return out


def decide_rest(seg: dict, after: dict, recognizer, grammar, matcher, stages=None) -> None:
    """The command alone, on the audio after where each first stage placed the phrase's end (into `after`,
    by that byte, for those not there yet)."""
    def intent(text):
        return matcher.match(text, expect=TALK_EXPECTS["intents"]).intent if text else None

    pcm = seg["pcm"]
    for end_byte in sorted({b for k, (b, _a) in seg["found"].items() if stages is None or k in stages} - set(after)):
        rest = pcm[end_byte:]
        if len(rest) < RATE // 5 * 2:
            after[end_byte] = None
            continue
        recognizer.last = {}
        recognizer.start(grammar, partials=False)
        for i in range(0, len(rest), CHUNK):
            recognizer.feed(rest[i:i + CHUNK])
        r = recognizer.finish()
        last = recognizer.last
        after[end_byte] = {"text": r.text, "accepted": r.accepted, "confidence": r.confidence,
                           "gap": last.get("gap"), "best": last.get("text"), "free": list(last.get("free") or []),
                           "intent": intent(last.get("text") or ""), "first": last.get("first"),
                           "first_accepted": last.get("first_accepted")}


def phase_decide(args) -> None:
    from intents import Matcher

    from voice.asr.engines import make_recognizer
    from voice.hearing import grammar_for
    from voice.wake.check import WhisperWakeCheck
    from voice.wake.phrase import with_wake_phrase

    data = pickle.loads(path(args, "segments").read_bytes())
    matcher = Matcher.load("en", extra_lists={"partner": ["Alex", "Sam"], "ritual": []})
    recognizer = make_recognizer("whisper", whisper_model=WHISPER_MODEL)
    check = WhisperWakeCheck(recognizer.whisper, "attune", wake_margin=float("-inf"), command_margin=float("-inf"))
    grammar = grammar_for(recognizer, matcher, TALK_EXPECTS, command=True)
    woken = with_wake_phrase(grammar, ["attune"])
    stages = args.stages.split(",")
    todo = [s for part in ("commands", "conversation") for row in data[part] for s in row["segments"]
            if any(k in s["found"] for k in stages)]
    t0 = time.monotonic()
    for n, seg in enumerate(todo, 1):
        if "decided" not in seg:
            seg["decided"] = decide_segment(seg, recognizer, check, grammar, woken, matcher, stages)
        else:  # decided for other first stages: only the rest where these placed the phrase's end
            decide_rest(seg, seg["decided"]["after"], recognizer, grammar, matcher, stages)
        if n % 20 == 0:
            print(f"  {n}/{len(todo)} decided, {time.monotonic() - t0:.0f} s", flush=True)
            path(args, "segments").write_bytes(pickle.dumps(data))
    path(args, "segments").write_bytes(pickle.dumps(data))
    print(f"  {len(todo)} decided in {time.monotonic() - t0:.0f} s", flush=True)


WAKE_MARGIN, COMMAND_MARGIN, AFTER_S = 11.0, 15.0, 0.3  # voice.wake.check's, as shipped before this round


def current_outcome(d: dict, after: float, w: float = WAKE_MARGIN, c: float = COMMAND_MARGIN) -> str:
    """voice.wake.check's rule 2 on a recorded decision."""
    gap, wake_gap = d["command_gap"], d["wake_gap"]
    alone = after < AFTER_S
    if gap is not None and gap <= c and (gap <= wake_gap or not alone):
        return "command"
    return "wake" if wake_gap <= w and alone else "not addressed"


def spotted(row: dict, stage: str):
    """(the first utterance of a command's stretch the stage fired on, its (end_byte, after)) or (None, None)."""
    for s in row["segments"]:
        if stage in s["found"]:
            return s, s["found"][stage]
    return None, None


def lost_why(r: dict, stage: str, rule: str, p: dict, clean_len: dict) -> str:
    """Where one "attune, <command>" went under `rule` ("right" when its intent was taken)."""
    seg, found = spotted(r, stage)
    if seg is None:
        return "first stage missed"
    out, intent = RULES[rule](seg, stage, p)
    if out == "command" and intent == r["intent"]:
        return "right"
    d = seg["decided"]["current"]
    why = ("wrong intent" if out == "command" else
           "phrase alone chosen (earcon)" if out == "wake" else
           "woke, no command candidate" if d["command_gap"] is None else
           "command scored below margin" if d["command_gap"] > p.get("c", COMMAND_MARGIN) else
           "phrase alone scored better (nothing taken)")
    flags = []
    full = clean_len.get((r["voice"], r["speed"], r["intent"]))
    if r["snr"] is not None and full and len(seg["pcm"]) < full - 0.3 * RATE * 2:
        flags.append("endpointer cut")
    if found[1] < AFTER_S:
        flags.append("spotter placed the end late")
    return why + (f" [{', '.join(flags)}]" if flags else "")


LOSS_ORDER = ("right", "first stage missed", "woke, no command candidate", "phrase alone chosen (earcon)",
              "phrase alone scored better (nothing taken)", "command scored below margin", "wrong intent")


def loss_table(data: dict, stage: str, rules: list[tuple[str, str, dict]]) -> list[str]:
    """Rows: where the commands went; columns: each (title, rule, parameters), clean and 10 dB."""
    from collections import Counter

    clean_len = {}
    for r in data["commands"]:
        seg = spotted(r, stage)[0]
        if r["snr"] is None and seg is not None:
            clean_len[(r["voice"], r["speed"], r["intent"])] = len(seg["pcm"])
    counts = {}
    for title, rule, p in rules:
        for snr in (None, 10):
            counts[(title, snr)] = Counter(lost_why(r, p.get("stage", stage), rule, p, clean_len)
                                           for r in data["commands"] if r["snr"] == snr and r["intent"])
    keys = sorted({k for c in counts.values() for k in c},
                  key=lambda k: (LOSS_ORDER.index(k.split(" [")[0]), k))
    head = "| | " + " | ".join(f"{t}, clean | {t}, 10 dB" for t, _r, _p in rules) + " |"
    lines = [head, "|---" * (1 + 2 * len(rules)) + "|"]
    for k in keys:
        lines.append(f"| {k} | " + " | ".join(str(counts[(t, snr)][k]) for t, _r, _p in rules for snr in (None, 10))
                     + " |")
    n = sum(counts[(rules[0][0], None)].values())
    lines.append(f"| of | " + " | ".join(str(sum(counts[(t, snr)].values())) for t, _r, _p in rules
                                         for snr in (None, 10)) + " |")
    return lines


def loss_details(data: dict, stage: str, rule: str, p: dict) -> list[str]:
    """One line per lost command: what each reading made of it."""
    out = []
    for r in data["commands"]:
        if not r["intent"]:
            continue
        seg, found = spotted(r, stage)
        if seg is None:
            continue
        o, intent = RULES[rule](seg, stage, p)
        if o == "command" and intent == r["intent"]:
            continue
        d = seg["decided"]["current"]
        a = seg["decided"]["after"].get(found[0])
        out.append(f"{r['voice']} {r['speed']} {r['snr']} {r['intent']}: {o} {intent} | after {found[1]:.2f} s | "
                   f"whole: {d['command']!r} gap {d['command_gap']} wake {d['wake_gap']:.1f} free {d['free'][:2]} | "
                   f"rest: {a and (a['best'], a['accepted'], a['gap'], a['free'][:1])}")
    return out


def rule_current(seg, stage, p):
    d = seg["decided"]["current"]
    end_byte, after = seg["found"][stage]
    out = current_outcome(d, after, p.get("w", WAKE_MARGIN), p.get("c", COMMAND_MARGIN))
    return out, d["intent"] if out == "command" else None


def rule_after(seg, stage, p):
    """The command read on the audio after the phrase; the phrase itself judged as before."""
    d = seg["decided"]["current"]
    end_byte, after = seg["found"][stage]
    a = seg["decided"]["after"].get(end_byte)
    alone = after < AFTER_S
    taken = a and (a["accepted"] or p.get("no_speech_rule") is False and a["best"])
    if not alone and taken and a["intent"] and a["gap"] is not None and a["gap"] <= p["g"] \
            and d["wake_gap"] <= p["wg"]:
        return "command", a["intent"]
    if p.get("fallback"):
        return rule_current(seg, stage, p)
    return ("wake", None) if d["wake_gap"] <= p.get("w", WAKE_MARGIN) and alone else ("not addressed", None)


RULES = {"current": rule_current, "after": rule_after}


def evaluate(data, stage, rule, p) -> dict:
    f = {snr: {"right": 0, "n": 0, "wrong": 0, "alone": 0, "n_alone": 0, "false": 0, "minutes": 0.0, "fired": 0,
               "taken": []} for snr in (None, 10)}
    for r in data["commands"]:
        g = f[r["snr"]]
        seg = spotted(r, stage)[0]
        out, intent = RULES[rule](seg, stage, p) if seg is not None else ("missed", None)
        if r["intent"] is None:
            g["n_alone"] += 1
            g["alone"] += out == "wake"
            g["wrong"] += out == "command"
        else:
            g["n"] += 1
            g["right"] += out == "command" and intent == r["intent"]
            g["wrong"] += out == "command" and intent != r["intent"]
    for r in data["conversation"]:
        g = f[r["snr"]]
        g["minutes"] += r["minutes"]
        for seg in r["segments"]:
            if stage in seg["found"]:
                g["fired"] += 1
                out, intent = RULES[rule](seg, stage, p)
                if out != "not addressed":
                    g["false"] += 1
                    g["taken"].append((out, intent, seg["decided"]["current"]["free"][:1]))
    return f


def summary(f) -> str:
    c, n = f[None], f[10]
    hours = (c["minutes"] + n["minutes"]) / 60 or 1
    return (f"right {c['right']}/{c['n']} {n['right']}/{n['n']} | alone {c['alone']}/{c['n_alone']} "
            f"{n['alone']}/{n['n_alone']} | wrong {c['wrong']} {n['wrong']} | conv fired {c['fired']} {n['fired']}"
            f" false {c['false']} {n['false']} ({(c['false'] + n['false']) / hours:.1f}/h)")


GRID = [{"g": g, "wg": 99.0, "fallback": True, "no_speech_rule": ns} for ns in (True, False)
        for g in (0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.4)]
"""The audio-after-the-phrase rule's margins tried on the development half (`REST_MARGIN`)."""


def phase_losses(args) -> None:
    data = pickle.loads(path(args, "segments").read_bytes())
    for part in ("commands", "conversation"):  # only what has been decided (a partial run)
        for r in data[part]:
            r["segments"] = [s for s in r["segments"] if "decided" in s or not s["found"]]
    for stage in args.stages.split(","):
        print(stage, "current", summary(evaluate(data, stage, "current", {})))
        for p in GRID:
            print(stage, "after", p, summary(evaluate(data, stage, "after", p)))
        print("\n".join(loss_table(data, stage, [("current", "current", {}), ("after", "after", GRID[3])])))
        if args.details:
            print("\n".join(loss_details(data, stage, "after", GRID[3])))


def choose(data: dict, stages: list[str]) -> tuple[str, dict]:
    """On the development half only: the first stage and rest margin with no false activation in its
    conversation (under 1 an hour on its 28 minutes means none), then the most right decisions (phrase
    alone woke, commands with the right intent) less wrong commands, ties to the smaller margin."""
    best = None
    for i, stage in enumerate(stages):
        for p in GRID:
            f = evaluate(data, stage, "after", p)
            if f[None]["false"] or f[10]["false"]:
                continue
            good = sum(f[snr]["right"] + f[snr]["alone"] - f[snr]["wrong"] for snr in (None, 10))
            key = (good, -p["g"], -i)
            if best is None or key > best[0]:
                best = (key, (stage, p))
    return best[1]


def pct(a: int, b: int) -> str:
    return f"{100 * a / b:.1f}% ({a}/{b})" if b else "n/a"


def half_table(data: dict, stage: str, rule: str, p: dict) -> list[str]:
    f = evaluate(data, stage, rule, p)
    fired = {snr: [0, 0] for snr in (None, 10)}
    for r in data["commands"]:
        fired[r["snr"]][1] += 1
        fired[r["snr"]][0] += spotted(r, stage)[0] is not None
    c, n = f[None], f[10]
    hours = (c["minutes"] + n["minutes"]) / 60
    lines = ["| | clean | 10 dB |", "|---|---|---|",
             f"| first stage fired on the utterance | {pct(*fired[None])} | {pct(*fired[10])} |",
             f"| \"attune\" alone: earcon | {pct(c['alone'], c['n_alone'])} | {pct(n['alone'], n['n_alone'])} |",
             f"| \"attune, <command>\": the right intent | {pct(c['right'], c['n'])} | {pct(n['right'], n['n'])} |",
             f"| a wrong command taken (of all {c['n'] + c['n_alone']}) | {c['wrong']} | {n['wrong']} |"]
    if hours:
        lines += [f"| conversation: minutes | {c['minutes']:.1f} | {n['minutes']:.1f} |",
                  f"| conversation: utterances the first stage woke | {c['fired']} | {n['fired']} |",
                  f"| conversation: false activations | {c['false']} | {n['false']} |",
                  f"| false activations per hour (both) | {(c['false'] + n['false']) / hours:.1f} "
                  f"({c['false'] + n['false']} in {hours * 60:.0f} min) | |"]
        taken = c["taken"] + n["taken"]
        if taken:
            lines += ["", "Taken from the conversation: " + "; ".join(f"{o} {i} (Whisper: {t})" for o, i, t in taken)]
    return lines


METHOD = """Method (`bench/wake_round3.py`): the streams of bench/wake_check_bench.py. Commands: "attune" alone and
"attune, <command>" for 7 commands (next, how much time is left, pause, give me a repair phrase, i need a time
out, say that again, go back), 8 espeak-ng voices at 150 and 180 wpm, 7.5 s apart, after one dialogue line by
the same voice; clean (faint white noise) and kitchen noise at 10 dB. Conversation: bench/wake_dialogue.txt (no
wake phrase in it) by bench/wake_bench.py's voice pairs. Phase 1 runs the loop's endpointer over each stream in
30 ms blocks and feeds every utterance to the first stages as the loop does (`loose`: keyphrase 1e-30 with the
phone-loop check within 1.5 edits, checked twice, the previous default; `unchecked`: the keyphrase search alone at
1e-30). Phase 2 runs every utterance a first stage fired on through the second stages with the real models (the
two-pass recognizer, pocketsphinx then Whisper tiny.en): the current check (the whole utterance decoded with the
step's grammar behind the phrase, `WhisperWakeCheck.judge`, margins 11 / 15) and the two-pass recognizer on the
audio after where the spotter placed the phrase's end. Decisions at any margin are computed from those records.
The endpointer does not depend on what the loop decides, so these are the loop's utterances; what an earcon's
addressed window would then hear is not followed (as in bench/wake_check_bench.py).

Development half: voices en-us, en-us+f3, en-gb-scotland, en-029 and conversation pass 1 (en-us / en-us+f3).
Held-out half: voices en-gb, en+m3, en-gb-x-rp, en-us+f2 and passes 2-3. Rule (`choose`, development half
only): no false activation in its 28 minutes of conversation, then the most right decisions (earcons on the
phrase alone, commands with the right intent) less wrong commands, ties to the smaller margin. The held-out half
was decided by the models before the choice but scored once, after it."""


def phase_report(args) -> None:
    """Choose on the development half, score the held-out half once, write the results file."""
    import os
    import platform

    stages = args.stages.split(",")
    dev = pickle.loads((args.cache / "round3-dev-segments.pkl").read_bytes())
    stage, p = choose(dev, stages)
    held_path = args.cache / "round3-held-segments.pkl"
    held = pickle.loads(held_path.read_bytes()) if held_path.exists() and args.held else None
    b2_path = args.cache / "round3-blind2-segments.pkl"
    blind2 = pickle.loads(b2_path.read_bytes()) if b2_path.exists() and args.held else None
    new = f"first stage {stage}, rest margin {p['g']:g}"
    lines = ["# Wake phrase, round 3: the command read after the phrase", "",
             f"Written by `bench/wake_round3.py report` ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}) from "
             f"the records of its two phases. Machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
             f"shared with six other helpers' jobs: load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
             "when written, 9-15 while the models ran (accuracy does not depend on load).", "",
             METHOD, "",
             "## Chosen on the development half", "",
             f"First stage **{stage}** ({FIRST_STAGES[stage]}); a command is read on the audio after the phrase and "
             f"taken when the second pass's best sentence is within **{p['g']:g}** nats a token of Whisper's reading "
             f"of that audio (no-speech refusal {'kept' if p['no_speech_rule'] else 'ignored'}); otherwise the current "
             "check on the whole utterance (`voice.wake.check.REST_MARGIN`, `FIRST_STAGE`).", ""]
    if held is not None:
        lines += ["## Held-out half, scored once", "", f"### New ({new})", ""]
        lines += half_table(held, stage, "after", p)
        lines += ["", "### Before: loose first stage, current check (as shipped before this round)", ""]
        lines += half_table(held, "loose", "current", {})
        lines += ["", "### Where the held-out commands went", ""]
        lines += loss_table(held, stage, [("before (loose, current)", "current", {"stage": "loose"}),
                                          ("new", "after", p)])
    if blind2 is not None:
        lines += ["", "## Second blind set (bench/wake_check_bench.py's COMMANDS_2), scored once", "",
                  "stop, help, resume, another one, save that one, read our favorites, how long is left, we need a "
                  "break, and \"attune\" alone; all eight voices at 165 wpm (no conversation).", ""]
        lines += half_table(blind2, stage, "after", p)
    lines += ["", "## Development half", ""]
    for name in stages:
        lines += [f"### First stage {name}", "", "Current check (margins "
                  f"{WAKE_MARGIN:g} / {COMMAND_MARGIN:g}):", ""]
        lines += half_table(dev, name, "current", {})
        lines += ["", "The command after the phrase, at each rest margin (right commands clean / 10 dB, earcons, "
                  "wrong commands clean / 10 dB, conversation):", ""]
        for q in GRID:
            lines.append(f"- {q['g']:g}{'' if q['no_speech_rule'] else ', no-speech refusal ignored'}: "
                         + summary(evaluate(dev, name, "after", q)))
        lines += ["", f"Loss table ({name}; new: rest margin {p['g']:g}):", ""]
        lines += loss_table(dev, name, [("current", "current", {}), ("new", "after", p)])
        lines.append("")
    lines += [f"### The development half's lost commands under the new rule ({new})", "",
              "What each reading made of them: the whole utterance's best command and gaps, Whisper's free "
              "reading; the rest's best sentence, whether the second pass accepted it, its gap a token, and "
              "Whisper's reading of the rest.", ""]
    lines += [f"- {x}" for x in loss_details(dev, stage, "after", p)]
    text = "\n".join(lines) + "\n"
    args.out.write_text(text, encoding="utf-8")
    print(text)


def path(args, what: str) -> Path:
    return args.cache / f"{PREFIX}-{args.half}-{what}.pkl"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("phase", choices=("segments", "decide", "losses", "report"))
    parser.add_argument("--half", default="dev", choices=("dev", "held", "blind2"))
    parser.add_argument("--details", action="store_true")
    parser.add_argument("--held", action="store_true", help="report: also the held-out half (once)")
    parser.add_argument("--stages", default="loose", help="first stages whose utterances are decided")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "wake-round3.md")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "attune-wake-bench")
    args = parser.parse_args(argv)
    args.cache.mkdir(parents=True, exist_ok=True)
    {"segments": phase_segments, "decide": phase_decide, "losses": phase_losses, "report": phase_report}[args.phase](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
