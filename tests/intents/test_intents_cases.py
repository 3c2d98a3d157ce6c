"""Table-driven cases: paraphrases must match with their slots; out-of-domain speech must not."""

from __future__ import annotations

from pathlib import Path

import pytest

from intents import INTENT_NAMES, SLOT_NAMES
from intents.text import normalize

from conftest import BLIND, CASES, load_cases

PARAPHRASES = load_cases("paraphrases.yaml")
HOLDOUT = [c for f in sorted(BLIND.glob("*.yaml")) for c in load_cases(f.name, BLIND)]  # bench data
OUT_OF_DOMAIN = load_cases("out_of_domain.yaml")
EXPECTATIONS = (None, ["Feeling"], ["Need"], ["Yes", "No", "Partly"], ["IdentifyPartner"],
                ["RepairPhrase", "AnotherOne", "SaveFavorite"], ["LogRitual"])


def _id(case: dict) -> str:
    return f"{case['text']}|{','.join(case.get('expect') or [])}"


def test_case_tables_are_big_enough_and_well_formed(matcher):
    assert len(PARAPHRASES) >= 300
    assert len(OUT_OF_DOMAIN) >= 60
    for case in PARAPHRASES + HOLDOUT:
        assert case["intent"] in INTENT_NAMES, case
        assert set(case.get("slots") or {}) <= set(SLOT_NAMES.get(case["intent"], ())), case
        assert all(name in INTENT_NAMES for name in case.get("expect") or ()), case
    # the tables must test more than the templates' literal sentences
    literal = {s.text for s in __import__("intents.samples").samples.template_samples(matcher)}
    not_literal = [c for c in PARAPHRASES if normalize(c["text"]) not in literal]
    assert len(not_literal) >= 150


@pytest.mark.parametrize("case", PARAPHRASES, ids=_id)
def test_paraphrase_matches(matcher, case):
    result = matcher.match(case["text"], expect=case.get("expect"))
    assert (result.intent, dict(result.slots)) == (case["intent"], case.get("slots") or {})
    assert 0.5 <= result.confidence <= 1.0
    assert result.text == case["text"]


@pytest.mark.parametrize("text", OUT_OF_DOMAIN)
def test_out_of_domain_is_rejected(matcher, text):
    for expect in EXPECTATIONS:
        result = matcher.match(text, expect=expect)
        assert result.intent is None, (expect, result)
        assert result.slots == {} and result.confidence == 0.0


# shared/ sits beside the repository (as in CI's clean clone)
HOME_ASSISTANT = (Path(__file__).resolve().parents[3] / "shared" / "benchmarks" / "out-of-domain"
                  / "home-assistant-en.txt")


@pytest.mark.skipif(not HOME_ASSISTANT.exists(), reason="shared benchmark file not present")
def test_home_assistant_sentences_are_rejected(matcher):
    """At least 95% of Home Assistant's test sentences are rejected (the documented overlap excluded)."""
    overlap = {c["text"] for c in load_cases("ha_builtin_overlap.yaml")}
    sentences = [s for s in HOME_ASSISTANT.read_text(encoding="utf-8").splitlines() if s.strip()]
    assert overlap <= set(sentences)
    rest = [s for s in sentences if s not in overlap]
    accepted = [(s, matcher.match(s).intent) for s in rest]
    accepted = [a for a in accepted if a[1] is not None]
    assert len(accepted) <= 0.05 * len(rest), accepted
    for case in load_cases("ha_builtin_overlap.yaml"):  # the overlap, if matched, means the built-in
        assert matcher.match(case["text"]).intent in (None, case["means"])
