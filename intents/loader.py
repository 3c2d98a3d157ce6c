"""Read the YAML template files of a locale, check them, and merge them into one hassil dict.

Bad data raises `IntentsDataError` naming the file, the line and the intent, the way hassil's
own tooling reports template errors. Pure apart from reading the files.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml
from hassil import Intents
from hassil.expression import Expression, Group, ListReference, RuleReference, Sentence
from hassil.parse_expression import parse_sentence

from intents.names import INTENT_NAMES

DATA_DIR = Path(__file__).parent / "data"
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: several times faster


class IntentsDataError(ValueError):
    """A template file is unreadable or wrong; the message says where."""

    def __init__(self, path: Path | str, line: int | None, intent: str | None, message: str):
        self.path, self.line, self.intent = str(path), line, intent
        where = f"{self.path}:{line}" if line else self.path
        what = f" intent {intent}:" if intent else ""
        super().__init__(f"{where}:{what} {message}")


@dataclass(frozen=True)
class SourceLine:
    """Where one sentence template or list value came from."""

    path: str
    """YAML file the text is in."""
    line: int
    """1-based line number of the text."""
    intent: str | None
    """Intent the sentence belongs to (None for lists and rules)."""
    parsed: Sentence | None = field(default=None, compare=False, repr=False)
    """hassil's parse of the sentence."""


def locale_dir(locale: str, data_dir: Path | None = None) -> Path:
    base = data_dir or DATA_DIR
    path = base / locale
    if not path.is_dir():
        raise IntentsDataError(path, None, None, f"no templates for locale {locale!r}")
    return path


def _node_value(node: yaml.Node | None, key: str) -> yaml.Node | None:
    """The value node under `key` in a YAML mapping node."""
    item = _node_item(node, key)
    return item[1] if item else None


def _node_item(node: yaml.Node | None, key: str) -> tuple[yaml.Node, yaml.Node] | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return k, v
    return None


def _read(path: Path) -> tuple[dict[str, Any], yaml.Node | None]:
    try:
        text = path.read_text(encoding="utf-8")
        return yaml.load(text, Loader=_Loader) or {}, yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise IntentsDataError(path, mark.line + 1 if mark else None, None,
                               f"bad YAML: {exc.problem or exc}") from exc
    except (OSError, yaml.YAMLError) as exc:
        raise IntentsDataError(path, None, None, f"cannot read: {exc}") from exc


def _check_refs(expr: Expression, rules: set[str], lists: set[str]) -> str | None:
    """Name the first unknown <rule> or {list} in an expression, if any."""
    if isinstance(expr, RuleReference) and expr.rule_name not in rules:
        return f"unknown expansion rule <{expr.rule_name}>"
    if isinstance(expr, ListReference) and expr.list_name not in lists:
        return f"unknown slot list {{{expr.list_name}}}"
    if isinstance(expr, Group):
        for item in expr.items:
            problem = _check_refs(item, rules, lists)
            if problem:
                return problem
    return None


def to_intents(merged: dict[str, Any], sources: dict[str, SourceLine]) -> Intents:
    """hassil `Intents` from `load_folder`'s result, reusing the parses the loader already made
    (hassil would parse every template again)."""
    intents = Intents.from_dict(merged)
    for intent in intents.intents.values():
        for data in intent.data:
            parsed = [sources[t].parsed for t in data.sentence_texts]
            if all(p is not None for p in parsed):
                data.__dict__["sentences"] = parsed
    return intents


def load_locale(locale: str = "en", data_dir: Path | None = None) -> tuple[dict[str, Any], dict[str, SourceLine]]:
    """Merge every *.yaml of the locale into one hassil dict and check every template.

    Returns the dict (for `hassil.Intents.from_dict`) and, per sentence text, where it came from
    (`SourceLine.parsed` holds hassil's parse, so it is not parsed twice).
    """
    return load_folder(locale_dir(locale, data_dir), locale, INTENT_NAMES)


