"""An outside intent set (any intent names) loads, matches and exports grammars like attune's own."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from intents import IntentsDataError
from intents.grammar import jsgf, vosk_phrases
from intents.intent_set import IntentSet

REPO = Path(__file__).resolve().parents[2]
COFFEE = REPO / "bench" / "speech-to-intent" / "intents"

TOY = """
language: en
intents:
  orderDrink:
    data:
    - sentences:
      - "<polite> [a] {size} {drink} [with {milk}]"
  cancelOrder:
    data:
    - sentences:
      - "cancel [my] order"
lists:
  size: {values: [small, large, {in: "big", out: large}]}
  drink: {values: [latte, iced coffee]}
  milk: {values: [soy milk, " oat milk"]}
expansion_rules:
  polite: "(can I get|I'd like)"
"""


@pytest.fixture
def toy(tmp_path) -> IntentSet:
    (tmp_path / "toy.yaml").write_text(TOY)
    return IntentSet.load(tmp_path)


@pytest.mark.parametrize("text, intent, slots", [
    ("can I get a large latte", "orderDrink", {"size": "large", "drink": "latte"}),
    ("I'd like a big iced coffee with oat milk", "orderDrink",
     {"size": "large", "drink": "iced coffee", "milk": "oat milk"}),
    ("cancel my order", "cancelOrder", {}),
    ("can I get a large lattee", "orderDrink", {"size": "large", "drink": "latte"}),  # repaired
    ("turn on the kitchen lights", None, {}),
    ("", None, {}),
])
def test_match_any_intent_names(toy, text, intent, slots):
    result = toy.match(text)
    assert (result.intent, dict(result.slots)) == (intent, slots)


def test_expectation_picks_between_intents(toy):
    assert toy.intent_names == ("orderDrink", "cancelOrder")
    assert toy.match("cancel order", expect=["cancelOrder"]).intent == "cancelOrder"
    assert toy.slot_values("size") == ("small", "large")


def test_grammars_cover_every_intent(toy):
    grammar = jsgf(toy)
    assert "<i_orderDrink>" in grammar and "<i_cancelOrder>" in grammar
    assert "<r_polite> = (can i get | i'd like);" in grammar
    phrases = vosk_phrases(toy)
    assert "cancel my order" in phrases and phrases[-1] == "[unk]"


def test_bad_file_names_file_and_line(tmp_path):
    (tmp_path / "bad.yaml").write_text(TOY.replace("{drink} [with", "{drinks} [with"))
    with pytest.raises(IntentsDataError, match=r"bad.yaml:\d+: intent orderDrink: unknown slot list \{drinks\}"):
        IntentSet.load(tmp_path)


def test_not_a_folder(tmp_path):
    with pytest.raises(IntentsDataError, match="not a folder"):
        IntentSet.load(tmp_path / "missing")


def test_coffee_set_translated_from_the_benchmark():
    coffee = IntentSet.load(COFFEE)
    assert coffee.intent_names == ("orderDrink",)
    result = coffee.match("can I get a large triple shot dark roast latte with skim milk")
    assert dict(result.slots) == {"size": "large", "numberOfShots": "triple shot", "roast": "dark roast",
                                  "coffeeDrink": "latte", "milkAmount": "skim milk"}
    result = coffee.match("may i have an iced mocha with a lot of whole milk and some brown sugar")
    assert dict(result.slots) == {"coffeeDrink": "iced mocha", "milkAmount": "a lot of whole milk",
                                  "sugarAmount": "some brown sugar"}
    assert coffee.match("i want a large please").intent is None  # a drink is required


def test_rhino_translation_matches_the_committed_file(tmp_path):
    shared = REPO.parent / "shared" / "benchmarks" / "speech-to-intent" / "coffee_maker.yaml"
    if not shared.exists():
        pytest.skip("shared benchmark data not present")
    out = tmp_path / "coffee_maker.yaml"
    subprocess.run([sys.executable, str(REPO / "bench" / "speech-to-intent" / "rhino.py"), str(shared), str(out)],
                   check=True, capture_output=True)
    assert out.read_text() == (COFFEE / "coffee_maker.yaml").read_text()


def test_parse_cli_with_intents_folder():
    out = subprocess.run([sys.executable, "-m", "attune", "parse", "--intents", str(COFFEE), "--json",
                          "give me a small latte with some soy milk"],
                         capture_output=True, text=True, cwd=REPO, check=True)
    assert json.loads(out.stdout)["slots"] == {"size": "small", "coffeeDrink": "latte",
                                               "milkAmount": "some soy milk"}
    bad = subprocess.run([sys.executable, "-m", "attune", "parse", "--intents", str(COFFEE), "--expect", "Yes",
                          "a latte"], capture_output=True, text=True, cwd=REPO)
    assert bad.returncode == 2 and "unknown intent" in bad.stderr
