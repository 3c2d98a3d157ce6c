"""All language as data: prompts, routine scripts, safety patterns and help lines (YAML).

Loaded once per locale and cached. A missing key is an error (KeyError naming it),
never the key spoken aloud.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Mapping

import yaml

DATA = "server.data"


def _read_yaml(*parts: str) -> Any:
    node = resources.files(DATA)
    for part in parts:
        node = node.joinpath(part)
    return yaml.safe_load(node.read_text(encoding="utf-8"))


def _flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, name + "."))
        else:
            flat[name] = str(value)
    return flat


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


class Language:
    """Prompts of one locale, by dotted key ("debrief.ready")."""

    def __init__(self, locale: str, prompts: Mapping[str, str]):
        self.locale = locale
        self.prompts = dict(prompts)

    def has(self, key: str) -> bool:
        return key in self.prompts

    def text(self, key: str, **values: Any) -> str:
        """The prompt `key` with {placeholders} filled (unknown placeholders become empty)."""
        try:
            template = self.prompts[key]
        except KeyError:
            raise KeyError(f"server/data/{self.locale}/prompts.yaml has no key '{key}'") from None
        text = string.Formatter().vformat(template, (), _Blank({k: v for k, v in values.items() if v is not None}))
        return re.sub(r"\s{2,}", " ", text).strip()

    def sentence(self, key: str, **values: Any) -> str:
        """`text` for saying on its own: first letter capitalised ("One minute left ...")."""
        text = self.text(key, **values)
        return text[:1].upper() + text[1:]


@lru_cache(maxsize=8)
def language(locale: str = "en") -> Language:
    return Language(locale, _flatten(_read_yaml(_locale_dir(locale), "prompts.yaml")))


def _locale_dir(locale: str) -> str:
    """'en-US' -> 'en' when there is no 'en-US' directory; unknown locales fall back to English."""
    base = resources.files(DATA)
    for candidate in (locale, locale.split("-")[0].split("_")[0], "en"):
        if base.joinpath(candidate).joinpath("prompts.yaml").is_file():
            return candidate
    raise FileNotFoundError("server/data/en/prompts.yaml is missing")


def locale_yaml(locale: str, name: str) -> Any:
    """Another YAML file of a locale's language data (server/data/<locale>/<name>), e.g. titles.yaml."""
    return _read_yaml(_locale_dir(locale), name)


@lru_cache(maxsize=32)
def script(routine: str, locale: str = "en") -> dict[str, Any]:
    """The routine's script (steps, budgets, prompt keys) from server/data/<locale>/routines/."""
    data = _read_yaml(_locale_dir(locale), "routines", f"{routine}.yaml")
    if not isinstance(data, dict) or data.get("routine") != routine:
        raise ValueError(f"server/data/{locale}/routines/{routine}.yaml: 'routine' must be {routine!r}")
    for step in data["steps"]:
        if step.get("wake", "none") not in ("none", "required"):
            raise ValueError(f"server/data/{locale}/routines/{routine}.yaml: step {step.get('id')}: "
                             f"wake must be none or required, not {step['wake']!r}")
        # YAML reads a bare Yes/No as a boolean: intent names must be quoted strings.
        for name in [*step.get("expects", []), *([step["stop_on"]] if "stop_on" in step else [])]:
            if not isinstance(name, str):
                raise ValueError(f"server/data/{locale}/routines/{routine}.yaml: step {step.get('id')}: "
                                 f"intent {name!r} must be a quoted string")
    return data


@lru_cache(maxsize=8)
def safety_data(locale: str = "en") -> dict[str, Any]:
    """The disclosure rules and word classes (server/data/<locale>/safety.yaml)."""
    return _read_yaml(_locale_dir(locale), "safety.yaml")


@lru_cache(maxsize=8)
def safety_prototypes(locale: str = "en") -> dict[str, Any]:
    """The sentence encoder's prototypes and margin (server/data/<locale>/safety_prototypes.yaml)."""
    return _read_yaml(_locale_dir(locale), "safety_prototypes.yaml")


@dataclass(frozen=True)
class Helpline:
    """One help line of a locale (server/data/helplines.yaml)."""

    kind: str
    """emergency | crisis (suicide and self-harm) | abuse (domestic abuse) | general"""
    name: str
    contact: str

    def __str__(self) -> str:
        return f"{self.name}: {self.contact}"


HELPLINE_KINDS = ("emergency", "crisis", "abuse", "general")


@lru_cache(maxsize=8)
def helplines(helpline_locale: str = "en-US") -> tuple[Helpline, ...]:
    """The help lines of `helpline_locale` ("en-GB" or "en_GB"), else the default ones."""
    data = _read_yaml("helplines.yaml")
    for candidate in (helpline_locale, helpline_locale.replace("_", "-")):
        if candidate in data:
            return tuple(_helpline(candidate, entry) for entry in data[candidate])
    return tuple(_helpline("default", entry) for entry in data["default"])


def _helpline(locale: str, entry: Mapping[str, Any]) -> Helpline:
    if entry.get("kind") not in HELPLINE_KINDS or not entry.get("name") or not entry.get("contact"):
        raise ValueError(f"server/data/helplines.yaml: {locale}: each line needs kind ({', '.join(HELPLINE_KINDS)}),"
                         f" name and contact, not {dict(entry)!r}")
    return Helpline(entry["kind"], entry["name"], entry["contact"])


def crisis_lines(helpline_locale: str = "en-US") -> str:
    """The crisis lines of a locale as one spoken phrase ("Samaritans: 116 123, any time")."""
    return "; ".join(str(h) for h in helplines(helpline_locale) if h.kind == "crisis")


@lru_cache(maxsize=8)
def dialogue(locale: str = "en") -> dict[str, Any]:
    """How a turn is read: fillers, thought openers, pseudo-feelings, promise words (dialogue.yaml)."""
    return _read_yaml(_locale_dir(locale), "dialogue.yaml")
