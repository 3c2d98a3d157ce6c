"""Everything a person can say to attune: templates (hassil), matching, grammar export. Pure Python.

    from intents import Matcher
    matcher = Matcher.load("en", extra_lists={"partner": ["Alex", "Sam"], "ritual": []})
    matcher.match("I feel kind of lonely", expect=["Feeling"])
    # MatchResult(intent='Feeling', slots={'feeling': 'lonely'}, confidence=1.0, ...)
"""

from intents.loader import IntentsDataError
from intents.matcher import Matcher, MatchResult
from intents.names import (
    ANSWER_INTENTS,
    BUILTIN_INTENTS,
    INTENT_NAMES,
    REPAIR_INTENTS,
    SLOT_NAMES,
    STARTER_INTENTS,
)

__all__ = [
    "ANSWER_INTENTS", "BUILTIN_INTENTS", "INTENT_NAMES", "IntentsDataError", "Matcher", "MatchResult",
    "REPAIR_INTENTS", "SLOT_NAMES", "STARTER_INTENTS",
]
