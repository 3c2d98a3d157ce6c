"""Disclosure detection: fear, violence, coercion or self-harm in anything said. Pure."""

from __future__ import annotations

from typing import Iterable

from server.routines.language import safety_patterns


def disclosure(texts: Iterable[str | None], locale: str = "en") -> str | None:
    """The category of the first disclosure found in `texts`, or None."""
    patterns = safety_patterns(locale)
    for text in texts:
        if not text:
            continue
        folded = " ".join(str(text).replace("\u2019", "'").split())
        for category, pattern in patterns:
            if pattern.search(folded):
                return category
    return None
