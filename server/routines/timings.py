"""Routine timings: the `routine_timings` setting, checked and applied to a routine's script.

Shape (seconds everywhere): {"<routine>": {"<step id>": seconds, ...}, ...}, e.g.
``{"repair": {"what": 120}, "timeout": {"break": 1800}}``.

- The step ids are the `id`s of the steps with a `budget_s` in
  server/data/<locale>/routines/<routine>.yaml, plus the time-out's `break` (its wait step,
  whose 20-minute default is the script's `vars: {minutes: 20}`).
- A step budget is 5..3600 s; the time-out break is 60..10800 s in whole minutes (it is
  spoken as "in N minutes").
- The debrief stays ten minutes: its step budgets (defaults with the overrides) must still
  add up to its `total_s` (600 s), so time given to one step is taken from another.

`validate_timings` is the one check (used by the settings layer for every source: the
API, the web page, the config file, ATTUNE_ROUTINE_TIMINGS); `apply_timings` gives the
script a routine starts with. A running routine keeps the budgets it started with: they
are copied into its state.
"""

from __future__ import annotations

import copy
import math
from typing import Any, Mapping

from server.routines.language import script
from intents.names import ROUTINES

STEP_RANGE = (5, 3600)
"""Seconds a step budget may be."""
BREAK_RANGE = (60, 10800)
"""Seconds the time-out break may be (1 minute to 3 hours, the cap on an agreed break)."""
EXAMPLE = '{"repair": {"what": 120}, "timeout": {"break": 1800}}'


def _wait_steps(spec: Mapping[str, Any]) -> dict[str, str]:
    """{step id: name of the var holding its length in minutes} for the script's wait steps."""
    return {str(st["id"]): str(st["duration_var"]) for st in spec["steps"]
            if st.get("kind") == "wait" and st.get("duration_var")}


def script_timings(spec: Mapping[str, Any]) -> dict[str, float]:
    """{step id: seconds} of every editable timing in a script, in step order."""
    waits = _wait_steps(spec)
    out: dict[str, float] = {}
    for st in spec["steps"]:
        sid = str(st["id"])
        if sid in waits:
            out[sid] = 60 * float(spec.get("vars", {}).get(waits[sid], 0) or 0)
        elif st.get("budget_s") is not None:
            out[sid] = float(st["budget_s"])
    return out


def default_timings(locale: str = "en") -> dict[str, dict[str, float]]:
    """{routine: {step id: seconds}} of the scripts as shipped."""
    return {routine: script_timings(script(routine, locale)) for routine in ROUTINES}


def _seconds(value: float) -> str:
    text = f"{value:g}" if isinstance(value, float) else str(value)
    return (text if len(text) <= 12 else text[:12] + "...") + " s"


def _check(spec: Mapping[str, Any], overrides: Any) -> list[str]:
    """Problems with one routine's overrides against its script (empty when fine)."""
    routine = spec["routine"]
    if not isinstance(overrides, Mapping):
        return [f"{routine}: must be an object of step ids and seconds, e.g. {EXAMPLE}"]
    timings = script_timings(spec)
    waits = _wait_steps(spec)
    errors: list[str] = []
    for step_id, value in overrides.items():
        where = f"{routine}.{step_id}"
        if step_id not in timings:
            errors.append(f"{where}: the {routine} has no timed step '{step_id}' "
                          f"(its steps: {', '.join(timings)})")
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or \
                (isinstance(value, float) and not math.isfinite(value)):
            errors.append(f"{where}: must be a number of seconds, not {str(value)[:40]!r}")
            continue
        low, high = BREAK_RANGE if step_id in waits else STEP_RANGE
        if not low <= value <= high:
            errors.append(f"{where}: {_seconds(value)} is out of range ({low}..{high} s)")
        elif step_id in waits and value % 60:
            errors.append(f"{where}: the break is whole minutes (a multiple of 60 s), not {_seconds(value)}")
    total = spec.get("total_s")
    if not errors and spec.get("schedule") == "absolute" and total is not None:
        merged = {**timings, **overrides}
        used = sum(v for k, v in merged.items() if k not in waits)
        if abs(used - float(total)) > 1e-6:
            errors.append(f"{routine}: the step budgets must add up to {_seconds(float(total))} (the {routine}'s "
                          f"fixed length; take time from one step to give it to another), not {_seconds(used)}")
    return errors


def validate_timings(obj: Any, locale: str = "en") -> list[str]:
    """Every problem with a `routine_timings` value, each naming the routine or routine.step
    (an empty list when it is valid)."""
    if not isinstance(obj, Mapping):
        return [f"must be an object of routines and their step timings, e.g. {EXAMPLE}"]
    errors: list[str] = []
    for routine, overrides in obj.items():
        if routine not in ROUTINES:
            errors.append(f"unknown routine '{routine}' (routines: {', '.join(ROUTINES)})")
            continue
        errors += _check(script(routine, locale), overrides)
    return errors


def apply_timings(spec: Mapping[str, Any], overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """A copy of the script `spec` with one routine's {step id: seconds} overrides applied.

    Raises ValueError (listing every problem) when the overrides are not valid for it.
    """
    out = copy.deepcopy(dict(spec))
    if not overrides:
        return out
    errors = _check(spec, overrides)
    if errors:
        raise ValueError("; ".join(errors))
    waits = _wait_steps(spec)
    out["vars"] = dict(out.get("vars") or {})
    for step in out["steps"]:
        sid = str(step["id"])
        if sid not in overrides:
            continue
        if sid in waits:
            out["vars"][waits[sid]] = int(overrides[sid]) // 60
        else:
            value = overrides[sid]
            step["budget_s"] = int(value) if float(value).is_integer() else float(value)
    return out


SETTING_CHECKS = {"routine_timings": validate_timings}
"""Checks the settings layer cannot make itself: timings name this package's routines and steps."""
