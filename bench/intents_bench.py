"""Intent matcher benchmark: latency per utterance and accuracy, written to bench/results/intents.md.

Sets (all from tests/intents/cases unless noted):
- template samples: every template's sentences from hassil's sampler (intents.samples), matched
  with the template's intent expected;
- paraphrases (the set the templates were tuned against) and the held-out set (written before
  tuning, never tuned against), each with its own `expect`;
- our out-of-domain sentences (under no expectation and six step expectations) and Home
  Assistant's 1,076 test sentences (../shared/benchmarks/out-of-domain, beside the repository), minus the documented
  overlap with attune's built-ins (ha_builtin_overlap.yaml);
- near misses: paraphrases and held-out sentences with one word misspelt (seeded), to check
  that the confidence means something.

    .venv/bin/python bench/intents_bench.py [--rounds 5] [--out bench/results/intents.md]
"""

from __future__ import annotations

import argparse
from collections import Counter
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from intents import BUILTIN_INTENTS, Matcher  # noqa: E402
from intents.matcher import CLAUSE_FACTOR, EDIT_FACTOR, HEAD_FACTOR, LEAD_FACTOR, TAIL_FACTOR  # noqa: E402
from intents.samples import template_samples  # noqa: E402

CASES = ROOT / "tests" / "intents" / "cases"
BLIND = ROOT / "tests" / "intents" / "blind"  # one dated file per blind round
HOME_ASSISTANT = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "out-of-domain" / "home-assistant-en.txt"
STEPS = (None, ["Feeling"], ["Need"], ["Yes", "No", "Partly"], ["IdentifyPartner"],
         ["RepairPhrase", "AnotherOne", "SaveFavorite"], ["LogRitual"])
HOLDOUTS = (  # (file, its first blind measurement; None while still blind)
    ("2026-11-26-round01.yaml", "82.9% (92/111)"),
    ("2026-11-26-round02.yaml", "89.9% (107/119)"),
    ("2026-11-26-round03.yaml", "93.3% (112/120)"),
    ("2026-11-26-round04.yaml", "92.4% (109/118)"),
    ("2026-11-26-round05.yaml", "89.6% (103/115)"),
    ("2026-11-26-round06.yaml", "94.8% (110/116)"),
    ("2026-11-26-round07.yaml", "89.7% (105/117)"),
    ("2026-11-26-round08.yaml", "87.3% (110/126)"),
    ("2026-11-26-round09.yaml", "76.4% (94/123)"),
    ("2026-11-26-round10.yaml", "69.9% (86/123)"),
    ("2026-11-26-round11.yaml", "80.3% (98/122)"),
    # 12 and 13 were written blind by a writer who never read the templates, committed before the
    # word spotter and the round 11 fixes, and measured once after them
    ("2026-11-26-round12.yaml", "86.5% (109/126)"),
    ("2026-11-26-round13.yaml", "93.7% (118/126)"),
    # 14 (tired, brief, casual) and 15 (long, polite or emotional full sentences): same blind
    # writing, committed and measured once after the spotter, before their failures were read
    ("2026-11-26-round14.yaml", "82.4% (103/125)"),
    ("2026-11-26-round15.yaml", "57.6% (72/125)"),
    # 16 and 17 (a third brief, a third short, a third long, each): same blind writing, committed
    # before the context answers and request openings built from 14/15's failures, measured once after
    ("2026-11-26-round16.yaml", "96.0% (120/125)"),
    ("2026-11-26-round17.yaml", "96.0% (120/125)"),
)
STILL_BLIND = {"2026-11-26-round12.yaml", "2026-11-26-round13.yaml", "2026-11-26-round16.yaml", "2026-11-26-round17.yaml"}  # failures not read
LATEST_PAIR = ("2026-11-26-round16.yaml", "2026-11-26-round17.yaml")  # the newest blind measurement: the headline figure
EXTRA_LISTS = {"partner": ["Alex", "Sam"], "ritual": ["Sunday walk"]}


def load(name: str) -> list:
    folder = BLIND if (BLIND / name).exists() else CASES
    return yaml.safe_load((folder / name).read_text(encoding="utf-8"))["cases"]


def pct(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:.1f}% ({part}/{whole})" if whole else "n/a"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def correct(matcher: Matcher, case: dict) -> bool:
    result = matcher.match(case["text"], expect=case.get("expect"))
    return (result.intent, dict(result.slots)) == (case["intent"], case.get("slots") or {})


