"""Routines as pure state machines (no Flask, no SQLite, no threads, no audio).

`Machine.start(routine, now, ...)` begins one; `Machine(state)` resumes one from its
JSON state; `advance(now)` runs due timers; `handle(event, now)` applies an event.
"""

from server.routines.engine import Machine
from server.routines.model import (AddCommitment, AddEntry, AddWeeklyReview, Event, Expect, MarkCommitment, Result,
                                   ShareEntries, Utterance)

__all__ = ["Machine", "Event", "Utterance", "Expect", "Result", "AddEntry", "AddCommitment", "MarkCommitment",
           "AddWeeklyReview", "ShareEntries"]
