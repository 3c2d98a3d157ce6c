"""What Whisper's own split (`voice.wake.check.split_commands`) adds to judging a woken utterance: the
same utterances of round five's development records judged with and without the step's grammar given to
`WhisperWakeCheck.judge`, alternately, on one encoding each (so both pay the same second pass first).

    .venv/bin/python bench/wake_split_cost.py [--n 40]
"""

from __future__ import annotations

import argparse
import pickle
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main(argv=None) -> int:
    from intents import Matcher

    from voice.asr.engines import make_recognizer
    from voice.hearing import grammar_for
    from voice.wake.check import WhisperWakeCheck
    from voice.wake.phrase import with_wake_phrase
    from wake_bench import CHUNK, TALK_EXPECTS

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=40)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "attune-wake-bench")
    args = parser.parse_args(argv)
    data = pickle.loads((args.cache / "round5-silero-dev-segments.pkl").read_bytes())
    segs = [s for part in ("commands", "conversation") for r in data[part] for s in r["segments"] if "round5" in s]
    segs = segs[::max(1, len(segs) // args.n)][:args.n]
    matcher = Matcher.load("en", extra_lists={"partner": ["Alex", "Sam"], "ritual": []})
    recognizer = make_recognizer("whisper")
    check = WhisperWakeCheck(recognizer.whisper, "attune")
    woken = with_wake_phrase(grammar_for(recognizer, matcher, TALK_EXPECTS, command=True), ["attune"])
    spent = {False: [], True: []}
    for k, seg in enumerate(segs):
        for split in ((False, True) if k % 2 else (True, False)):
            recognizer.last = {}
            recognizer.start(woken, partials=False)
            pcm = seg["pcm"]
            for i in range(0, len(pcm), CHUNK):
                recognizer.feed(pcm[i:i + CHUNK])
            recognizer.finish()
            last = dict(recognizer.last)
            enc = last["encoded"]
            enc.scores = dict(enc.scores)  # the second pass's own scores only: each judge scores its own
            base_scores = dict(enc.scores)
            t0 = time.perf_counter()
            check.judge(recognizer, pcm, seg["found"]["unchecked"][1], woken if split else None)
            spent[split].append(time.perf_counter() - t0)
            enc.scores = base_scores
    for split in (False, True):
        xs = sorted(spent[split])
        print(f"judge {'with' if split else 'without'} Whisper's split: median {statistics.median(xs) * 1000:.0f} ms, "
              f"90th percentile {xs[int(len(xs) * 0.9)] * 1000:.0f} ms ({len(xs)} utterances)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
