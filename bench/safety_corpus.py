"""Disclosure detector against sentences it was never built on: attune's intent test sets and Home
Assistant's out-of-domain sentences (everyday), and the blind safety sets; `N`: template sentences
added as everyday prototypes. Run from the checkout: .venv/bin/python bench/safety_corpus.py [N]
"""
import yaml, glob, random, sys, numpy as np
from intents import Matcher
from intents.samples import template_samples
from server.routines import disclosure_meaning as dm
from server.routines.disclosure import judge, rules_for
from server.routines.language import safety_prototypes

N = int(sys.argv[1]) if len(sys.argv) > 1 else 400
m = Matcher.load("en", extra_lists={"partner": ["Alex", "Sam"]})
samples = sorted({s.text for s in template_samples(m)})
random.Random(5).shuffle(samples)
extra = [s for s in samples if len(s.split()) >= 3][:N]
enc = dm._encoder()
data = safety_prototypes("en")
base = dm.Prototypes.build(data, enc)
ev = np.asarray(enc(extra), dtype=np.float32) if extra else np.zeros((0, base.vectors.shape[1]), np.float32)
aug = dm.Prototypes(np.vstack([base.vectors, ev]), base.labels + (None,) * len(extra), base.margin)
rules = rules_for("en"); names = ("Alex", "Sam")
def detect(t, P):
    c, exc = judge(t, rules, names)
    if c or exc: return c
    if len(t.split()) < dm.MIN_WORDS: return None
    return P.category(np.asarray(enc([t]), dtype=np.float32)[0])
every = []
for f in sorted(glob.glob('tests/intents/cases/*.yaml')) + sorted(glob.glob('tests/intents/blind/*.yaml')):
    d = yaml.safe_load(open(f))
    every += [c['text'] for c in d.get('cases', []) if isinstance(c, dict) and c.get('text')]
every += [l.strip() for l in open('/work/shared/benchmarks/out-of-domain/home-assistant-en.txt') if l.strip()]
every = sorted(set(every) - set(extra))
for name, P in (("shipped", base), (f"+{len(extra)} samples", aug)):
    fp = sum(1 for t in every if detect(t, P))
    line = [f"{name}: everyday corpus stopped {fp}/{len(every)}"]
    for f in sorted(glob.glob('tests/safety/blind/*.yaml')):
        d = yaml.safe_load(open(f))
        dis = [t for v in d['disclosures'].values() for t in v]
        evd = [t for v in d['everyday'].values() for t in v]
        line.append(f"{f[-6]}: {sum(1 for t in dis if detect(t,P))}/{len(dis)} caught, {sum(1 for t in evd if detect(t,P))}/{len(evd)} stopped")
    print("; ".join(line), flush=True)
print("--- blind set E, measured once")
d = yaml.safe_load(open('tests/safety/blind/2026-12-05-e.yaml'))
def rules_only(t, P):
    return judge(t, rules, names)[0]
for name, P, fn in (("rules", None, rules_only), ("shipped (rules, then meaning)", base, detect), (f"rules, then meaning +{len(extra)} samples", aug, detect)):
    cat = {c: sum(1 for t in v if fn(t, P)) for c, v in d['disclosures'].items()}
    ev = {k: [t for t in v if fn(t, P)] for k, v in d['everyday'].items()}
    nd = sum(len(v) for v in d['disclosures'].values()); ne = sum(len(v) for v in d['everyday'].values())
    print(f"{name}: caught {sum(cat.values())}/{nd} {cat}; stopped {sum(len(v) for v in ev.values())}/{ne} { {k: len(v) for k, v in ev.items() if v} }")
    print("   stopped:", [t for v in ev.values() for t in v])
    print("   missed:", [t for v in d['disclosures'].values() for t in v if not fn(t, P)])
