"""Disclosure detection: fear, violence, coercion or self-harm in anything said. Pure.

Two stages, chosen by measurement (bench/results/safety.md): a classifier trained on sentence
vectors (server/routines/safety_model.py) decides whether a sentence of MIN_WORDS or more words
stops; the rules over the normalised sentence (who does what to whom) decide shorter ones, and
name the category when they agree that it is a disclosure.
"""

from __future__ import annotations

from typing import Iterable

from server.routines.disclosure import judge, rules_for
from server.routines.safety_model import MIN_WORDS, model_for, predict
from server.routines.language import crisis_lines


def disclosure(texts: Iterable[str | None], locale: str = "en", names: Iterable[str] = ()) -> str | None:
    """The category of the first disclosure found in `texts`, or None; `names`: the partners'."""
    rules, names = rules_for(locale), tuple(n for n in names if n)
    trained = model_for(locale) is not None
    for text in texts:
        if text:
            text = str(text)
            ruled = judge(text, rules, names)[0]
            if trained and len(text.split()) >= MIN_WORDS:
                # The rules no longer stop a longer sentence on their own: on writers they were never
                # written for, the classifier alone at its own threshold caught more and stopped less.
                category = predict(text, locale)
                category = (ruled or category) if category else None
            else:
                category = ruled
            if category is not None:
                return category
    return None


def stop_lines(category: str, helpline_locale: str) -> tuple[tuple[str, dict[str, str]], ...]:
    """What a safety stop says after the ordinary stop line: (prompt key, values) pairs.

    Nothing names or hints at the category: the person may be sitting next to the one they
    fear. Only self-harm has words of its own, the crisis line, because safe-messaging
    guidance asks for a way to help right away; all else points to the Help and safety page.
    """
    if category == "self_harm":
        return (("safety.crisis_line", {"crisis": crisis_lines(helpline_locale)}),)
    return (("safety.help_page", {}),)
