"""Property test: any mix of events and time never breaks a routine's promises."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intents.names import ROUTINES
from server.routines import Machine

from tests.routines.helpers import Driver

INTENTS = ["Yes", "No", "Partly", "Skip", "Back", "Repeat", "TimeLeft", "Help", "Pause", "Resume",
           "Feeling", "Need", "RepairPhrase", "Louder", "IdentifyPartner", None]
TEXTS = [None, "thank you", "share it", "keep it private", "in 10 minutes", "9 pm", "purple",
         "I will call you by friday", "I'm afraid of him"]

actions = st.lists(st.tuples(st.floats(min_value=0, max_value=120), st.sampled_from(INTENTS),
                             st.sampled_from(TEXTS), st.booleans()), max_size=40)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(routine=st.sampled_from(ROUTINES), steps=actions, scale=st.sampled_from([1.0, 7.5, 100.0]))
def test_random_sessions_keep_time_and_always_end(routine, steps, scale):
    d = Driver(routine, scale=scale, context={"promises": [{"id": 1, "partner": 0, "what": "walk"}]})
    elapsed = 0.0
    for wait, intent, text, restart in steps:
        elapsed += wait
        d.at(elapsed)
        slots = {"feeling": "calm"} if intent == "Feeling" else {"need": "rest"} if intent == "Need" else \
            {"partner": "Sam"} if intent == "IdentifyPartner" else {}
        if intent or text:
            d.send(intent, text=text, **slots)
        if restart:
            d.restart()
        state = d.machine.to_state()
        assert Machine(json.loads(json.dumps(state))).to_state() == state
    clocks = [u.clock_s for u in d.said]
    assert clocks == sorted(clocks)
    if d.status == "active" and d.machine.s.clock.paused:
        d.send("Resume")
    # Whatever happened, silence from here ends it (a debrief by 600 s on its clock).
    for _ in range(200):
        if d.status != "active":
            break
        elapsed += 60.0
        d.at(elapsed)
    assert d.status in ("completed", "stopped")
    ends = [u for u in d.said if u.kind == "end"]
    assert len(ends) <= 1
    if routine == "debrief":
        assert max(u.clock_s for u in d.said) <= 600.0
    if any(u.key.startswith("safety.") for u in d.said):
        assert not any("afraid" in str(e) for e in d.effects)
