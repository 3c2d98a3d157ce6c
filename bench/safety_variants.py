"""Several training recipes for the disclosure classifier measured on the same folds in one run.

bench/safety_train.py's folds (each development set left out in turn, or each training writer)
and its threshold rule, with the vectors encoded once and one plain fit per fold for all
recipes of its size and seed (a hard-negative recipe's first pass).

Usage (from the checkout, vectors cached by safety_train.py --encode-only):
  .venv/bin/python bench/safety_variants.py --cache bench/tmp/cache --jobs 2 --out bench/tmp/v \\
      base:hidden=128 h256:hidden=256 hard3:hard=3 [--writers --thresholds base=0.73,...]
Each recipe's out-of-fold chances are kept as OUT/MODE-NAME.npz (safety_train.load_scores reads them).
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

import safety_train as st  # noqa: E402


@dataclass(frozen=True)
class Recipe:
    name: str
    hidden: int = st.HIDDEN
    seed: int = st.NET_SEED
    hard: float = st.HARD


def recipe(spec: str) -> Recipe:
    """"name:hidden=256,seed=21,hard=3" (any of the keys; the rest as safety_train's defaults)."""
    name, _, rest = spec.partition(":")
    kw = dict(pair.split("=") for pair in rest.split(",") if pair)
    return Recipe(name, int(kw.get("hidden", st.HIDDEN)), int(kw.get("seed", st.NET_SEED)),
                  float(kw.get("hard", st.HARD)))


def folds(data: dict, writers: bool) -> list[tuple[str, list, list]]:
    """(name, training rows, measured rows) for each fold, as safety_train's out_of_fold and writer_out."""
    sets = {Path(s).stem: st.set_sentences(st.ROOT / s) for s in data["sets"]}
    if not writers:
        base = st.corpus(data)
        return [(name, st.unseen(base + [r for n, rs in sets.items() if n != name for r in rs], held), held)
                for name, held in sets.items()]
    by_writer = st.writer_sentences(data)
    rest = st.expand(data) + st.prototype_sentences() + st.template_everyday()
    every_set = [r for rs in sets.values() for r in rs]
    return [(name, st.unseen(rest + [r for n, rs in by_writer.items() if n != name for r in rs] + every_set, held),
             held) for name, held in by_writer.items()]


def fit_group(enc: st.Encoded, train_rows: list, held: list, recipes: list[Recipe]) -> dict[str, np.ndarray]:
    """Recipes of one size and seed on one fold: one plain fit, then each recipe's second pass if any."""
    x = enc([t for t, _ in train_rows])
    y = np.array([lab for _, lab in train_rows])
    cw = st.balanced(list(y))
    held_x = enc([t for t, _ in held])
    plain = st.fit_mlp(x, y, cw, recipes[0].hidden, seed=recipes[0].seed)
    return {r.name: st.fit_net(x, y, cw, None, r.hidden, r.seed, r.hard, first=plain).probabilities(held_x)
            for r in recipes}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("recipes", nargs="+", help="name:hidden=H,seed=S,hard=W")
    ap.add_argument("--cache", type=Path, required=True)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--out", type=Path, required=True, help="a folder for the out-of-fold chances")
    ap.add_argument("--writers", action="store_true", help="leave each training writer out instead of each set")
    ap.add_argument("--thresholds", default="", help="with --writers: name=T,... (from the sets' folds)")
    args = ap.parse_args(argv)
    started = time.perf_counter()
    recipes = [recipe(s) for s in args.recipes]
    data = yaml.safe_load((st.DATA / "safety_training.yaml").read_text(encoding="utf-8"))
    plan = folds(data, args.writers)
    enc = st.Encoded(st.ENCODER, args.cache)
    enc(list(dict.fromkeys(t for _, rows, held in plan for t, _ in rows + held)))  # all encoded before the fork
    groups = [[r for r in recipes if (r.hidden, r.seed) == key] for key in dict.fromkeys((r.hidden, r.seed) for r in recipes)]
    # One task per fold and group, so that the processes stay busy to the end.
    tasks = [(i, j) for i in range(len(plan)) for j in range(len(groups))]
    done = st.forked(lambda task: fit_group(enc, plan[task[0]][1], plan[task[0]][2], groups[task[1]]), tasks, args.jobs)
    results = [{k: v for (f, _), res in zip(tasks, done) if f == i for k, v in res.items()} for i in range(len(plan))]
    given = dict(pair.split("=") for pair in args.thresholds.split(",") if pair)
    mode = "writers" if args.writers else "sets"
    args.out.mkdir(parents=True, exist_ok=True)
    for r in recipes:
        scores = {name: (held, res[r.name]) for (name, _, held), res in zip(plan, results)}
        st.save_scores(args.out / f"{mode}-{r.name}.npz", scores)
        threshold = float(given[r.name]) if r.name in given else st.pick_threshold(scores)
        print(f"{r} over {mode}: threshold {threshold:.4f}")
        st.report(scores, threshold)
    print(f"took {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
