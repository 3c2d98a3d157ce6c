"""Translate a Picovoice Rhino context (YAML) into attune's intent format (hassil YAML).

Rhino's syntax -> hassil's: `[a, b]` (choose one) -> `(a|b)`; `(x)` (optional) -> `[x]`;
`$type:slot` -> `{type:slot}` (just `{slot}` when the slot is named after its type); the
context's `slots:` value lists become `lists:` (values kept as written: they are the canonical
values the labels use). A choice group used by several expressions becomes one expansion rule,
so the file stays readable and the grammar exporters share it.

    .venv/bin/python bench/speech-to-intent/rhino.py SRC.yaml OUT.yaml
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

import yaml

_SLOT = re.compile(r"\$(\w+):(\w+)")
_CHOICE = re.compile(r"\[([^\[\]]*)\]")


def _slot(match: re.Match) -> str:
    kind, name = match.groups()
    return "{" + (name if kind == name else f"{kind}:{name}") + "}"


def _choice(body: str) -> str:
    items = [p.strip() for p in body.split(",")]
    return "(" + "|".join(items) + ")" if len(items) > 1 else items[0]


def translate(context: dict) -> dict:
    """A Rhino `context:` mapping -> a hassil intents dict (language, intents, lists, expansion_rules)."""
    expressions = context["expressions"]
    counts = Counter(c for exprs in expressions.values() for e in exprs for c in _CHOICE.findall(e))
    rules: dict[str, str] = {}
    names: dict[str, str] = {}
    for body, n in counts.items():
        if n > 1 and "," in body:
            names[body] = f"choice{len(names) + 1}"
            rules[names[body]] = _choice(body)

    def protect(text: str) -> str:  # Rhino optionals "(x)" must not be read as choices "[x]" afterwards
        return text.replace("(", "\0").replace(")", "\1")

    out_intents = {}
    for intent, exprs in expressions.items():
        sentences = []
        for e in exprs:
            text = _CHOICE.sub(lambda m: f"<{names[m.group(1)]}>" if m.group(1) in names else _choice(m.group(1)),
                               protect(e))
            text = text.replace("\0", "[").replace("\1", "]")
            sentences.append(_SLOT.sub(_slot, text))
        out_intents[intent] = {"data": [{"sentences": sentences}]}
    lists = {slot: {"values": [str(v) for v in values]} for slot, values in context["slots"].items()}
    return {"language": "en", "intents": out_intents, "lists": lists, "expansion_rules": rules}


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    src, out = Path(argv[0]), Path(argv[1])
    data = translate(yaml.safe_load(src.read_text())["context"])
    header = (f"# {src.name} (Picovoice speech-to-intent benchmark, Apache-2.0) in attune's intent format,\n"
              "# written by bench/speech-to-intent/rhino.py: Rhino's [a, b] choices -> (a|b) or a shared\n"
              "# <choiceN> rule, (x) optional -> [x], $type:slot -> {slot}; slot values as the labels use them.\n")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=200))
    print(f"wrote {out}: {sum(len(i['data'][0]['sentences']) for i in data['intents'].values())} sentences, "
          f"{len(data['lists'])} lists, {len(data['expansion_rules'])} rules")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
