"""The week in one or two sentences, from its figures (server.trends.week.week_figures).

Pure: figures and a Language in, words out. The Today card and the weekly review's opening
call this one function, so the page shows what attune says. Sentences are prompts.yaml's
`summary.*` keys. A figure that is missing (a review started before a figure existed) is left out.
"""

from __future__ import annotations

from typing import Any, Mapping

from server.routines.language import Language


def times(lang: Language, n: int) -> str:
    """"once", "twice", "three times", "4 times"."""
    key = f"summary.times_{n}"
    return lang.text(key) if lang.has(key) else lang.text("summary.times_n", n=n)


def _count(lang: Language, name: str, n: int) -> str:
    """summary.<name>_<n> when the YAML words that number ("one debrief"), else summary.<name>_n."""
    key = f"summary.{name}_{n}"
    return lang.text(key if lang.has(key) else f"summary.{name}_n", n=n)


def week_summary(figures: Mapping[str, Any] | None, lang: Language) -> str:
    f = dict(figures or {})
    parts = [_count(lang, "debriefs", int(f.get("debriefs") or 0))]
    heard = f.get("heard") or [0, 0]
    yes, asked = int(heard[0]), int(heard[1])
    if asked == 1:
        parts.append(lang.text("summary.heard_single_yes" if yes else "summary.heard_single_no"))
    elif asked > 1:
        parts.append(lang.text("summary.heard", times=times(lang, yes), n=asked) if yes
                     else lang.text("summary.heard_none", n=asked))
    named = f.get("named")
    if named:
        parts.append(lang.text("summary.named", name=named[0], need=named[1], times=times(lang, int(named[2]))))
    promises = []
    for status in ("kept", "partly", "missed"):
        if f.get(status):
            promises.append(_count(lang, f"promises_{status}", int(f[status])))
    if f.get("open"):
        promises.append(lang.text("summary.promises_open", n=int(f["open"])))
    if promises and not f.get("kept") and not f.get("partly") and not f.get("missed"):
        promises[0] = _count(lang, "promises_only_open", int(f["open"]))
    joiner = lang.prompts["summary.joiner"]  # as written: text() would trim its space
    text = lang.sentence("summary.week_promises" if promises else "summary.week", parts=joiner.join(parts),
                         promises=joiner.join(promises))
    rituals = f.get("rituals") or {}
    if isinstance(rituals, Mapping) and rituals:
        listed = joiner.join(
            lang.text("summary.ritual", ritual=name, times=times(lang, int(n))) for name, n in rituals.items())
        text += " " + lang.sentence("summary.rituals", list=listed)
    if not f.get("debriefs") and not promises and not rituals:
        text += " " + lang.sentence("summary.start_hint")
    return text
