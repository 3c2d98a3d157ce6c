"""Write intents/data/en/english_unigrams.txt: how common each word is in general English.

The intent matcher's last-resort guesser (intents/spotter.py) weighs a sentence's words by how
much more typical they are of attune's templates than of English at large, so "the", "is" and
"what" count for little and "debrief" or "apologize" for a lot. The frequencies come from the
general English trigram model inside pocketsphinx's wheel (its 1-gram log probabilities), so
the file is reproducible offline: `.venv/bin/python bench/english_unigrams.py`.

Kept: the most common TOP_N words plus every word attune's templates can produce.
"""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TOP_N = 6000
OUT = ROOT / "intents" / "data" / "en" / "english_unigrams.txt"


def unigrams() -> dict[str, float]:
    """Natural-log unigram probabilities of pocketsphinx's en-us language model, for every word
    of its pronouncing dictionary the model knows."""
    import pocketsphinx

    folder = Path(os.path.dirname(pocketsphinx.__file__)) / "model" / "en-us"
    # keep config and logmath referenced while the model lives
    config, logmath = pocketsphinx.Config(), pocketsphinx.LogMath()
    lm = pocketsphinx.NGramModel(config, logmath, str(folder / "en-us.lm.bin"))
    base = math.log(1.0001)  # pocketsphinx's default log base
    probs: dict[str, float] = {}
    with (folder / "cmudict-en-us.dict").open(encoding="utf-8", errors="replace") as lines:
        for line in lines:
            word = line.split(" ", 1)[0].split("(", 1)[0].lower()
            if word and word not in probs:
                score = lm.prob([word])
                if score > -500_000_000:  # unknown words come back as the log of zero
                    probs[word] = score * base
    return probs


def main() -> int:
    from intents import Matcher

    probs = unigrams()
    matcher = Matcher.load("en")
    keep = set(sorted(probs, key=probs.get, reverse=True)[:TOP_N])
    keep |= {w for w in matcher.vocabulary if w in probs}
    lines = [f"{w}\t{probs[w]:.2f}" for w in sorted(keep)]
    header = ("# word<TAB>natural-log unigram probability in general English, from pocketsphinx's\n"
              "# en-us language model; written by bench/english_unigrams.py (do not edit by hand)\n")
    OUT.write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
    print(f"{OUT.relative_to(ROOT)}: {len(lines)} words")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
