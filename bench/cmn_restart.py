"""Does a restart after a discarded speculative finish change what is heard? (pocketsphinx's running cepstral mean)

The speculative finish (`voice.asr.speculative`) ends the decoder's utterance on the audio so far; when
speech comes back the utterance is decoded again from its start. pocketsphinx's live cepstral mean
has by then taken in the audio so far, and the restart feeds it the same audio again. The recognizer
now puts its means back first (`PocketsphinxRecognizer.rewind`). Paired decode: the development half
of the coffee orders (`s2i.development`), clean and at 12 dB, one stream per condition through the
voice loop's audio path (`voice.hearing.hear_audio`, the loop's endpointer), in three variants on the
same audio: no speculation (the early second pass), the speculative finish with the means put back,
and with the audio fed twice (as before). Each variant a fresh recognizer.

    .venv/bin/python bench/cmn_restart.py [--engine pocketsphinx|whisper] [--limit N]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE / "speech-to-intent"))
sys.path.insert(0, str(HERE.parent))

import s2i  # noqa: E402

GAP_S = 1.5


def stream(names, snr, noise, index) -> tuple[bytes, list[str]]:
    from voice.audio.sources import RATE
    from voice.audio.sources import read_wav_16k

    rng = np.random.default_rng(7)
    parts = []
    for name in names:
        pcm = s2i.noisy(read_wav_16k(s2i.DATA / "clean" / name), snr, noise, 0, index[name])
        x = np.concatenate([s2i.as_float(pcm), np.zeros(int(GAP_S * RATE))])
        parts.append(x + rng.normal(0, 0.002 * 32768, len(x)))
    return s2i.to_pcm(np.concatenate(parts)), names


def run(variant: str, engine: str, pcm: bytes, intent_set) -> tuple[list[tuple], int, int]:
    """[(text, confidence) or ("", reason)] per utterance heard, speculations started, thrown away."""
    from voice.asr import speculative
    from voice.asr.engines import make_recognizer
    from voice.audio.sources import chunked
    from voice.audio.vad import make_endpointer
    from voice.hearing import hear_audio

    recognizer = make_recognizer(engine)
    counts = {"started": 0, "dropped": 0}
    real_init, real_discard = speculative.Speculation.__init__, speculative.Speculation.discard

    def init(self, *a, **kw):
        counts["started"] += 1
        real_init(self, *a, **kw)

    def discard(self):
        counts["dropped"] += 1
        real_discard(self)

    speculative.Speculation.__init__, speculative.Speculation.discard = init, discard
    first = getattr(recognizer, "first", recognizer)
    if variant == "fed twice":
        first.rewind = lambda: None
    out = []
    try:
        for heard in hear_audio(chunked(pcm), recognizer, matcher=intent_set, endpointer=make_endpointer(),
                                notice=lambda m: out.append(("", m)),
                                speculate_ms=0 if variant == "no speculation" else None):
            out.append((heard.text, heard.confidence))
    finally:
        speculative.Speculation.__init__, speculative.Speculation.discard = real_init, real_discard
    return out, counts["started"], counts["dropped"]


def main(argv=None) -> int:
    from intents.intent_set import IntentSet

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--engine", default="pocketsphinx")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--snrs", default="clean,12")
    args = ap.parse_args(argv)
    intent_set = IntentSet.load(s2i.INTENTS)
    labels = s2i.labels()
    index = {name: i for i, name in enumerate(sorted(labels))}
    names = [n for n in s2i.files() if s2i.development(n)][:args.limit]
    noise = s2i.kitchen()
    for cond in args.snrs.split(","):
        snr = None if cond == "clean" else float(cond)
        pcm, _ = stream(names, snr, noise, index)
        results = {}
        for variant in ("no speculation", "means put back", "fed twice"):
            results[variant] = run(variant, args.engine, pcm, intent_set)
            heard, started, dropped = results[variant]
            ok = sum(1 for text, _c in heard if text)
            print(f"{cond} {variant}: {len(heard)} utterances, {ok} taken, speculations {started}, "
                  f"thrown away {dropped}", flush=True)
        base = results["no speculation"][0]
        for variant in ("means put back", "fed twice"):
            got = results[variant][0]
            same = len(got) == len(base) and all(a == b for a, b in zip(got, base))
            diff = [(a, b) for a, b in zip(base, got) if a != b] if len(got) == len(base) else "utterances differ"
            print(f"{cond} {variant} vs no speculation: {'identical' if same else diff}", flush=True)
        a, b = results["means put back"][0], results["fed twice"][0]
        print(f"{cond} means put back vs fed twice: "
              f"{[(x, y) for x, y in zip(a, b) if x != y] if len(a) == len(b) else 'utterances differ'}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
