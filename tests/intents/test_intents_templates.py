"""Every template's sampled sentences match their own intent, with the sampled slot values."""

from __future__ import annotations

import itertools

from hassil import sample_intents

from intents import BUILTIN_INTENTS, INTENT_NAMES
from intents.samples import template_samples


def test_every_template_sample_matches_its_intent(matcher):
    samples = list(template_samples(matcher))
    templates = {(s.intent, s.template) for s in samples}
    assert len(templates) == sum(len(d.sentence_texts) for i in matcher.intents.intents.values() for d in i.data)
    wrong = []
    for sample in samples:
        result = matcher.match(sample.text, expect=[sample.intent])
        if sample.context_only and result.intent in BUILTIN_INTENTS:
            continue  # a bare value never hides a built-in: "help" at the needs step is Help
        if (result.intent, dict(result.slots)) != (sample.intent, sample.slots) or result.confidence != 1.0:
            wrong.append((sample.template, sample.text, sample.slots, result))
    assert not wrong, f"{len(wrong)} of {len(samples)} samples do not match, e.g. {wrong[:5]}"


def test_context_free_samples_match_without_expectations(matcher):
    """Outside a step, a full sentence still means its intent (or a built-in that outranks it)."""
    wrong = []
    for sample in template_samples(matcher):
        if sample.context_only:
            continue
        result = matcher.match(sample.text)
        if result.intent is None:
            wrong.append((sample.template, sample.text))
    assert not wrong, wrong[:10]


def test_hassil_sampler_output_matches(matcher):
    """hassil's own sampler (first sentences of each intent) agrees with the matcher."""
    pairs = sample_intents(matcher.intents, max_sentences_per_intent=40)
    for intent, text in itertools.islice(pairs, 2000):
        assert matcher.match(text, expect=[intent]).intent == intent, (intent, text)


def test_every_list_value_is_reachable(matcher):
    sampled = {(s.intent, k, v) for s in template_samples(matcher) for k, v in s.slots.items()}
    for intent, slot, list_name in [("Feeling", "feeling", "feeling"), ("Need", "need", "need"),
                                    ("LogRitual", "ritual", "ritual"), ("IdentifyPartner", "partner", "partner"),
                                    ("RepairPhrase", "category", "repair_category")]:
        missing = set(matcher.slot_values(list_name)) - {v for i, k, v in sampled if (i, k) == (intent, slot)}
        assert not missing, (list_name, missing)


def test_all_intents_have_templates(matcher):
    assert matcher.intent_names == INTENT_NAMES
