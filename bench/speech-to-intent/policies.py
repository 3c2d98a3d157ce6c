"""Second-pass choice and rejection rules, compared on saved rows (no decoding).

    .venv/bin/python bench/speech-to-intent/policies.py ROWS.json [ROWS.json ...]

Rows come from `run.py --rows` (or its workers' JSON) with the "whisper" engine, which keeps every
candidate sentence and its Whisper log-probability. Each rule here picks one candidate and accepts or
rejects it from those figures alone, so a rule is measured exactly as the recognizer would decide it
on the same audio. Every rule's parameters are chosen on the development half (`s2i.development`);
the held-out half is printed only for the rules named in `--report` (kept ones, once each).
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import s2i  # noqa: E402

from voice.asr.second_pass import NO_SPEECH, SHORT_PENALTY, grammar_words  # noqa: E402

OOD_LIMIT = 2.0
CONDITIONS = ("clean", "24", "18", "12", "6")


class Judge:
    """Whether a candidate sentence is the labelled order (parsed once per sentence)."""

    def __init__(self):
        from intents.intent_set import IntentSet

        self.intents = IntentSet.load(s2i.INTENTS)
        self.labels = s2i.labels()
        self._parsed: dict[str, tuple] = {}

    def parse(self, text: str) -> tuple:
        if text not in self._parsed:
            m = self.intents.match(text)
            self._parsed[text] = (m.intent, dict(m.slots) if m.intent else {})
        return self._parsed[text]

    def right(self, row: dict, text: str | None) -> bool:
        """A command row is right when the text is the labelled order; an out-of-domain row when rejected."""
        if "said" in row:
            return text is None or self.parse(text)[0] is None
        if text is None:
            return False
        intent, slots = self.parse(text)
        return s2i.accepted(self.labels[row["file"]], intent, slots)


def sources(row: dict, graph: tuple) -> tuple[set, set]:
    """(Whisper's own sentences, pocketsphinx's neighbours) among a row's candidates, found again as the
    recognizer found them (the rest came from pocketsphinx's lattice)."""
    from voice.asr.fsg import nearest_sentences
    from voice.asr.second_pass import whisper_candidates
    from voice.asr.whisper import Reading

    mine = set(whisper_candidates(graph, Reading(tuple(row["free"]), (), 0.0)))
    heard = row["first"].split() if row["first"] else []
    near = {" ".join(w) for _c, w in nearest_sentences(graph, heard, max_edits=2, limit=10)} if heard else set()
    return mine, near


def features(row: dict, tokens, graph: tuple) -> list[dict]:
    """Per candidate: raw log-probability (short penalty taken back out), tokens, words, agreement, source."""
    n_free = max((len(grammar_words(t)) for t in row["free"][:1]), default=0)
    mine, near = sources(row, graph)
    free_tokens = tokens(row["free"][0], raw=True) if row["free"] else 1
    out = []
    for c, s in zip(row["candidates"], row["scores"]):
        short = SHORT_PENALTY * max(0, n_free - len(c.split()))
        first = row["first"] == c
        out.append({"text": c, "score": s, "raw": s + short, "short": short, "tokens": tokens(c),
                    "agreed": bool(row["first_accepted"] and first), "first": first, "free_tokens": free_tokens,
                    "source": "first" if first else "whisper" if c in mine else "neighbour" if c in near
                    else "lattice"})
    return out


POOLS = {"all": None, "first+whisper": {"first", "whisper"}, "first+lattice+whisper": {"first", "lattice", "whisper"},
         "first+neighbour+whisper": {"first", "neighbour", "whisper"}}


def decide(row: dict, feats: list[dict], p: dict) -> tuple[str | None, float]:
    """(chosen text or None, gap) under rule parameters p."""
    if p.get("skip") is not None and row["first_accepted"] and (row.get("first_confidence") or 0) >= p["skip"]:
        return row["first"], 0.0  # the first pass is sure enough: no second pass
    keep = POOLS[p.get("pool", "all")]
    if keep is not None:
        feats = [f for f in feats if f["source"] in keep]
    if not feats:
        return None, float("inf")
    best_free = max(row["free_scores"], default=max(f["score"] for f in feats))

    def value(f):
        v = f["raw"] - p.get("short", SHORT_PENALTY) / SHORT_PENALTY * f["short"]
        v += p.get("agree_bonus", 0.0) * f["agreed"]
        v -= p.get("per_token", 0.0) * f["tokens"]
        return v

    chosen = max(feats, key=value)
    # the gap is on the log-probability itself: the bonus and per-token terms only choose
    gap = max(0.0, best_free - (value(chosen) - p.get("agree_bonus", 0.0) * chosen["agreed"]
                                + p.get("per_token", 0.0) * chosen["tokens"]))
    margin = p["A"] if chosen["agreed"] else p["T"]
    if p.get("per_free_token"):  # margins in nats per token of Whisper's own reading
        gap = gap / max(1, chosen["free_tokens"])
    if gap > margin:
        return None, gap
    no_speech = p.get("no_speech", NO_SPEECH)  # the recognizer's rule unless the grid changes it
    if no_speech is not None and not row["first_accepted"] and row["no_speech"] > no_speech:
        return None, gap
    return chosen["text"], gap


def evaluate(rows_by: dict, feats_by: dict, judge: Judge, p: dict, dev: bool) -> dict:
    out = {}
    for cond, rows in rows_by.items():
        sel = [(r, f) for r, f in zip(rows, feats_by[cond]) if bool(r["dev"]) == dev]
        ok = sum(judge.right(r, decide(r, f, p)[0]) for r, f in sel)
        out[cond] = (ok, len(sel))
    return out


def summary(res: dict) -> dict:
    pct = {c: 100 * ok / max(1, n) for c, (ok, n) in res.items()}
    noisy = [pct[c] for c in ("24", "18", "12", "6") if c in pct]
    return {"mean5": sum(pct[c] for c in CONDITIONS if c in pct) / max(1, len([c for c in CONDITIONS if c in pct])),
            "avg_noisy": sum(noisy) / max(1, len(noisy)), "ood_fa": 100 - pct.get("ood", 100.0), **pct}


_MARGINS = {"T": range(2, 41, 2), "A": [*range(2, 61, 4), float("inf")]}
GRIDS = {
    "pool": {**_MARGINS, "pool": list(POOLS)},
    "per_free_token": {"T": [x / 10 for x in range(2, 41, 2)], "A": [x / 10 for x in range(2, 61, 4)] + [float("inf")],
                       "per_free_token": [True]},
    "skip": {**_MARGINS, "skip": [None, 0.8, 0.9, 0.95, 0.99, 1.0]},
    "base": {"T": range(2, 41, 2), "A": [*range(2, 61, 4), float("inf")]},
    "per_token": {"T": range(2, 41, 2), "A": [*range(2, 61, 4), float("inf")], "per_token": [0.0, 0.25, 0.5, 1.0]},
    "agree_bonus": {"T": range(2, 41, 2), "A": [*range(2, 61, 4), float("inf")], "agree_bonus": [0.0, 1, 2, 4, 8]},
    "short": {"T": range(2, 41, 2), "A": [*range(2, 61, 4), float("inf")], "short": [0.0, 2.0, 4.0, 6.0]},
    "no_speech": {"T": range(2, 41, 2), "A": [*range(2, 61, 4), float("inf")], "no_speech": [None, 0.3, 0.45, 0.6, 0.8]},
}


def choose(rows_by, feats_by, judge, grid: dict) -> tuple[dict, dict]:
    best = None
    keys = list(grid)
    for values in itertools.product(*(list(grid[k]) for k in keys)):
        p = dict(zip(keys, values))
        if p["A"] < p["T"]:
            continue
        s = summary(evaluate(rows_by, feats_by, judge, p, dev=True))
        if s["ood_fa"] > OOD_LIMIT:
            continue
        if best is None or s["mean5"] > best[1]["mean5"] + 1e-9:
            best = (p, s)
    return best


def markdown(table: list) -> str:
    """Held-out and development figures per condition for each reported rule."""
    conds = [c for c in (*CONDITIONS, "ood") if c in table[0][2]]
    head = ["clean" if c == "clean" else "out of domain, false acceptance" if c == "ood" else f"{c} dB" for c in conds]
    lines = ["| rule (parameters chosen on the development half) | half | " + " | ".join(head) + " | average 24-6 dB |",
             "|---" * (len(conds) + 3) + "|"]
    for rule, p, dev, held in table:
        for half, res in (("held out", held), ("development", dev)):
            cells = []
            for c in conds:
                ok, n = res[c]
                cells.append(f"{100 * (n - ok) / max(1, n):.1f}% ({n - ok}/{n})" if c == "ood"
                             else f"{100 * ok / max(1, n):.1f}% ({ok}/{n})")
            avg = summary(res)["avg_noisy"]
            name = f"{rule} {', '.join(f'{k}={v}' for k, v in p.items())}"
            lines.append(f"| {name} | {half} | " + " | ".join(f"**{x}**" if half == "held out" else x for x in cells)
                         + f" | {'**' if half == 'held out' else ''}{avg:.1f}%{'**' if half == 'held out' else ''} |")
    return "\n".join(lines) + "\n"


def load(paths: list[Path]) -> dict:
    rows_by = {}
    for path in paths:
        data = json.loads(path.read_text())
        for r in data if isinstance(data, list) else [data]:
            if r["engine"] == "whisper":
                rows_by[r["condition"]] = r["rows"]
    return rows_by


def tokenizer():
    from voice.asr.engines import whisper_engine
    from voice.asr.whisper import written

    tok = whisper_engine().tokenizer
    cache: dict[str, int] = {}

    def count(text: str, raw: bool = False) -> int:
        key = (text, raw)
        if key not in cache:
            cache[key] = len(tok.encode(" " + (text.strip() if raw else written(text)), add_special_tokens=False).ids)
        return cache[key]

    return count


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("rows", nargs="+", type=Path)
    ap.add_argument("--rules", default=",".join(GRIDS))
    ap.add_argument("--report", default="", help="rules whose held-out figures to print")
    ap.add_argument("--grid", help='more rules as JSON, e.g. {"mine": {"T": [1, 2], "A": [2, 4], "skip": [1.0]}}')
    ap.add_argument("--markdown", type=Path, help="write the reported rules' figures here as a table")
    ap.add_argument("--skip-table", action="store_true", help="dev figures for each first-pass confidence skipped")
    args = ap.parse_args(argv)
    rows_by = load(args.rows)
    judge, count = Judge(), tokenizer()
    from voice.asr.grammar import command_grammar

    graph = command_grammar(judge.intents).graph
    feats_by = {c: [features(r, count, graph) if r.get("candidates") is not None else [] for r in rows]
                for c, rows in rows_by.items()}
    table = []
    grids = {**GRIDS, **{k: v for k, v in json.loads(args.grid).items()}} if args.grid else GRIDS
    for rule in args.rules.split(","):
        found = choose(rows_by, feats_by, judge, grids[rule])
        if found is None:
            print(f"{rule}: nothing meets the out-of-domain limit on the development half")
            continue
        p, s = found
        print(f"{rule}: {p}  dev " + ", ".join(f"{k} {v:.1f}" for k, v in s.items()))
        if rule in args.report.split(","):
            h = evaluate(rows_by, feats_by, judge, p, dev=False)
            print(f"    held out: " + ", ".join(f"{k} {v:.1f}" for k, v in summary(h).items())
                  + "  (" + ", ".join(f"{c} {ok}/{n}" for c, (ok, n) in h.items()) + ")")
            table.append((rule, p, evaluate(rows_by, feats_by, judge, p, dev=True), h))
    if args.markdown and table:
        args.markdown.write_text(markdown(table))
    if args.skip_table:
        base = choose(rows_by, feats_by, judge, GRIDS["base"])[0]
        print(f"skipping the second pass when pocketsphinx accepted with confidence >= c (margins {base}):")
        for c in (None, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0):
            p = {**base, "skip": c}
            s = summary(evaluate(rows_by, feats_by, judge, p, dev=True))
            dev_rows = [r for rows in rows_by.values() for r in rows if r["dev"] and "said" not in r]
            share = sum(bool(c is not None and r["first_accepted"] and (r.get("first_confidence") or 0) >= c)
                        for r in dev_rows) / max(1, len(dev_rows))
            print(f"  c={c}: skipped {100 * share:.1f}% of dev orders; dev " + ", ".join(f"{k} {v:.1f}" for k, v in s.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
