"""Train the disclosure classifier (server/routines/safety_model.py) and measure it by cross-validation.

Training sentences, all from files in the repo:
  - server/data/en/safety_training.yaml, expanded: each template once per person drawn (fixed
    seed), some inside a debrief frame, some typed as a recogniser writes speech (lower case,
    no punctuation or apostrophes);
  - server/data/en/safety_prototypes.yaml (the nearest-prototype stage's sentences);
  - the development sets named under `sets:` in safety_training.yaml (tests/safety/blind/*.yaml
    already measured blind);
  - the independent writers' plain sentences named under `writers:` (used as they are);
  - everyday: a fixed draw of attune's own template sentences (intents/), the ones the rules
    do not stop.

Usage (from the checkout):
  .venv/bin/python bench/safety_train.py            # cross-validated figures, then write the .npz
  .venv/bin/python bench/safety_train.py --cv-only  # figures only
  options: --cache bench/tmp/cache (keep vectors), --jobs 2 (folds at once), --writer-out
  (also leave each writer out in turn), --save-scores F.npz (out-of-fold probabilities),
  --threshold T (no folds: weights with T; with --cv-only --writer-out: writers out only),
  --gate (readings the rules' excuses overrule), --augment, --encoder, --kind, --ensemble,
  --hidden, --seed, --hard (hard-negative weight), --encode-only (fill --cache and stop)
"""

from __future__ import annotations

import argparse
import hashlib
import random
import re
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from server.routines import safety_model as sm  # noqa: E402
from server.routines.disclosure import judge, rules_for  # noqa: E402

DATA = ROOT / "server" / "data" / "en"
NAMES = ("Alex", "Sam")
SEED = 20
PER_TEMPLATE = 3
FRAME_SHARE = 0.3
SPEECH_SHARE = 0.3
SAMPLES = 1500
L2 = 0.3
"""The ridge candidate's penalty."""
ENCODER = "use+minilm+e5"
KIND = "mlp"
HIDDEN = 128
STEPS = 300
NET_SEED = SEED
"""The network's seeded start (the corpus' draws keep SEED)."""
HARD = 1.0
"""Hard-negative weight: above 1, a second fit from the same start in which the training rows the
first fit put near the wrong side (everyday at HARD_EVERYDAY or more, disclosures under
HARD_DISCLOSURE) weigh this many times as much."""
HARD_EVERYDAY = 0.5
HARD_DISCLOSURE = 0.9
ENSEMBLE = 1
"""Networks from different seeded starts, their logits averaged (round three: 3). One since round
four: in round five two averaged measured no better out of fold than a seed's own spread
(bench/results/safety.md)."""
AUGMENT = False
"""Each plain sentence (writers', development sets') also as a recogniser writes it (as_speech),
when that differs: the voice path gives lower case without punctuation."""
CLASS_WEIGHT = 1.0
"""All disclosures together weigh this many times all everyday sentences in the loss."""
GATE: frozenset[str] = frozenset()
"""Classifier readings that the rules' excuses (figures of speech, sport, accidents) would overrule;
none in attune: gating violence and self-harm cost recall out of fold (bench/results/safety.md)."""
CLASS_INDEX = {c: i for i, c in enumerate(sm.CLASSES)}
MAX_EVERYDAY_STOPPED = 0.02
"""The threshold is the lowest at which attune's pipeline (rules_stop, then the classifier) stops
at most this share of the development sets' everyday sentences out of fold (under the 3% target:
new writers' sets stopped more than the sets measured out of fold)."""


def as_speech(text: str) -> str:
    """A sentence as a recogniser or a tired typist writes it."""
    return " ".join(re.sub(r"[^\w\s]", "", text.lower().replace("'", "")).split())


def fill(template: str, person: dict[str, str]) -> str:
    values = {"himself": "themselves", **person}
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], template)


def expand(data: dict, seed: int = SEED) -> list[tuple[str, int]]:
    """(sentence, class index) for every template of safety_training.yaml, expanded."""
    rng = random.Random(seed)
    people, frames = data["people"], data["frames"]
    out: list[tuple[str, int]] = []
    groups = [(CLASS_INDEX[c], ts) for c, ts in data["disclosures"].items()]
    groups += [(0, ts) for ts in data["everyday"].values()]
    for label, templates in groups:
        for template in templates:
            drawn = rng.sample(people, PER_TEMPLATE) if "{" in template else [{}]
            for person in drawn:
                text = fill(template, person)
                text = text[0].upper() + text[1:]
                if rng.random() < FRAME_SHARE:
                    inner = text if text.startswith(("I ", "I'")) or text.split()[0] in NAMES else text[0].lower() + text[1:]
                    text = rng.choice(frames).replace("{s}", inner)
                if rng.random() < SPEECH_SHARE:
                    text = as_speech(text)
                out.append((text, label))
    return out


