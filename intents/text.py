"""Text normalisation shared by matching, sampling and grammar export (pure, no I/O)."""

from __future__ import annotations

import re
import unicodedata

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"})
_SEPARATORS = re.compile(r"[-_/]+")
_DROP = re.compile(r"[^\w' ]+")
_EDGE_QUOTES = re.compile(r"(?<!\w)'|'(?!\w)")
_SPACES = re.compile(r"\s+")

# Contractions written (or transcribed) without the apostrophe.
_CONTRACTIONS = {
    "im": "i'm", "ive": "i've", "id": "i'd", "dont": "don't", "didnt": "didn't",
    "doesnt": "doesn't", "cant": "can't", "couldnt": "couldn't", "wouldnt": "wouldn't",
    "shouldnt": "shouldn't", "wont": "won't", "isnt": "isn't", "wasnt": "wasn't", "arent": "aren't",
    "werent": "weren't", "havent": "haven't", "hasnt": "hasn't", "thats": "that's", "whats": "what's",
    "theres": "there's", "youre": "you're", "theyre": "they're", "weve": "we've", "wed": "we'd",
    "its": "it's", "heres": "here's", "lets": "let's", "ok": "okay", "o.k.": "okay",
}


def normalize(text: str) -> str:
    """Lowercase, straight apostrophes, no punctuation, single spaces, common contractions restored.

    "Let's do the check-in!" -> "let's do the check in"; "Im fine" -> "i'm fine".
    """
    text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES).lower()
    text = _SEPARATORS.sub(" ", text)
    text = _DROP.sub(" ", text)
    text = _EDGE_QUOTES.sub(" ", text)
    words = [_CONTRACTIONS.get(w, w) for w in _SPACES.split(text) if w]
    return " ".join(words)
