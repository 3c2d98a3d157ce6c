"""Drive a routine machine with a fake clock (wall seconds as plain floats)."""

from __future__ import annotations

import json

from server.routines import Event, Machine

T0 = 1_800_000_000.0  # a fixed wall-clock start


class Driver:
    """A machine plus everything it said and asked to store, with a fake wall clock."""

    def __init__(self, routine: str, scale: float = 1.0, **kwargs):
        self.now = T0
        self.machine, result = Machine.start(routine, self.now, partners=("Alex", "Sam"),
                                             time_scale=scale, **kwargs)
        self.said = list(result.utterances)
        self.effects = list(result.effects)

    def _take(self, result):
        self.said.extend(result.utterances)
        self.effects.extend(result.effects)
        return result

    def at(self, seconds: float):
        """Move the wall clock to T0 + seconds and run due timers."""
        self.now = T0 + seconds
        return self._take(self.machine.advance(self.now))

    def send(self, intent=None, text=None, step=None, **slots):
        return self._take(self.machine.handle(Event.of(intent, slots, text), self.now, step=step))

    def restart(self):
        """Serialise the state to JSON and rebuild the machine, as after a server restart."""
        self.machine = Machine(json.loads(json.dumps(self.machine.to_state())))

    @property
    def step(self):
        return self.machine.view(self.now)["step"]

    @property
    def status(self):
        return self.machine.s.status

    def keys(self, kind=None):
        return [u.key for u in self.said if kind is None or u.kind == kind]

    def find(self, key):
        return [u for u in self.said if u.key == key]


def post(client, body, key=None, status=200):
    """POST one event to /api/v1/events; the reply's JSON (asserting its status)."""
    headers = {"Idempotency-Key": key} if key else {}
    response = client.post("/api/v1/events", json=body, headers=headers)
    assert response.status_code == status, response.get_json()
    return response.get_json()
