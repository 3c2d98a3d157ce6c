"""A routine's steps for one run (pure): partners resolved, promise reviews expanded, deadlines set."""

from __future__ import annotations

import copy
from typing import Any, Mapping

WAKE_BY_KIND = {"ask": "none", "share": "none", "text": "none"}
"""Steps that answer attune's question need no wake phrase; talking segments and the rest do."""


def partner_slot(ref: Any, starter: int) -> int | None:
    return {"first": 0, "second": 1, "starter": starter, "other": 1 - starter}.get(ref) if ref is not None else None


def step_wake(step: Mapping[str, Any]) -> str:
    """The step's `wake` ("none" or "required"), else its kind's default (WAKE_BY_KIND)."""
    return step.get("wake") or WAKE_BY_KIND.get(step["kind"], "required")


def expand_steps(spec: Mapping[str, Any], context: Mapping[str, Any], starter: int) -> list[dict[str, Any]]:
    """The script's steps for this run: partners resolved, promise reviews expanded, deadlines set."""
    steps: list[dict[str, Any]] = []
    elapsed = 0.0
    for raw in spec["steps"]:
        step = {k: copy.deepcopy(v) for k, v in raw.items()}
        step["ref"] = step.get("partner")
        step["partner"] = partner_slot(step.get("partner"), starter)
        budget = float(step.get("budget_s", 0))
        elapsed += budget
        step["deadline"] = elapsed
        if step["kind"] != "promises":
            steps.append(step)
            continue
        promises = list(context.get("promises", []))[: int(step.get("max", 3))]
        if not promises:
            steps.append({"id": step["id"], "kind": "say", "prompt": step["empty"], "partner": None,
                          "deadline": elapsed})
        for promise in promises:
            slot = int(promise["partner"])
            steps.append({
                "id": f"{step['id']}.{promise['id']}", "kind": "ask", "partner": 1 - slot,
                "prompt": step["prompt"], "reprompt": step.get("reprompt"), "expects": step["expects"],
                "example": step.get("example"), "explain": step.get("explain"), "hint": step.get("hint"),
                "budget_s": float(step.get("each_s", budget)), "deadline": elapsed,
                "wake": step_wake({**step, "kind": "ask"}),
                "commitment": int(promise["id"]), "vars": {"who_slot": slot, "what": promise["what"]},
            })
    return steps
