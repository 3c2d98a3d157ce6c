"""Small wording helpers of the routine machine (pure): durations, the week's figures, times, share words."""

from __future__ import annotations

from typing import Any, Mapping

from server.routines.language import Language, dialogue
from server.routines.summary import week_summary


def duration(lang: Language, seconds: float) -> str:
    """Seconds as spoken words: "2 minutes and 5 seconds"."""
    total = max(0, int(round(seconds)))
    minutes, secs = divmod(total, 60)
    m_text = lang.text("time.minute") if minutes == 1 else lang.text("time.minutes", n=minutes)
    s_text = lang.text("time.second") if secs == 1 else lang.text("time.seconds", n=secs)
    if minutes and secs:
        return lang.text("time.both", minutes=m_text, seconds=s_text)
    if minutes:
        return m_text
    return s_text if secs else lang.text("time.none")


def figure_vars(figures: Mapping[str, Any] | None, lang: Language) -> dict[str, Any]:
    """The weekly review's opening: the week summary, the same words as Today's card."""
    return {"summary": week_summary(figures, lang)} if figures else {}


def share_words(step: Mapping[str, Any], text: str | None) -> str | None:
    """"share it" -> Yes, "keep it private" -> No, by the step's word lists; else None."""
    words = set((text or "").lower().split())
    if words & set(step.get("private_words", [])):
        return "No"
    if any(w.startswith(tuple(step.get("share_words", []))) for w in words):
        return "Yes"
    return None


def phrase_time(text: str, locale: str = "en") -> str:
    """'9 pm' -> 'at 9 pm'; 'in 20 minutes' and 'after dinner' stay as they are (dialogue.yaml agreed_time)."""
    words = dialogue(locale)["agreed_time"]
    first = text.split()[0].lower() if text.split() else ""
    if first in words["as_said"]:
        return text
    return f"{words['before']} {text}"
