"""Names: the exact strings the server, routines, voice loop and outside tools rely on.

Defined here once; everything else imports them.
"""

from __future__ import annotations

ROUTINES: tuple[str, ...] = ("debrief", "repair", "inventory", "timeout", "weekly_review")
"""Every routine, by the name the API, the store and the scripts (server/data/<locale>/routines) use."""

WEEKDAYS: tuple[str, ...] = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
"""Days as stored and sent (a schedule's review_day, MoveWeeklyReview's day slot), Monday first."""

STARTER_INTENTS: tuple[str, ...] = (
    "StartDebrief", "StartWeeklyReview", "StartRepair", "StartNeedsInventory", "TimeOut", "LogRitual",
)
"""Routine starters: valid with or without an active routine."""

STARTER_ROUTINE: dict[str, str] = {"StartDebrief": "debrief", "StartWeeklyReview": "weekly_review",
                                   "StartRepair": "repair", "StartNeedsInventory": "inventory",
                                   "TimeOut": "timeout"}
"""The routine each starter starts (LogRitual starts none)."""

REPAIR_INTENTS: tuple[str, ...] = ("RepairPhrase", "AnotherOne", "SaveFavorite", "ReadFavorites")
"""Repair phrases and favourites: answered at any time, never moving a routine."""

ANSWER_INTENTS: tuple[str, ...] = ("Feeling", "Need", "Yes", "No", "Partly", "IdentifyPartner")
"""Answers to a routine step's question."""

ROUTINE_CONTROLS: tuple[str, ...] = (
    "Pause", "Resume", "Repeat", "Explain", "Skip", "Back", "TimeLeft", "Help", "Stop",
)
"""Controls of the running routine, honoured at any step whatever it expects."""

VOICE_CONTROLS: tuple[str, ...] = ("Louder", "Softer", "Slower", "Faster")
"""Controls of the voice itself: the voice loop acts on them; they never reach a routine."""

BUILTIN_INTENTS: tuple[str, ...] = ROUTINE_CONTROLS + VOICE_CONTROLS
"""Honoured at any point, whatever the step expects: the routine's and the voice's controls."""

STEPLESS_INTENTS: frozenset[str] = frozenset(
    {"Pause", "Resume", "Repeat", "Explain", "TimeLeft", "Help", "Stop"} | set(VOICE_CONTROLS))
"""Controls that mean the same at any step, so they never answer a step that moved on (no 409)."""

SCHEDULE_INTENTS: tuple[str, ...] = (
    "SetReminder", "MoveWeeklyReview", "Snooze", "SkipTonight", "NotNow", "NextReminder",
)
"""The daily rhythm: reminder times by voice, and the answers to a reminder."""

REMINDER_ANSWERS: tuple[str, ...] = ("Yes", "No", "Snooze", "SkipTonight", "NotNow")
"""What a pending reminder listens for."""

INTENT_NAMES: tuple[str, ...] = (STARTER_INTENTS + REPAIR_INTENTS + ANSWER_INTENTS + BUILTIN_INTENTS
                                 + SCHEDULE_INTENTS)
"""Every intent, in a fixed order (also the final tie-break when two intents match equally)."""

SLOT_NAMES: dict[str, tuple[str, ...]] = {
    "LogRitual": ("ritual",),
    "RepairPhrase": ("category",),
    "Feeling": ("feeling",),
    "Need": ("need",),
    "IdentifyPartner": ("partner",),
    "SetReminder": ("time",),
    "MoveWeeklyReview": ("day", "time"),
    "Snooze": ("minutes",),
}
"""Slots each intent can fill (RepairPhrase's category is optional)."""

SLOT_LISTS: dict[str, tuple[str, str]] = {
    "LogRitual": ("ritual", "ritual"),
    "RepairPhrase": ("category", "repair_category"),
    "Feeling": ("feeling", "feeling"),
    "Need": ("need", "need"),
    "IdentifyPartner": ("partner", "partner"),
}
"""Intent -> (slot, the slot list its value comes from), for reading values out of loose words."""
