"""Disclosure detection: fear, violence, coercion or self-harm in anything said. Pure."""

from __future__ import annotations

from typing import Iterable

from server.routines.disclosure import classify, rules_for


def disclosure(texts: Iterable[str | None], locale: str = "en") -> str | None:
    """The category of the first disclosure found in `texts`, or None."""
    rules = rules_for(locale)
    for text in texts:
        if text:
            category = classify(str(text), rules)
            if category is not None:
                return category
    return None
