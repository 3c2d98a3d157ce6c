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


@pytest.mark.parametrize("file, old, new, intent, message", [
    ("builtins.yaml", '"louder [please]"', '"<loudly> [please]"', "Louder", "unknown expansion rule <loudly>"),
    ("builtins.yaml", '"louder [please]"', '"louder (please"', "Louder", "bad template syntax"),
    ("answers.yaml", "{need} (would help", "{needz} (would help", "Need", "unknown slot list {needz}"),
    ("repair.yaml", "  AnotherOne:\n", "  AnotherOneMore:\n", "AnotherOneMore", "not a known intent name"),
])
def test_bad_template_names_file_line_and_intent(data_dir, file, old, new, intent, message):
    path = data_dir / "en" / file
    line = _replace(path, old, new)
    with pytest.raises(IntentsDataError) as err:
        Matcher.load("en", data_dir=data_dir)
    assert (err.value.path, err.value.line, err.value.intent) == (str(path), line, intent)
    assert f"{file}:{line}: intent {intent}: {message}" in str(err.value)


def test_broken_yaml(data_dir):
    path = data_dir / "en" / "repair.yaml"
    line = _replace(path, "  AnotherOne:\n", "  AnotherOne: [\n")
    with pytest.raises(IntentsDataError, match=r"repair.yaml:\d+: bad YAML") as err:
        Matcher.load("en", data_dir=data_dir)
    assert err.value.line >= line


def test_missing_locale(tmp_path):
    with pytest.raises(IntentsDataError, match="no templates for locale 'xx'"):
        Matcher.load("xx", data_dir=tmp_path)