def misspell(text: str, rng: random.Random) -> str | None:
    """One typo/mishearing in one word of five letters or more: swap, drop, double a letter or split."""
    words = text.split()
    spots = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if not spots:
        return None
    i = rng.choice(spots)
    w = words[i]
    k = rng.randrange(1, len(w) - 1)
    kind = rng.choice(("swap", "drop", "double", "split"))
    if kind == "swap":
        w = w[:k] + w[k + 1] + w[k] + w[k + 2:]
    elif kind == "drop":
        w = w[:k] + w[k + 1:]
    elif kind == "double":
        w = w[:k] + w[k] + w[k:]
    else:
        w = w[:k] + " " + w[k:]
    words[i] = w
    return " ".join(words)


def time_matches(matcher: Matcher, items: list[tuple[str, list | None]], rounds: int) -> tuple[list, list]:
    """Per utterance: first-round time and best-of-rounds time (seconds), cache cleared before each call."""
    first: list[float] = []
    best = [float("inf")] * len(items)
    clock = time.perf_counter_ns
    for r in range(rounds):
        order = list(range(len(items)))
        random.Random(r).shuffle(order)
        for i in order:
            text, expect = items[i]
            matcher.clear_cache()
            t0 = clock()
            matcher.match(text, expect=expect)
            dt = (clock() - t0) / 1e9
            best[i] = min(best[i], dt)
            if r == 0:
                first.append(dt)
    return first, best


