"""A running routine's state, typed: what `Machine` reads and changes, and its saved JSON form.

`State.from_dict` reads the JSON a session stores and `to_dict` writes the same keys back, so
sessions saved before these types existed resume unchanged (no migration). Script steps stay
plain dicts: they are the routine's YAML, copied in at the start.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Mapping

STATE_VERSION = 1
"""The saved form's version ("v"); a state of another version is refused."""


@dataclass
class Clock:
    """The routine's clock: it runs `scale` times faster than the wall clock and stops while paused."""

    clock_s: float
    """Seconds on the routine's clock at the anchor."""
    wall_s: float
    """Wall-clock time (seconds since the epoch) of the anchor."""
    paused: bool = False
    scale: float = 1.0

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Clock":
        return cls(float(data["c"]), float(data["w"]), bool(data["paused"]), float(data["scale"]))

    def to_dict(self) -> dict[str, Any]:
        return {"c": self.clock_s, "w": self.wall_s, "paused": self.paused, "scale": self.scale}


@dataclass
class Prompt:
    """The last question asked, so a view can show it while its step lasts."""

    key: str
    text: str
    step: str

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "text": self.text, "step": self.step}


@dataclass
class State:
    """Everything a routine needs to resume after a restart."""

    routine: str
    locale: str
    helpline_locale: str | None
    partners: list[str]
    starter: int
    """Slot (0 or 1) of the partner who started it (or said "it's Sam" first)."""
    status: str
    """active | completed | stopped | abandoned"""
    clock: Clock
    schedule: str
    """"relative": each step has its own budget; "absolute": steps share the routine's total time."""
    total_s: float | None
    reprompt_s: float
    private: bool
    end: str
    """Prompt key said when the routine completes."""
    end_early: str | None
    """Prompt key said when it completes before its total time."""
    announce: list[dict[str, Any]]
    """Timed announcements [{key, at}] of the whole routine."""
    announced: list[str]
    steps: list[dict[str, Any]]
    """The script's steps, expanded for this couple (server.routines.steps)."""
    idx: int
    step_start: float
    window_end: float
    reprompted: bool
    seg_announced: list[str]
    answers: dict[str, str]
    """Step id -> the answer, or "unanswered" / "skipped" / "answered"."""
    prompt: Prompt | None
    vars: dict[str, Any]
    defaults: dict[str, str]
    utc_offset_s: int
    week_start: str | None
    figures: dict[str, Any] | None
    collect: dict[str, str]
    """Free-text answers a weekly review stores in its record."""
    timings: dict[str, Any]
    speaker: int | None = None
    """Slot of whoever said "it's Sam" during the current step."""
    pending_promise: str | None = None
    """A promise waiting for its follow-up ("what exactly, and by when?")."""
    explained: list[str] | None = field(default=None)
    """Steps already explained once (absent from the saved form until the first)."""
    closed_talk: dict[str, Any] | None = field(default=None)
    """The talking step just left {step, speaker, at}: words said in it that arrive a moment late are
    still its words (absent from the saved form until the first)."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "State":
        if data.get("v") != STATE_VERSION:
            raise ValueError(f"unknown routine state version {data.get('v')!r}")
        data = copy.deepcopy(dict(data))
        prompt = data.get("prompt")
        return cls(
            routine=data["routine"], locale=data["locale"], helpline_locale=data.get("helpline_locale"),
            partners=list(data["partners"]), starter=int(data["starter"]), status=data["status"],
            clock=Clock.from_dict(data["clock"]), schedule=data["schedule"], total_s=data["total_s"],
            reprompt_s=float(data["reprompt_s"]), private=bool(data["private"]), end=data["end"],
            end_early=data.get("end_early"), announce=data["announce"], announced=data["announced"],
            steps=data["steps"], idx=int(data["idx"]), step_start=float(data["step_start"]),
            window_end=float(data["window_end"]), reprompted=bool(data["reprompted"]),
            seg_announced=data["seg_announced"], answers=data["answers"],
            prompt=Prompt(prompt["key"], prompt["text"], prompt["step"]) if prompt else None,
            vars=data["vars"], defaults=data.get("defaults") or {}, utc_offset_s=int(data["utc_offset_s"]),
            week_start=data.get("week_start"), figures=data.get("figures"), collect=data["collect"],
            timings=data.get("timings") or {}, speaker=data.get("speaker"),
            pending_promise=data.get("pending_promise"), explained=data.get("explained"),
            closed_talk=data.get("closed_talk"))

    def to_dict(self) -> dict[str, Any]:
        """The saved JSON form: the same keys, in the same order, as every earlier version wrote."""
        data = {
            "v": STATE_VERSION, "routine": self.routine, "locale": self.locale,
            "helpline_locale": self.helpline_locale, "partners": self.partners, "starter": self.starter,
            "status": self.status, "clock": self.clock.to_dict(), "schedule": self.schedule,
            "total_s": self.total_s, "reprompt_s": self.reprompt_s, "private": self.private, "end": self.end,
            "end_early": self.end_early, "announce": self.announce, "announced": self.announced,
            "steps": self.steps, "idx": self.idx, "step_start": self.step_start, "window_end": self.window_end,
            "reprompted": self.reprompted, "seg_announced": self.seg_announced, "answers": self.answers,
            "prompt": self.prompt.to_dict() if self.prompt else None, "vars": self.vars,
            "defaults": self.defaults, "utc_offset_s": self.utc_offset_s, "week_start": self.week_start,
            "figures": self.figures, "collect": self.collect, "timings": self.timings,
            "speaker": self.speaker, "pending_promise": self.pending_promise,
        }
        if self.explained is not None:
            data["explained"] = self.explained
        if self.closed_talk is not None:
            data["closed_talk"] = self.closed_talk
        return copy.deepcopy(data)
