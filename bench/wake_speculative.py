"""Whisper's wake check decided speculatively: the same verdicts as deciding after the end, and sooner?

It measured 6398019 (the check run by the speculative finish), reverted in dc13421 for no gain in
latency (bench/results/latency.md, section 5); on the loop as it is now both ways decide after the end.

The voice loop's audio path (`voice.hearing.hear_audio`, the loop's endpointer, the keyphrase spotter
as Whisper's first stage and `voice.wake.check.WhisperWakeCheck`) over the command streams of
bench/wake_check_bench.py ("attune" alone and "attune, <command>" after a dialogue line; the
development voices, clean and at 10 dB in kitchen noise), twice on the same audio: deciding each woken
utterance after the endpointer ends it (`speculate_ms=0`, the early second pass) and in the quiet
before (the speculative finish). Fed as fast as it decodes: this compares what is heard, not when.

    .venv/bin/python bench/wake_speculative.py [--voices en-us,en-029] [--snrs clean,10]
    .venv/bin/python bench/wake_speculative.py --latency 6

`--latency N`: N rounds of "attune, give me a repair phrase" in bench/voice_bench.py's four latency voices
with faint noise, fed at microphone pace (30 ms blocks, sleeping in between), the two ways taking turns
utterance by utterance; from the last speech (as bench/latency_steps.py: the last 10 ms frame of the clean
words within 30 dB of their loudest) and from the endpointer's decision to the command heard (the server
and the speech after it are the same both ways: bench/results/latency.md).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from voice_bench import load_kitchen  # noqa: E402
from wake_bench import TALK_EXPECTS  # noqa: E402
from wake_check_bench import DEV_VOICES, command_streams  # noqa: E402


def loop_run(pcm: bytes, recognizer, matcher, speculate_ms) -> dict:
    from voice.audio.sources import chunked
    from voice.audio.vad import make_endpointer
    from voice.hearing import hear_audio
    from voice.wake.check import FIRST_STAGE, WhisperWakeCheck
    from voice.wake.listening import Listening
    from voice.wake.spotter import KeyphraseSpotter

    history, wakes, notices = [], [], []
    check = WhisperWakeCheck(recognizer.whisper, "attune", history=history)
    listening = Listening()
    listening.routine({"active": True, "expects": {**TALK_EXPECTS, "free_text": True}})
    heard = [h.text for h in hear_audio(chunked(pcm), recognizer, matcher=matcher, expects=lambda: TALK_EXPECTS,
                                        endpointer=make_endpointer(), listening=listening,
                                        spotter=KeyphraseSpotter(["attune"], **FIRST_STAGE),
                                        on_wake=lambda: wakes.append(len(history)), wake_check=check,
                                        notice=notices.append, speculate_ms=speculate_ms)]
    return {"heard": heard, "wakes": len(wakes), "notices": notices,
            "verdicts": [(v.outcome, v.text) for v in history]}


def paced_latency(recognizer, matcher, pcm: bytes, speech_end: int, speculate_ms) -> tuple[float, float] | None:
    """(from the last speech, from the endpointer's decision) to the command heard, in seconds; None: not heard."""
    from voice.audio.vad import make_endpointer
    from voice.hearing import hear_audio
    from voice.wake.check import FIRST_STAGE, WhisperWakeCheck
    from voice.wake.listening import Listening
    from voice.wake.spotter import KeyphraseSpotter
    from voice.audio.sources import RATE
    from voice_bench import TimedEndpointer, microphone

    timed = TimedEndpointer(make_endpointer())
    base = time.monotonic()
    heard = hear_audio(microphone(pcm, base), recognizer, matcher=matcher, expects=lambda: TALK_EXPECTS, endpointer=timed,
                       listening=Listening(), spotter=KeyphraseSpotter(["attune"], **FIRST_STAGE),
                       wake_check=WhisperWakeCheck(recognizer.whisper, "attune"), notice=lambda m: None,
                       speculate_ms=speculate_ms)
    for _item in heard:
        now = time.monotonic()
        heard.close()
        return now - (base + speech_end / RATE), now - timed.ended_at
    return None


def bench_latency(recognizer, matcher, rounds: int, cache: Path) -> None:
    import statistics

    from endpoint_bench import speech_extent
    from voice.audio.sources import RATE
    from voice_bench import VOICES, espeak, to_pcm, with_faint_noise

    rng = np.random.default_rng(11)
    names = {None: "speculative finish (the check decided in the quiet)", 0: "early second pass (as before)"}
    got = {ms: ([], []) for ms in names}
    missed = {ms: 0 for ms in names}
    for k in range(rounds):
        for voice in VOICES:
            x = espeak("attune, give me a repair phrase", voice, 165, cache)
            _start, end = speech_extent(x)
            lead = int(0.5 * RATE)
            pcm = to_pcm(with_faint_noise(np.concatenate([np.zeros(lead), x, np.zeros(int(1.5 * RATE))]), rng))
            for ms in names:
                out = paced_latency(recognizer, matcher, pcm, lead + end, ms)
                if out is None:
                    missed[ms] += 1
                else:
                    got[ms][0].append(out[0])
                    got[ms][1].append(out[1])
        print(f"  round {k + 1}/{rounds}", flush=True)
    for ms, name in names.items():
        last, decision = got[ms]
        if last:
            q = statistics.quantiles(last, n=20)[-1] if len(last) > 1 else last[0]
            print(f"{name}: n {len(last)}, not heard {missed[ms]}; from the last speech median "
                  f"{1000 * statistics.median(last):.0f} ms, 95th {1000 * q:.0f} ms; from the endpointer's "
                  f"decision median {1000 * statistics.median(decision):.0f} ms", flush=True)


def main(argv=None) -> int:
    from intents import Matcher

    from voice.asr.engines import make_recognizer

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--voices", default=",".join(DEV_VOICES))
    ap.add_argument("--snrs", default="clean,10")
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "attune-wake-bench")
    ap.add_argument("--latency", type=int, default=0, help="rounds of the paced latency run (instead)")
    args = ap.parse_args(argv)
    matcher = Matcher.load("en", extra_lists={"partner": ["Alex", "Sam"], "ritual": []})
    recognizer = make_recognizer("whisper")
    if args.latency:
        bench_latency(recognizer, matcher, args.latency, args.cache)
        return 0
    noise = load_kitchen()
    same = differ = 0
    for cond in args.snrs.split(","):
        snr = None if cond == "clean" else float(cond)
        rng = np.random.default_rng(5)
        for voice in args.voices.split(","):
            for pcm, _marks in command_streams(args.cache, voice, snr, rng, noise):
                t0 = time.monotonic()
                runs = {ms: loop_run(pcm, recognizer, matcher, ms) for ms in (0, None)}
                plain, fast = runs[0], runs[None]
                ok = plain["heard"] == fast["heard"] and plain["wakes"] == fast["wakes"]
                same, differ = same + ok, differ + (not ok)
                print(f"{cond} {voice}: {'same' if ok else 'DIFFERENT'} heard {plain['heard']} / {fast['heard']}, "
                      f"earcons {plain['wakes']} / {fast['wakes']}, verdicts {len(plain['verdicts'])} / "
                      f"{len(fast['verdicts'])}, {time.monotonic() - t0:.0f} s", flush=True)
    print(f"streams the same: {same}, different: {differ}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
