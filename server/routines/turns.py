"""Reading one turn (pure): fillers that are not answers, thoughts dressed as feelings, and whether
a promise names an owner, an action and a time. The word lists are data: server/data/<locale>/dialogue.yaml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Mapping

from server.routines import due as due_parser
from server.routines.language import dialogue

_WORD = re.compile(r"[a-z0-9']+-?")


def words(text: str | None) -> list[str]:
    """Lowercase words with straight apostrophes; a word cut off mid-way keeps its trailing "-"."""
    return _WORD.findall((text or "").lower().replace("\u2019", "'"))


def _phrase_re(phrases: list[str]) -> re.Pattern[str]:
    ordered = sorted((p.lower() for p in phrases), key=len, reverse=True)
    return re.compile(r"(?<![\w'])(?:" + "|".join(re.escape(p) for p in ordered) + r")(?![\w'])")


@lru_cache(maxsize=8)
def _patterns(locale: str) -> dict[str, re.Pattern[str]]:
    data = dialogue(locale)
    promise = data["promise"]
    return {"fillers": _phrase_re(data["fillers"]), "thought": _phrase_re(data["thought_openers"]),
            "owner": _phrase_re(promise["owners"]), "times": _phrase_re(promise["times"]),
            "when": re.compile(r"\b(?:" + "|".join(re.escape(w) for w in promise["when_starts"]) + r")\b.*$")}


def is_filler(text: str | None, locale: str = "en") -> bool:
    """True for a turn that says nothing yet: "um", "so yeah", "well, I- um"."""
    said = " ".join(w for w in words(text) if not w.endswith("-"))
    return not _patterns(locale)["fillers"].sub(" ", said).split()


@dataclass(frozen=True)
class Underneath:
    """What may lie under a pseudo-feeling or a thought: feelings and a need to offer back."""

    said: str
    feelings: tuple[str, ...]
    need: str


def underneath(value: str | None, text: str | None, locale: str = "en") -> Underneath | None:
    """The feelings and need behind "ignored" (a pseudo-feeling) or "I feel like you don't care"
    (a thought); None for a plain feeling."""
    data = dialogue(locale)
    pseudo: Mapping[str, Any] = data["pseudo"]
    if value and value.lower() in pseudo:
        item = pseudo[value.lower()]
        return Underneath(value.lower(), tuple(item["feelings"]), item["need"])
    said = " ".join(words(text))
    found = _patterns(locale)["thought"].search(said)
    if found is None:
        return None
    rest = said[found.end():].split()
    for n in (3, 2, 1):  # "I feel like I'm taken for granted": the pseudo-feeling inside the thought
        for i in range(len(rest) - n + 1):
            item = pseudo.get(" ".join(rest[i:i + n]))
            if item is not None:
                return Underneath(said, tuple(item["feelings"]), item["need"])
    item = data["thought"]
    return Underneath(said, tuple(item["feelings"]), item["need"])


@dataclass(frozen=True)
class PromiseCheck:
    """Which parts of a keepable promise a sentence names."""

    owner: bool
    action: bool
    time: bool

    @property
    def complete(self) -> bool:
        return self.owner and self.action and self.time


def check_promise(text: str | None, now: datetime, locale: str = "en") -> PromiseCheck:
    """Owner ("I will"), action (more than effort words: "try to be better" is none) and time
    ("by Friday", "every evening this week", "after work")."""
    pats, vague = _patterns(locale), set(dialogue(locale)["promise"]["vague"])
    said = " ".join(words(text))
    owner = pats["owner"].search(said) is not None
    time = pats["times"].search(said) is not None or due_parser.due_datetime(said, now, locale) is not None
    rest = pats["times"].sub(" ", pats["owner"].sub(" ", said))
    rest = pats["when"].sub(" ", rest) if time else rest
    action = any(w not in vague and not w.endswith("-") for w in rest.split())
    return PromiseCheck(owner, action, time)