def set_sentences(path: Path) -> list[tuple[str, int]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    out = [(t, CLASS_INDEX[c]) for c, ts in (data.get("disclosures") or {}).items() for t in ts or ()]
    return out + [(t, 0) for ts in (data.get("everyday") or {}).values() for t in ts or ()]


def template_everyday(n: int = SAMPLES, seed: int = SEED) -> list[tuple[str, int]]:
    from intents import Matcher
    from intents.samples import template_samples

    matcher = Matcher.load("en", extra_lists={"partner": list(NAMES)})
    samples = sorted({s.text for s in template_samples(matcher) if len(s.text.split()) >= 3})
    random.Random(seed).shuffle(samples)
    rules = rules_for("en")
    kept = [s for s in samples if judge(s, rules, NAMES)[0] is None]
    return [(s, 0) for s in kept[:n]]


def training_files() -> list[Path]:
    data = yaml.safe_load((DATA / "safety_training.yaml").read_text(encoding="utf-8"))
    return ([DATA / "safety_training.yaml", DATA / "safety_prototypes.yaml"] + [ROOT / s for s in data["sets"]]
            + [ROOT / s for s in data.get("writers", [])])


def writer_sentences(data: dict) -> dict[str, list[tuple[str, int]]]:
    """Plain sentences (no templates) from independent writers, by writer: the same schema as a set."""
    return {Path(s).stem: set_sentences(ROOT / s) for s in data.get("writers", [])}


def digest() -> str:
    """sha256 over the safety training files (their bytes, in order)."""
    h = hashlib.sha256()
    for path in training_files():
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:16]


def corpus(data: dict) -> list[tuple[str, int]]:
    """Everything the classifier learns from except the development sets."""
    writers = [r for rows in writer_sentences(data).values() for r in rows]
    return expand(data) + prototype_sentences() + template_everyday() + augmented(writers)


def augmented(rows: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """`rows`, and with AUGMENT each also as speech where that reads differently."""
    if not AUGMENT:
        return rows
    return rows + [(as_speech(t), y) for t, y in rows if as_speech(t) != t]


def prototype_sentences() -> list[tuple[str, int]]:
    data = yaml.safe_load((DATA / "safety_prototypes.yaml").read_text(encoding="utf-8"))
    out = [(t, CLASS_INDEX[c]) for c, ts in data["disclosures"].items() for t in ts]
    return out + [(t, 0) for ts in data["everyday"].values() for t in ts]


class Encoded:
    """Sentences encoded once per encoder ("use", "minilm", "e5", or several side by side:
    "use+minilm"); `cache` (a folder) keeps each encoder's vectors between runs, one .npz each."""

    def __init__(self, name: str = "use", cache: Path | None = None):
        self.name = name
        self.parts = [_Part(part, cache) for part in name.split("+")]

    def __call__(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 1), np.float32)
        return np.hstack([p(texts) for p in self.parts])


