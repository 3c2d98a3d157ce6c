"""Bad template data fails loudly, naming the file, the line and the intent."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from intents import IntentsDataError, Matcher
from intents.loader import DATA_DIR


@pytest.fixture
def data_dir(tmp_path) -> Path:
    shutil.copytree(DATA_DIR / "en", tmp_path / "en")
    return tmp_path


def _replace(path: Path, old: str, new: str) -> int:
    text = path.read_text()
    assert old in text
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, 1))
    return line


def test_unknown_rule_names_file_line_and_intent(data_dir):
    path = data_dir / "en" / "builtins.yaml"
    line = _replace(path, '"louder [please]"', '"<loudly> [please]"')
    with pytest.raises(IntentsDataError) as err:
        Matcher.load("en", data_dir=data_dir)
    assert (err.value.path, err.value.line, err.value.intent) == (str(path), line, "Louder")
    assert f"builtins.yaml:{line}: intent Louder: unknown expansion rule <loudly>" in str(err.value)


def test_bad_template_syntax(data_dir):
    path = data_dir / "en" / "builtins.yaml"
    line = _replace(path, '"louder [please]"', '"louder (please"')
    with pytest.raises(IntentsDataError, match=rf"builtins.yaml:{line}: intent Louder: bad template syntax"):
        Matcher.load("en", data_dir=data_dir)


def test_unknown_list(data_dir):
    path = data_dir / "en" / "answers.yaml"
    _replace(path, "{need} (would help", "{needz} (would help")
    with pytest.raises(IntentsDataError, match=r"answers.yaml:\d+: intent Need: unknown slot list \{needz\}"):
        Matcher.load("en", data_dir=data_dir)


def test_broken_yaml(data_dir):
    path = data_dir / "en" / "repair.yaml"
    line = _replace(path, "  AnotherOne:\n", "  AnotherOne: [\n")
    with pytest.raises(IntentsDataError, match=r"repair.yaml:\d+: bad YAML") as err:
        Matcher.load("en", data_dir=data_dir)
    assert err.value.line >= line


def test_unknown_intent_name(data_dir):
    path = data_dir / "en" / "repair.yaml"
    line = _replace(path, "  AnotherOne:\n", "  AnotherOneMore:\n")
    with pytest.raises(IntentsDataError, match=rf"repair.yaml:{line}: intent AnotherOneMore: not a known intent"):
        Matcher.load("en", data_dir=data_dir)


def test_missing_locale(tmp_path):
    with pytest.raises(IntentsDataError, match="no templates for locale 'xx'"):
        Matcher.load("xx", data_dir=tmp_path)