def load_folder(folder: Path, locale: str = "en", names: tuple[str, ...] | None = None
                ) -> tuple[dict[str, Any], dict[str, SourceLine]]:
    """`load_locale` for any folder of template files (an outside intent set, e.g. a benchmark's).

    `names`: the intent names allowed, all of which must be defined (attune's own set); None
    accepts any intent name and requires none.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise IntentsDataError(folder, None, None, "not a folder of *.yaml intent files")
    merged: dict[str, Any] = {"language": locale, "intents": {}, "lists": {}, "expansion_rules": {},
                              "skip_words": []}
    where: dict[str, SourceLine] = {}
    pending: list[tuple[str, SourceLine]] = []  # (template text, source) checked once all rules are known
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise IntentsDataError(folder, None, None, "no *.yaml template files")
    for path in files:
        data, root = _read(path)
        if not isinstance(data, dict):
            raise IntentsDataError(path, 1, None, "top level must be a mapping")
        unknown = set(data) - {"language", "intents", "lists", "expansion_rules", "skip_words"}
        if unknown:
            raise IntentsDataError(path, 1, None, f"unknown top-level key(s): {', '.join(sorted(unknown))}")
        if data.get("language", locale) != locale:
            raise IntentsDataError(path, 1, None, f"language {data['language']!r} is not {locale!r}")
        merged["skip_words"].extend(data.get("skip_words") or [])
        for key in ("lists", "expansion_rules"):
            for name, value in (data.get(key) or {}).items():
                if name in merged[key]:
                    raise IntentsDataError(path, None, None, f"{key} {name!r} defined twice")
                merged[key][name] = value
        intents_node = _node_value(root, "intents") if root is not None else None
        for name, body in (data.get("intents") or {}).items():
            item = _node_item(intents_node, name)
            name_node = item[1] if item else None
            line = item[0].start_mark.line + 1 if item else None
            if names is not None and name not in names:
                raise IntentsDataError(path, line, name, "not a known intent name (see intents/names.py)")
            if name in merged["intents"]:
                raise IntentsDataError(path, line, name, "intent defined in two files")
            blocks = (body or {}).get("data") if isinstance(body, dict) else None
            if not isinstance(blocks, list) or not blocks:
                raise IntentsDataError(path, line, name, "needs data: [ {sentences: [...]} ]")
            data_node = _node_value(name_node, "data") if name_node is not None else None
            for b, block in enumerate(blocks):
                sentences = block.get("sentences") if isinstance(block, dict) else None
                block_node = data_node.value[b] if isinstance(data_node, yaml.SequenceNode) else None
                if not isinstance(sentences, list) or not sentences:
                    raise IntentsDataError(path, line, name, f"data block {b + 1} has no sentences")
                sent_node = _node_value(block_node, "sentences") if block_node is not None else None
                for s, text in enumerate(sentences):
                    s_line = (sent_node.value[s].start_mark.line + 1
                              if isinstance(sent_node, yaml.SequenceNode) else line)
                    if not isinstance(text, str) or not text.strip():
                        raise IntentsDataError(path, s_line, name, "a sentence must be non-empty text")
                    source = SourceLine(str(path), s_line or 0, name)
                    where.setdefault(text, source)
                    pending.append((text, source))
            merged["intents"][name] = body
    missing = [n for n in names or () if n not in merged["intents"]]
    if missing:
        raise IntentsDataError(folder, None, missing[0], f"no templates for intent(s): {', '.join(missing)}")
    rules = set(merged["expansion_rules"])
    lists = set(merged["lists"])
    for name, body in merged["expansion_rules"].items():
        try:
            problem = _check_refs(parse_sentence(body).expression, rules, lists)
        except Exception as exc:  # hassil raises several error types for bad syntax
            problem = f"bad template syntax in rule <{name}>: {exc}"
        if problem:
            raise IntentsDataError(folder, None, None, f"expansion rule <{name}>: {problem}")
    for text, source in pending:
        try:
            parsed = parse_sentence(text, keep_text=True)
            problem = _check_refs(parsed.expression, rules, lists)
            if where[text] is source:
                where[text] = replace(source, parsed=parsed)
        except Exception as exc:
            problem = f"bad template syntax: {exc}"
        if problem:
            raise IntentsDataError(source.path, source.line, source.intent, f"{problem} in {text!r}")
    return merged, where