class _Part:
    def __init__(self, name: str, cache: Path | None):
        from server.routines.safety_model import encoder_for

        self.encode = encoder_for(name)
        self.path = cache / f"{name}.npz" if cache else None
        self.cache: dict[str, np.ndarray] = {}
        if self.path and self.path.exists():
            with np.load(self.path) as f:
                self.cache = dict(zip((str(t) for t in f["texts"]), f["vectors"]))

    def __call__(self, texts: list[str]) -> np.ndarray:
        todo = sorted((t for t in dict.fromkeys(texts) if t not in self.cache), key=len)
        for i in range(0, len(todo), 32):
            chunk = todo[i:i + 32]
            for t, v in zip(chunk, np.asarray(self.encode(chunk), dtype=np.float32)):
                self.cache[t] = v
            if self.path and (i // 32) % 20 == 19:
                self.save()
        if todo and self.path:
            self.save()
        return np.stack([self.cache[t] for t in texts])

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = list(self.cache)
        np.savez(self.path, texts=np.array(keys), vectors=np.stack([self.cache[k] for k in keys]))


def balanced(labels: list[int]) -> list[float]:
    """Everyday weighs as much as all disclosures together (times CLASS_WEIGHT); categories alike
    among themselves."""
    counts = np.bincount(labels, minlength=len(sm.CLASSES)).astype(float)
    w = np.where(counts > 0, 1.0 / np.maximum(counts, 1), 0.0)
    w[1:] *= 0.25 * CLASS_WEIGHT
    return list(w / w.max())


def fit_ridge(x: np.ndarray, y: np.ndarray, cw: list[float], l2: float, rw: np.ndarray | None = None) -> sm.Model:
    """Weighted ridge regression onto one-hot classes (a closed form): the linear candidate.
    Its fitted values, shifted into logits, go through the same softmax as the network."""
    xb = np.hstack([x.astype(np.float64), np.ones((len(x), 1))])
    sw = (np.asarray(cw)[y] * (1.0 if rw is None else rw))[:, None]
    reg = l2 * np.eye(xb.shape[1])
    reg[-1, -1] = 0.0
    coef = np.linalg.solve((xb * sw).T @ xb + reg, (xb * sw).T @ np.eye(len(sm.CLASSES))[y])
    # A softmax of 8 * fitted values keeps their order, and ranks sentences as 1 - everyday does.
    return sm.Model((((8.0 * coef[:-1]).astype(np.float32), (8.0 * coef[-1]).astype(np.float32)),), 0.5)


def fit_mlp(x: np.ndarray, y: np.ndarray, cw: list[float], hidden: int = HIDDEN, steps: int = STEPS,
            l2: float = 1e-4, seed: int = SEED, rw: np.ndarray | None = None) -> sm.Model:
    """One ReLU layer and a softmax, full-batch Adam from a seeded start (the same data gives the
    same weights on the same machine)."""
    rng = np.random.default_rng(seed)
    x = x.astype(np.float32)
    k = len(sm.CLASSES)
    params = [rng.normal(0, np.sqrt(2 / x.shape[1]), (x.shape[1], hidden)).astype(np.float32),
              np.zeros(hidden, np.float32),
              rng.normal(0, np.sqrt(1 / hidden), (hidden, k)).astype(np.float32), np.zeros(k, np.float32)]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    onehot = np.eye(k, dtype=np.float32)[y]
    sw = np.asarray(cw, np.float32)[y] * (np.float32(1.0) if rw is None else rw.astype(np.float32))
    sw /= sw.sum()
    for t in range(1, steps + 1):
        w1, b1, w2, b2 = params
        h = np.maximum(x @ w1 + b1, 0)
        logits = h @ w2 + b2
        logits -= logits.max(1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(1, keepdims=True)
        g = (p - onehot) * sw[:, None]
        gh = (g @ w2.T) * (h > 0)
        grads = [x.T @ gh + l2 * w1, gh.sum(0), h.T @ g + l2 * w2, g.sum(0)]
        for i, grad in enumerate(grads):
            m[i] = 0.9 * m[i] + 0.1 * grad
            v[i] = 0.999 * v[i] + 0.001 * grad * grad
            params[i] -= 0.003 * (m[i] / (1 - 0.9 ** t)) / (np.sqrt(v[i] / (1 - 0.999 ** t)) + 1e-8)
    return sm.Model(((params[0], params[1]), (params[2], params[3])), 0.5)


def fit_net(x: np.ndarray, y: np.ndarray, cw: list[float], rw: np.ndarray | None, hidden: int, seed: int,
            hard: float, first: sm.Model | None = None) -> sm.Model:
    """fit_mlp, then with `hard` above 1 fit again with the rows `first` (or that fit) got nearly
    or plainly wrong weighed `hard` times: in-sample scores, so no fold reads what it measures."""
    model = first or fit_mlp(x, y, cw, hidden, seed=seed, rw=rw)
    if hard <= 1:
        return model
    chance = 1.0 - model.probabilities(x)[:, 0]
    near = ((y == 0) & (chance >= HARD_EVERYDAY)) | ((y > 0) & (chance < HARD_DISCLOSURE))
    print(f"  hard rows: {int((near & (y == 0)).sum())} everyday, {int((near & (y > 0)).sum())} disclosures "
          f"of {len(y)}", file=sys.stderr, flush=True)
    weights = (np.ones(len(y), np.float32) if rw is None else rw) * np.where(near, hard, 1.0).astype(np.float32)
    return fit_mlp(x, y, cw, hidden, seed=seed, rw=weights)


def merged(models: list[sm.Model]) -> sm.Model:
    """Networks of one hidden layer whose logits are averaged, written as one wider network
    (hidden units side by side, output weights divided by their number): the same file format."""
    k = len(models)
    w1, b1 = zip(*(m.layers[0] for m in models))
    w2, b2 = zip(*(m.layers[1] for m in models))
    return sm.Model(((np.hstack(w1), np.concatenate(b1)), (np.vstack(w2) / k, np.mean(b2, axis=0))), 0.5)


def train(enc: Encoded, rows: list[tuple[str, int]], kind: str = "mlp", l2: float = L2,
          ensemble: int | None = None, plain: frozenset[str] = frozenset(), plain_weight: float = 1.0,
          jobs: int = 1) -> sm.Model:
    """`plain`: sentences people wrote as they are (writers, sets), weighed `plain_weight` times a template's."""
    x = enc([t for t, _ in rows])
    y = np.array([lab for _, lab in rows])
    cw = balanced(list(y))
    rw = np.array([plain_weight if t in plain else 1.0 for t, _ in rows]) if plain else None
    if kind == "ridge":
        return fit_ridge(x, y, cw, l2, rw)
    return merged(forked(lambda i: fit_net(x, y, cw, rw, HIDDEN, NET_SEED + i, HARD),
                         list(range(ensemble or ENSEMBLE)), jobs))


def out_of_fold(enc: Encoded, base, sets, kind: str, l2: float = L2, jobs: int = 1):
    """Leave one development set out: train on the rest and the corpus, score the left-out set.
    `jobs` folds at once, in forked processes (the vectors are encoded before the fork)."""
    enc(list(dict.fromkeys([t for t, _ in base] + [t for rs in sets.values() for t, _ in augmented(rs)])))

    def fold(name: str) -> np.ndarray:
        others = [r for n, rs in sets.items() if n != name for r in rs]
        model = train(enc, unseen(base + augmented(others), sets[name]), kind, l2)
        return model.probabilities(enc([t for t, _ in sets[name]]))
    return dict(zip(sets, zip(sets.values(), forked(fold, list(sets), jobs))))


def unseen(rows: list[tuple[str, int]], held_out: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """`rows` without the sentences a fold measures on: writers and sets share a few everyday
    phrasings word for word ("my feet are killing me after that wedding")."""
    held = {as_speech(t) for t, _ in held_out}
    return [r for r in rows if as_speech(r[0]) not in held]


def forked(fn, items: list, jobs: int) -> list:
    """[fn(item) for item in items], `jobs` at a time in forked processes (jobs 1: in this one)."""
    if jobs <= 1:
        return [fn(item) for item in items]
    import multiprocessing

    global _FORKED
    _FORKED = fn
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        return pool.map(_call_forked, items, chunksize=1)


_FORKED = None


def _call_forked(item):
    return _FORKED(item)


def rules_stop(rows) -> np.ndarray:
    """What the rules stop on their own in attune's pipeline (server/routines/safety.py): sentences
    too short for the classifier."""
    rules = rules_for("en")
    return np.array([len(t.split()) < sm.MIN_WORDS and judge(t, rules, NAMES)[0] is not None for t, _ in rows])


def classifier_stop(rows, probs: np.ndarray, threshold: float, gate: frozenset[str] | None = None) -> np.ndarray:
    """What the classifier stops in attune's pipeline: sentences of MIN_WORDS or more whose chance of
    a disclosure reaches `threshold`, unless the rules excused the sentence and the reading is in `gate`."""
    return (1.0 - probs[:, 0] >= threshold) & ~vetoed(rows, probs, gate)


def vetoed(rows, probs: np.ndarray, gate: frozenset[str] | None = None) -> np.ndarray:
    """Sentences the classifier may not stop: too short, or excused by the rules with a reading in `gate`."""
    gate = GATE if gate is None else gate
    out = np.array([len(t.split()) < sm.MIN_WORDS for t, _ in rows], dtype=bool)
    if gate:
        rules = rules_for("en")
        reading = [sm.CLASSES[1 + int(p[1:].argmax())] for p in probs]
        out |= np.array([r in gate and judge(t, rules, NAMES) == (None, True)
                         for (t, _), r in zip(rows, reading)], dtype=bool)
    return out


def pick_threshold(scores, gate: frozenset[str] | None = None) -> float:
    """The lowest threshold at which attune's pipeline (rules under MIN_WORDS words, else the
    classifier) stops at most MAX_EVERYDAY_STOPPED of the development sets' everyday sentences, out of fold."""
    probs = np.concatenate([p for _, p in scores.values()])
    rows = [r for rs, _ in scores.values() for r in rs]
    y = np.array([lab for _, lab in rows])
    ruled, free = rules_stop(rows), ~vetoed(rows, probs, gate)
    s = 1.0 - probs[:, 0]
    best = 1.0
    for t in np.sort(np.unique(s[y == 0]))[::-1]:
        if (((s >= t) & free) | ruled)[y == 0].mean() > MAX_EVERYDAY_STOPPED:
            break
        best = float(t)
    return best


def report(scores, threshold: float, rules_too: bool = True, gate: frozenset[str] | None = None) -> None:
    tot = [0, 0, 0, 0]
    for name, (rows, probs) in scores.items():
        stop = classifier_stop(rows, probs, threshold, gate)
        if rules_too:
            stop = stop | rules_stop(rows)
        y = np.array([lab for _, lab in rows])
        c, n_pos = int((stop & (y > 0)).sum()), int((y > 0).sum())
        n, n_neg = int((stop & (y == 0)).sum()), int((y == 0).sum())
        tot = [tot[0] + c, tot[1] + n_pos, tot[2] + n, tot[3] + n_neg]
        print(f"  {name}: caught {c}/{n_pos} ({100 * c / max(n_pos, 1):.1f}%), "
              f"stopped {n}/{n_neg} ({100 * n / max(n_neg, 1):.1f}%)")
    print(f"  all: caught {tot[0]}/{tot[1]} ({100 * tot[0] / tot[1]:.1f}%), "
          f"stopped {tot[2]}/{tot[3]} ({100 * tot[2] / tot[3]:.1f}%)")


def writer_out(enc: Encoded, data: dict, sets, threshold: float, kind: str, l2: float, jobs: int = 1) -> None:
    """Leave one writer's plain sentences out of training (all development sets in), score them:
    another estimate for a writer the classifier never read."""
    writers = writer_sentences(data)
    rest = expand(data) + prototype_sentences() + template_everyday()
    every_set = [r for rs in sets.values() for r in rs]

    def fold(name: str) -> np.ndarray:
        others = [r for n, rs in writers.items() if n != name for r in rs]
        model = train(enc, unseen(rest + augmented(others + every_set), writers[name]), kind, l2)
        return model.probabilities(enc([t for t, _ in writers[name]]))
    scores = dict(zip(writers, zip(writers.values(), forked(fold, list(writers), jobs))))
    print("leave-one-writer-out, classifier alone:")
    report(scores, threshold, rules_too=False)
    print("leave-one-writer-out, attune's pipeline:")
    report(scores, threshold)
    return scores


def save_scores(path: Path, scores) -> None:
    """Out-of-fold class probabilities by fold, to weigh pipeline choices without training again."""
    rows = [(name, t, y) for name, (rs, _) in scores.items() for t, y in rs]
    probs = np.concatenate([p for _, p in scores.values()])
    np.savez(path, fold=np.array([r[0] for r in rows]), text=np.array([r[1] for r in rows]),
             label=np.array([r[2] for r in rows]), chance=1.0 - probs[:, 0], probs=probs)


def load_scores(path: Path) -> dict:
    """save_scores' file as scores again: {fold: (rows, probabilities)}."""
    with np.load(path) as f:
        fold, text, label, probs = f["fold"], f["text"], f["label"], f["probs"]
    return {str(n): ([(str(t), int(y)) for t, y in zip(text[fold == n], label[fold == n])], probs[fold == n])
            for n in dict.fromkeys(fold)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cv-only", action="store_true")
    ap.add_argument("--encoder", default=ENCODER, help="use, minilm or use+minilm")
    ap.add_argument("--kind", default=KIND, help="mlp or ridge")
    ap.add_argument("--l2", type=float, default=L2)
    ap.add_argument("--cache", type=Path, help="a folder to keep the vectors in between runs")
    ap.add_argument("--jobs", type=int, default=1, help="folds trained at once (processes)")
    ap.add_argument("--save-scores", type=Path, help="a .npz for the out-of-fold chances")
    ap.add_argument("--threshold", type=float, help="skip the folds: write weights with this threshold")
    ap.add_argument("--ensemble", type=int, default=ENSEMBLE, help="networks averaged")
    ap.add_argument("--augment", action="store_true", help="plain sentences also as speech (AUGMENT)")
    ap.add_argument("--class-weight", type=float, default=CLASS_WEIGHT, help="disclosures' weight (CLASS_WEIGHT)")
    ap.add_argument("--without", default="", help="writers left out of everything, comma separated (to measure them)")
    ap.add_argument("--gate", default=",".join(sorted(GATE)),
                    help="classifier readings the rules' excuses overrule, comma separated (GATE)")
    ap.add_argument("--hidden", type=int, default=HIDDEN, help="hidden units (HIDDEN)")
    ap.add_argument("--seed", type=int, default=NET_SEED, help="the network's seeded start (NET_SEED)")
    ap.add_argument("--hard", type=float, default=HARD, help="hard-negative weight (HARD; 1: none)")
    ap.add_argument("--encode-only", action="store_true", help="encode every sentence into --cache, then stop")
    ap.add_argument("--writer-out", action="store_true",
                    help="also leave each writer's training sentences out in turn and measure on them")
    args = ap.parse_args(argv)
    globals()["ENSEMBLE"] = args.ensemble
    globals()["AUGMENT"] = args.augment or AUGMENT
    globals()["GATE"] = frozenset(g for g in args.gate.split(",") if g)
    globals()["CLASS_WEIGHT"] = args.class_weight
    globals().update(HIDDEN=args.hidden, NET_SEED=args.seed, HARD=args.hard)
    started = time.perf_counter()
    data = yaml.safe_load((DATA / "safety_training.yaml").read_text(encoding="utf-8"))
    without = {w for w in args.without.split(",") if w}
    if without:
        if not args.cv_only:
            ap.error("--without measures only: use it with --cv-only")
        data["writers"] = [w for w in data.get("writers", []) if Path(w).stem not in without]
    base = corpus(data)
    sets = {Path(s).stem: set_sentences(ROOT / s) for s in data["sets"]}
    enc = Encoded(args.encoder, args.cache)
    n_pos = sum(1 for _, y in base if y)
    print(f"corpus: {len(base)} sentences ({n_pos} disclosures), development sets: "
          + ", ".join(f"{k} {len(v)}" for k, v in sets.items()))
    if args.encode_only:
        enc(list(dict.fromkeys([t for t, _ in base] + [t for rs in sets.values() for t, _ in augmented(rs)])))
        print(f"encoded with {args.encoder}, took {time.perf_counter() - started:.1f} s")
        return 0
    scores = {}
    if args.threshold is not None:
        # No folds: a threshold measured by an earlier run's folds (it says which).
        threshold = args.threshold
    else:
        scores = out_of_fold(enc, base, sets, args.kind, args.l2, args.jobs)
        threshold = pick_threshold(scores)
        print(f"{args.kind} over {args.encoder}: threshold {threshold:.4f} (attune's pipeline stops at most "
              f"{MAX_EVERYDAY_STOPPED:.1%} of the development sets' everyday sentences out of fold)")
        every = np.concatenate([1.0 - p[:, 0] for _, p in scores.values()])
        labels = np.concatenate([[y for _, y in rows] for rows, _ in scores.values()])
        for share in (0.005, 0.01, 0.015, 0.02, 0.03):
            t = float(np.sort(every[labels == 0])[::-1][int(share * (labels == 0).sum())]) + 1e-4
            print(f"  out of fold at {share:.1%} everyday stopped: threshold {t:.3f}, "
                  f"caught {(every[labels > 0] >= t).mean():.1%}")
        print("leave-one-set-out, classifier alone:")
        report(scores, threshold, rules_too=False)
        print("leave-one-set-out, attune's pipeline:")
        report(scores, threshold)
        if args.save_scores:
            save_scores(args.save_scores, scores)
    if not args.cv_only:
        model = train(enc, base + augmented([r for rs in sets.values() for r in rs]), args.kind, args.l2, jobs=args.jobs)
        replace(model, threshold=threshold, digest=digest(), encoder=args.encoder).save(DATA / sm.WEIGHTS_FILE)
        print(f"wrote {DATA / sm.WEIGHTS_FILE} (digest {digest()}, threshold {threshold:.4f})", flush=True)
    if args.writer_out:
        scores = {**scores, **writer_out(enc, data, sets, threshold, args.kind, args.l2, args.jobs)}
        if args.save_scores:
            save_scores(args.save_scores, scores)
    print(f"took {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