def cli_startup() -> float:
    """Wall time of `attune parse "yes" --json` in a fresh process (median of 3)."""
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "attune", "parse", "yes", "--json"], cwd=ROOT,
                       capture_output=True, check=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def grammar_figures(matcher: Matcher) -> str:
    """Size of the exported grammars and how long pocketsphinx takes to load the JSGF."""
    import pocketsphinx

    from intents.grammar import jsgf, vosk_phrases, vosk_words

    decoder = pocketsphinx.Decoder(lm=None, loglevel="FATAL")
    rows = []
    for label, expect in (("everything", None), ("Feeling step", ["Feeling"]), ("Yes/No/Partly step", ["Yes", "No", "Partly"])):
        grammar = jsgf(matcher, expect)
        t0 = time.perf_counter()
        decoder.add_jsgf_string(f"g{len(rows)}", grammar)
        load_s = time.perf_counter() - t0
        rows.append(f"| {label} | {len(vosk_phrases(matcher, expect)) - 1} | {len(vosk_words(matcher, expect)) - 1} | "
                    f"{len(grammar) / 1024:.1f} KB | {load_s * 1000:.0f} ms |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "intents.md")
    args = parser.parse_args(argv)

    load_before = os.getloadavg()[0]
    load_times = []
    for _ in range(3):
        t0 = time.perf_counter()
        matcher = Matcher.load("en", extra_lists=EXTRA_LISTS)
        load_times.append(time.perf_counter() - t0)

    samples = list(template_samples(matcher))
    paraphrases = load("paraphrases.yaml")
    holdouts = [(name, load(name), blind) for name, blind in HOLDOUTS]
    heldout_cases = [c for _name, cases, _blind in holdouts for c in cases]
    own_ood = load("out_of_domain.yaml")
    overlap = {c["text"]: c["means"] for c in load("ha_builtin_overlap.yaml")}
    ha = [s for s in HOME_ASSISTANT.read_text(encoding="utf-8").splitlines() if s.strip()]

    # accuracy
    def sample_ok_(s) -> bool:
        r = matcher.match(s.text, [s.intent])
        # a bare value never hides a built-in ("help" at the needs step is Help), by design
        return (r.intent, dict(r.slots)) == (s.intent, s.slots) or (s.context_only and r.intent in BUILTIN_INTENTS)

    sample_ok = sum(1 for s in samples if sample_ok_(s))
    bare_builtin = sum(1 for s in samples if s.context_only and matcher.match(s.text, [s.intent]).intent in BUILTIN_INTENTS)
    para_ok = sum(correct(matcher, c) for c in paraphrases)
    hold_fails = {name: [c for c in cases if not correct(matcher, c)] for name, cases, _blind in holdouts}
    last_name, last_cases, last_blind = holdouts[-1]
    last_ok = len(last_cases) - len(hold_fails[last_name])
    last_figure = last_blind or pct(last_ok, len(last_cases))
    own_pairs = [(t, e) for t in own_ood for e in STEPS]
    own_rejected = sum(1 for t, e in own_pairs if matcher.match(t, e).intent is None)
    own_plain = sum(1 for t in own_ood if matcher.match(t).intent is None)
    ha_rest = [s for s in ha if s not in overlap]
    ha_accepted = [(s, matcher.match(s)) for s in ha_rest]
    ha_accepted = [(s, r) for s, r in ha_accepted if r.intent]
    ha_all_rejected = sum(1 for s in ha if matcher.match(s).intent is None)
    overlap_seen = [(t, matcher.match(t).intent, means) for t, means in overlap.items()]

    # near misses: does confidence track correctness?
    rng = random.Random(7)
    buckets = {"1.0 (exact)": [0, 0], "0.85-0.99": [0, 0], "0.70-0.84": [0, 0], "0.55-0.69": [0, 0]}
    noisy_total = noisy_rejected = 0
    for case in paraphrases + heldout_cases:
        text = misspell(case["text"].lower().strip(".!?,"), rng)
        if text is None:
            continue
        noisy_total += 1
        r = matcher.match(text, expect=case.get("expect"))
        if r.intent is None:
            noisy_rejected += 1
            continue
        key = ("1.0 (exact)" if r.confidence >= 1.0 else "0.85-0.99" if r.confidence >= 0.85
               else "0.70-0.84" if r.confidence >= 0.70 else "0.55-0.69")
        buckets[key][1] += 1
        buckets[key][0] += (r.intent, dict(r.slots)) == (case["intent"], case.get("slots") or {})

    # latency over the full set
    items = ([(s.text, [s.intent]) for s in samples] + [(c["text"], c.get("expect")) for c in paraphrases + heldout_cases]
             + own_pairs + [(s, None) for s in ha])
    first, best = time_matches(matcher, items, args.rounds)
    ms = lambda v: f"{v * 1000:.3f} ms"  # noqa: E731
    startup = cli_startup()
    grammar_lines = grammar_figures(matcher)

    def failure_table(failed: list) -> str:
        return "\n".join(
            f"| `{c['text']}` | {c['intent']} {c.get('slots') or ''} | "
            f"{(lambda r: f'{r.intent} {dict(r.slots) or chr(32)}'.strip())(matcher.match(c['text'], c.get('expect')))} |"
            for c in failed) or "| (none) | | |"

    last_note = ("its failures have not been read and nothing has been tuned against it, so it is still blind"
                 if last_blind is None or last_name in STILL_BLIND else
                 "its failures were read and fixed afterwards like the earlier sets' (so it is no longer "
                 "blind now), and no set was written after it")
    blind_counts = [tuple(int(x) for x in re.search(r"\((\d+)/(\d+)\)", b).groups())
                    for _n, _c, b in holdouts if b]
    pooled = pct(sum(a for a, _ in blind_counts), sum(t for _, t in blind_counts)) if blind_counts else "n/a"
    later = blind_counts[2:]
    pooled_later = pct(sum(a for a, _ in later), sum(t for _, t in later)) if later else "n/a"
    later_pcts = sorted(100.0 * a / t for a, t in later)
    later_range = f"{later_pcts[0]:.1f}% to {later_pcts[-1]:.1f}% per set" if later_pcts else "n/a"
    pair = [(n, c) for n, c, _b in holdouts if n in LATEST_PAIR]
    pair_ok = sum(len(c) - len(hold_fails[n]) for n, c in pair)
    pair_methods = Counter(matcher.match(case["text"], case.get("expect")).method for _n, c in pair for case in c)
    spotted_pair = (f"{pct(pair_ok, sum(len(c) for _n, c in pair))} together ({pair_methods['context']} "
                    f"answered from context, {pair_methods['spotted']} by the word spotter)")
    holdout_summary = "\n".join(
        f"  - {name} ({len(cases)} sentences): blind {blind or pct(len(cases) - len(hold_fails[name]), len(cases))}; "
        f"now {pct(len(cases) - len(hold_fails[name]), len(cases))}" for name, cases, blind in holdouts)
    holdout_failures = "\n\n".join(
        f"Failures in {name}: {len(hold_fails[name])}, not listed (still blind: nobody has read them)"
        if name in STILL_BLIND else
        f"Failures in {name}:\n\n| sentence | wanted | got |\n|---|---|---|\n{failure_table(hold_fails[name])}"
        for name, _cases, _blind in reversed(holdouts))
    ha_lines = "\n".join(f"| `{s}` | {r.intent} {dict(r.slots) or ''} | {r.confidence} |" for s, r in ha_accepted) \
        or "| (none) | | |"
    overlap_lines = "\n".join(f"| `{t}` | {means} | {got} |" for t, got, means in overlap_seen)
    calib_lines = "\n".join(f"| {k} | {n} | {pct(ok, n) if n else 'n/a'} |" for k, (ok, n) in buckets.items())
    cpu = platform.processor() or platform.machine()
    text = f"""# Intent matcher: figures and method

Written by `bench/intents_bench.py` ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}).
Machine: {os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, hassil and rapidfuzz
from the project venv; the machine was shared with other processes while this ran.

## Targets

| target | result |
|---|---|
| p99 latency per utterance < 1 ms | **{ms(percentile(best, 0.99))}** (best of {args.rounds}); single run {ms(percentile(first, 0.99))} |
| 100% of template samples | **{pct(sample_ok, len(samples))}** |
| >= 95% of paraphrases | **{pct(para_ok, len(paraphrases))}** tuned set; **{pct(pair_ok, sum(len(c) for _n, c in pair))}** on the newest unseen paraphrases (held-out sets 16 and 17, written blind, measured once); pooled over every set's first, blind measurement, each against the matcher of its day: {pooled_later} (sets 3 to {len(blind_counts)}; all {len(blind_counts)} sets: {pooled}; per set: {", ".join(f"{n} {b}" for n, _c, b in holdouts if b)}); all held-out sets now{" (the still-blind last set untuned)" if STILL_BLIND else " (after tuning)"}: {pct(sum(len(c) - len(hold_fails[n]) for n, c, _b in holdouts), len(heldout_cases))} |
| >= 95% of out-of-domain rejected | **{pct(len(ha_rest) - len(ha_accepted), len(ha_rest))}** Home Assistant (overlap excluded); **{pct(own_rejected, len(own_pairs))}** our own set |

## Latency

Full set: {len(items)} utterances = {len(samples)} template samples + {len(paraphrases)} paraphrases +
{len(heldout_cases)} held-out + {len(own_pairs)} own out-of-domain (× {len(STEPS)} step expectations) + {len(ha)}
Home Assistant sentences.

| per utterance | median | p99 | max |
|---|---|---|---|
| best of {args.rounds} rounds | {ms(statistics.median(best))} | {ms(percentile(best, 0.99))} | {ms(max(best))} |
| first round only | {ms(statistics.median(first))} | {ms(percentile(first, 0.99))} | {ms(max(first))} |

Method: one `Matcher` (templates parsed once), `matcher.clear_cache()` before every call so
nothing is answered from the sentence cache, `time.perf_counter_ns()` around one
`matcher.match(text, expect)` call (normalising, candidate lookup, hassil, near-miss repair).
{args.rounds} rounds over the whole set in a different shuffled order each; "best of" keeps each
utterance's fastest round, which removes most of the scheduling noise of a shared 2-core machine
(1-minute load average {load_before:.1f} when the run started, {os.getloadavg()[0]:.1f} at the end);
"first round" is the single-shot figure including that noise. In use, repeated sentences come from the cache (a dict lookup).

Other timings: `Matcher.load("en")` {statistics.median(load_times) * 1000:.0f} ms (median of 3);
`attune parse "yes" --json` in a fresh process {startup * 1000:.0f} ms wall (median of 3; includes
Python start-up and the settings module, whose package currently imports Flask).

How it stays under a millisecond: an inverted index from every word a template can produce to
its templates means only templates able to produce every word of the sentence reach hassil
(out-of-domain sentences usually reach none); templated slot-list values are flattened so hassil's
trie index applies; the candidates go to one `hassil.recognize_all` call in rank order
(expected intent, built-in, bare expected value, other), the most specific template first, so the
first result is the answer.

## Accuracy

- Template samples: {pct(sample_ok, len(samples))}: hassil's sampler over trimmed copies of every
  template (every alternative, optional and list value at least once), matched with the
  template's intent expected, intent and slots compared. {bare_builtin} bare-value samples
  ("help" as a need) come out as the built-in instead, which is the intended rule (a bare value
  never hides a built-in) and counts as correct.
- Paraphrases (tuned set, tests/intents/cases/paraphrases.yaml): {pct(para_ok, len(paraphrases))}. The
  templates were edited until these passed, so this is a training figure.
- Held-out sets: the protocol was write a set, commit it, measure it once blind, then read its
  failures and improve the matcher in general ways (with new tuned paraphrases of the same kinds,
  never by copying held-out sentences), and write the next set before those changes. Once its
  failures have been read a set is no longer blind. Each set's first (blind) figure, and now:
{holdout_summary}
  The honest figure for unseen paraphrases is the blind one: **{pooled}** over all
  {len(blind_counts)} sets' first measurements, **{pooled_later}** over sets 3 to {len(blind_counts)} (after the
  first two rounds the blind figure stopped rising and has ranged from {later_range}; each new set
  finds new wordings, so per-set figures swing), and
  {last_figure} on the last set, {last_name}; {last_note}. Sets 12 to 17 were written by writers
  who never saw the templates (only the intent list and the domain article), two at a time, each
  pair committed before the matcher changes it was then measured against once: 12/13 after the
  word spotter (intents/spotter.py), 14/15 after the same (15 holds long full sentences: 57.6%),
  16/17 after the context answers and request openings that 14/15's failures led to:
  **{spotted_pair}** on 16/17, the newest blind figure. So the >= 95% target is met on the
  tuned set, on every held-out set after tuning, and on the newest unseen paraphrases; pooled over
  every set's first measurement it is not ({pooled_later} over sets 3 to {len(blind_counts)}), because
  most of those sets were measured against earlier, weaker versions of the matcher.
- Our out-of-domain set (out_of_domain.yaml, {len(own_ood)} sentences: home automation, trivia,
  shopping, small talk, media, near misses sharing words with attune): rejected
  {pct(own_plain, len(own_ood))} with no expectation, {pct(own_rejected, len(own_pairs))} over all
  {len(STEPS)} expectations.
- Home Assistant's test sentences: {len(overlap)} of {len(ha)} mean an attune built-in and are
  excluded (list and reasons in tests/intents/cases/ha_builtin_overlap.yaml); of the other
  {len(ha_rest)}, {pct(len(ha_rest) - len(ha_accepted), len(ha_rest))} are rejected. Counting all {len(ha)}
  blindly: {pct(ha_all_rejected, len(ha))} rejected.

{holdout_failures}

Home Assistant sentences accepted (false acceptances):

| sentence | matched | confidence |
|---|---|---|
{ha_lines}

The excluded overlap, and what the matcher does with it:

| sentence | means | matched |
|---|---|---|
{overlap_lines}

## Recognizer grammars

From the same templates (intents/grammar.py), with the built-ins always included: vosk phrases
(covering every alternative and list value, plus "[unk]") and words, and one JSGF grammar (rules
for the expansion rules and lists, alternatives and optionals kept, every word in pocketsphinx's
dictionary), with the time `pocketsphinx.Decoder.add_jsgf_string` takes to load it.

| grammar | vosk phrases | vosk words | JSGF size | pocketsphinx load |
|---|---|---|---|---|
{grammar_lines}

## Confidence

1.0 is an exact template match. A sentence with a few words no template knows is repaired
(nearest vocabulary word by rapidfuzz ratio >= 80, or two words joined / one split) and matched
again; its confidence is 0.55 + 0.4 × (worst word ratio − 80) / 20. More than two unknown words,
or more than half the sentence, is rejected without guessing. Near misses: {noisy_total}
paraphrase and held-out sentences with one word of 5+ letters misspelt (swap, drop, double or
split a letter, seeded; paraphrases and all held-out sets); {pct(noisy_rejected, noisy_total)} rejected, the rest by confidence:

| confidence | accepted | correct |
|---|---|---|
{calib_lines}

Other paths: a leading "okay so" / "can you" dropped: × {LEAD_FACTOR}; content-free trailing words
("with you", "please") dropped: × {TAIL_FACTOR}; one clause of a punctuated sentence: × {CLAUSE_FACTOR};
one superfluous known word left out (never a negation): {EDIT_FACTOR}; only the main clause before
"when/because ...": × {HEAD_FACTOR}. No match is confidence 0.0. Read the confidence as "how much was
changed to make it match", an ordering rather than a probability: on these near misses every band
was right at least 99% of the time, so a caller can accept everything the matcher returns and use
the confidence to decide whether to confirm ("Did you say ...?"), e.g. below 0.7.
"""
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
