"""Locale word lists are data: every key the code reads (intents.words.KEYS) is in every locale's files,
and reading a key that is not registered fails loudly instead of quietly meaning nothing."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest
import yaml

from intents.words import KEYS, words

ROOT = Path(__file__).resolve().parents[2]
LOCALES = sorted(p.name for p in (resources.files("intents") / "data").iterdir() if (p / "words").is_dir())


def test_english_has_word_lists():
    assert "en" in LOCALES


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("name", sorted(KEYS))
def test_every_key_the_code_reads_is_in_the_locale(locale, name):
    data = yaml.safe_load((resources.files("intents") / "data" / locale / "words" / f"{name}.yaml").read_text())
    assert set(KEYS[name]) <= set(data), f"{locale}/words/{name}.yaml lacks {set(KEYS[name]) - set(data)}"
    assert set(data) <= set(KEYS[name]), f"{locale}/words/{name}.yaml has keys no code reads"


def test_every_words_call_in_the_code_names_a_registered_key():
    calls = set()
    for path in [*ROOT.joinpath("intents").glob("*.py"), *ROOT.joinpath("server").rglob("*.py")]:
        calls |= set(re.findall(r'\bword(?:s|_list)\("(\w+)", "(\w+)"', path.read_text(encoding="utf-8")))
    assert calls, "no words(...) calls found"
    for name, key in calls:
        assert key in KEYS.get(name, ()), f'words("{name}", "{key}") is not in intents.words.KEYS'


def test_an_unregistered_key_is_an_error():
    with pytest.raises(KeyError):
        words("time", "no_such_list")


def test_lists_are_plain_words_not_yaml_booleans():
    """YAML reads a bare no/on/yes as a boolean; every list entry must stay a word."""
    for locale in LOCALES:
        for name, keys in KEYS.items():
            for key in keys:
                value = words(name, key, locale)
                items = value.values() if isinstance(value, dict) else [value]
                for item in items:
                    if isinstance(item, list):
                        assert all(isinstance(w, str) for w in item), (locale, name, key, item)
                if isinstance(value, list):
                    assert all(isinstance(w, str) for w in value), (locale, name, key)
