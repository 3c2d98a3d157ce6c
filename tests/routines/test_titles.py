"""Every routine step has a short title for people (server/data/en/titles.yaml), never its id."""

from __future__ import annotations

import pytest

from intents.names import ROUTINES
from server.routines.language import script
from server.routines.titles import step_title, title_key, titles


@pytest.mark.parametrize("routine", ROUTINES)
def test_every_step_has_a_title(routine):
    spec = script(routine)
    keys = [title_key(routine, step) for step in spec["steps"]]
    keys += [step["empty"] for step in spec["steps"] if "empty" in step]   # "no promises tonight" stands in
    assert [k for k in keys if k not in titles()] == []


@pytest.mark.parametrize("routine, step, title", [
    ("debrief", "ready.1", "Is now a good time?"), ("debrief", "appreciation.2", "Appreciations"),
    ("debrief", "hardest.1", "What was hardest"), ("debrief", "promises.12", "Promises from repairs"),
    ("timeout", "break", "The break"), ("weekly_review", "figures", "Your week"),
    ("nap", "win.1", "Win"), ("debrief", None, ""),
])
def test_step_titles(routine, step, title):
    assert step_title(routine, step) == title
