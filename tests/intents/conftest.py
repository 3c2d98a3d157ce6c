"""Shared fixtures for the intents tests: one matcher (parsing the templates is the slow part)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from intents import Matcher

CASES = Path(__file__).parent / "cases"
BLIND = Path(__file__).parent / "blind"  # one dated file per blind paraphrase round
PARTNERS = ("Alex", "Sam")
RITUALS = ("Sunday walk",)


def load_cases(name: str, folder: Path = CASES) -> list:
    return yaml.safe_load((folder / name).read_text(encoding="utf-8"))["cases"]


@pytest.fixture(scope="session")
def matcher() -> Matcher:
    return Matcher.load("en", extra_lists={"partner": PARTNERS, "ritual": RITUALS})
