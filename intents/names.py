"""Intent names: the exact strings the server, routines, voice loop and outside tools rely on."""

from __future__ import annotations

STARTER_INTENTS: tuple[str, ...] = (
    "StartDebrief", "StartWeeklyReview", "StartRepair", "StartNeedsInventory", "TimeOut", "LogRitual",
)
"""Routine starters: valid with or without an active routine."""

REPAIR_INTENTS: tuple[str, ...] = ("RepairPhrase", "AnotherOne", "SaveFavorite", "ReadFavorites")
"""Repair phrases and favourites."""

ANSWER_INTENTS: tuple[str, ...] = ("Feeling", "Need", "Yes", "No", "Partly", "IdentifyPartner")
"""Answers to a routine step's question."""

BUILTIN_INTENTS: tuple[str, ...] = (
    "Pause", "Resume", "Repeat", "Explain", "Skip", "Back", "TimeLeft", "Help", "Stop",
    "Louder", "Softer", "Slower", "Faster",
)
"""Honoured at any point, whatever the step expects."""

SCHEDULE_INTENTS: tuple[str, ...] = (
    "SetReminder", "MoveWeeklyReview", "Snooze", "SkipTonight", "NotNow", "NextReminder",
)
"""The daily rhythm: reminder times by voice, and the answers to a reminder."""

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
