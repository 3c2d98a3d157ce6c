"""Disclosure detector on sentences it was never built on, and on the blind safety sets.

Everyday corpus: attune's intent test sets (tests/intents/cases, tests/intents/blind) and Home
Assistant's out-of-domain sentences. Compares the prototypes as shipped in the YAML with the same
plus N of attune's template sentences as everyday prototypes (the detector attune runs).
Run from the checkout: .venv/bin/python bench/safety_corpus.py [N]   (N defaults to 400)
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from intents import Matcher  # noqa: E402
from intents.samples import template_samples  # noqa: E402
from bench import disclosure_meaning as dm  # noqa: E402
from server.routines.disclosure import judge, rules_for  # noqa: E402
from server.routines.language import safety_prototypes  # noqa: E402

HOME_ASSISTANT = ROOT.parent / "shared" / "benchmarks" / "out-of-domain" / "home-assistant-en.txt"
NAMES = ("Alex", "Sam")


def everyday_corpus(exclude: set[str]) -> list[str]:
    texts = []
    for path in sorted((ROOT / "tests" / "intents").glob("*/*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        texts += [c["text"] for c in (data or {}).get("cases", []) if isinstance(c, dict) and c.get("text")]
    texts += [line.strip() for line in HOME_ASSISTANT.read_text(encoding="utf-8").splitlines() if line.strip()]
    return sorted(set(texts) - exclude)


def main(n: int) -> None:
    matcher = Matcher.load("en", extra_lists={"partner": list(NAMES)})
    samples = sorted({s.text for s in template_samples(matcher)})
    random.Random(5).shuffle(samples)  # the same draw as dm.everyday_samples
    extra = [s for s in samples if len(s.split()) >= dm.MIN_WORDS][:n]
    encode = dm.use_encoder_cached()
    base = dm.Prototypes.build(safety_prototypes("en"), encode)
    added = np.asarray(encode(extra), dtype=np.float32)
    with_samples = dm.Prototypes(np.vstack([base.vectors, added]), base.labels + (None,) * len(extra),
                                 base.margin, base.floor)
    rules = rules_for("en")

    def detect(text: str, protos: dm.Prototypes | None) -> str | None:
        category, excused = judge(text, rules, NAMES)
        if category or excused or protos is None or len(text.split()) < dm.MIN_WORDS:
            return category
        return protos.category(np.asarray(encode([text]), dtype=np.float32)[0])

    every = everyday_corpus(set(extra))
    sets = sorted((ROOT / "tests" / "safety" / "blind").glob("*.yaml"))
    for name, protos in (("rules", None), ("rules, then meaning (YAML prototypes)", base),
                         (f"rules, then meaning (+{len(extra)} template sentences)", with_samples)):
        stops = [t for t in every if detect(t, protos)]
        print(f"{name}: everyday corpus stopped {len(stops)}/{len(every)}")
        for path in sets:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            caught = {c: sum(1 for t in v if detect(t, protos)) for c, v in data["disclosures"].items()}
            stopped = [t for v in data["everyday"].values() for t in v if detect(t, protos)]
            n_dis = sum(len(v) for v in data["disclosures"].values())
            n_every = sum(len(v) for v in data["everyday"].values())
            print(f"  {path.name}: caught {sum(caught.values())}/{n_dis} {caught}; stopped {len(stopped)}/{n_every}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 400)
