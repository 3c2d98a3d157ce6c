"""Typed values the routine machines take and give: events in, utterances and effects out.

All frozen; slots are stored as a tuple of pairs so events stay hashable and immutable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

ROUTINES = ("debrief", "repair", "inventory", "timeout", "weekly_review")
BUILTIN_INTENTS = ("Pause", "Resume", "Repeat", "Explain", "Skip", "Back", "TimeLeft", "Help", "Stop")
VOICE_INTENTS = ("Louder", "Softer", "Slower", "Faster")
STEPLESS_INTENTS = frozenset(BUILTIN_INTENTS) - {"Skip", "Back"} | frozenset(VOICE_INTENTS)
"""Controls that mean the same at any step: a step named with one of them is never stale."""
STARTER_INTENTS = ("StartDebrief", "StartWeeklyReview", "StartRepair", "StartNeedsInventory",
                   "TimeOut", "LogRitual")
PHRASE_INTENTS = ("RepairPhrase", "AnotherOne", "SaveFavorite", "ReadFavorites")
STARTER_ROUTINE = {"StartDebrief": "debrief", "StartWeeklyReview": "weekly_review",
                   "StartRepair": "repair", "StartNeedsInventory": "inventory", "TimeOut": "timeout"}
UTTERANCE_KINDS = ("prompt", "announcement", "reprompt", "info", "end")


@dataclass(frozen=True)
class Event:
    """Something a partner said or did, already matched to an intent where possible."""

    intent: str | None = None
    """Intent name (see the contract), or None for free text."""
    slots: tuple[tuple[str, str], ...] = ()
    """Intent slots as (name, value) pairs, canonical lowercase values."""
    text: str | None = None
    """What was said, as text (dictation or typed)."""
    partner: str | None = None
    """Who said it (partner name), when known."""

    @classmethod
    def of(cls, intent: str | None = None, slots: Mapping[str, Any] | None = None,
           text: str | None = None, partner: str | None = None) -> "Event":
        pairs = tuple(sorted((str(k), str(v)) for k, v in (slots or {}).items() if v is not None))
        return cls(intent or None, pairs, (text or None), partner or None)

    def slot(self, name: str) -> str | None:
        return dict(self.slots).get(name)


@dataclass(frozen=True)
class Utterance:
    """One thing attune says."""

    kind: str
    """prompt | announcement | reprompt | info | end"""
    key: str
    """Prompt key in prompts.yaml (tests assert keys, not wording)."""
    text: str
    """The rendered words."""
    routine: str | None
    step: str | None
    clock_s: float
    """Seconds on the routine's clock when it is said."""
    keep: bool = True
    """False: said aloud but never stored (a safety stop's help line)."""


@dataclass(frozen=True)
class Expect:
    """What the current step listens for: intent names, and whether free text is an answer."""

    intents: tuple[str, ...]
    free_text: bool
    wake: str = "required"
    """"none": the voice loop takes an answer without the wake phrase (right after a short question);
    "required": only after the wake phrase (talking segments, no routine, paused)."""

    def as_dict(self) -> dict[str, Any]:
        return {"intents": list(self.intents), "free_text": self.free_text, "wake": self.wake}


# -- effects: writes the runner applies in the same transaction as the new state ------------

@dataclass(frozen=True)
class AddEntry:
    """Store what a partner said (partner by slot index 0/1)."""

    partner: int
    kind: str
    value: str
    step: str | None
    private: bool = False


@dataclass(frozen=True)
class AddCommitment:
    """A specific, measurable repair promise."""

    partner: int
    what: str
    due_at: str | None
    """ISO-8601 UTC ("...Z") or None when no date was understood; the text keeps the wording."""


@dataclass(frozen=True)
class MarkCommitment:
    """A promise reviewed as kept, missed or partly."""

    commitment_id: int
    status: str


@dataclass(frozen=True)
class ShareEntries:
    """Make this session's private entries of one partner shared (they chose "share it")."""

    partner: int


@dataclass(frozen=True)
class AddWeeklyReview:
    week_start: str
    figures: Mapping[str, Any]
    worked: str | None
    didnt_work: str | None
    adjust: str | None


Effect = AddEntry | AddCommitment | MarkCommitment | ShareEntries | AddWeeklyReview


@dataclass(frozen=True)
class Result:
    """What one call on a machine produced."""

    utterances: tuple[Utterance, ...] = ()
    effects: tuple[Effect, ...] = ()
    changed: bool = False
    """True when the state must be saved (a timer fired or an event was applied)."""
    conflict: bool = False
    """True when an event named a step that is no longer current."""


@dataclass
class Output:
    """Collects utterances and effects during one call (internal, mutable)."""

    utterances: list[Utterance] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)
    changed: bool = False

    def result(self) -> Result:
        return Result(tuple(self.utterances), tuple(self.effects), self.changed or bool(self.utterances)
                      or bool(self.effects))
