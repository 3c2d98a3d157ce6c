"""Disclosure detection: fear, violence, coercion or self-harm in anything said. Pure."""

from __future__ import annotations

from typing import Iterable

from server.routines.disclosure import classify, rules_for


def disclosure(texts: Iterable[str | None], locale: str = "en", names: Iterable[str] = ()) -> str | None:
    """The category of the first disclosure found in `texts`, or None; `names`: the partners'."""
    rules, names = rules_for(locale), tuple(n for n in names if n)
    for text in texts:
        if text:
            category = classify(str(text), rules, names)
            if category is not None:
                return category
    return None
