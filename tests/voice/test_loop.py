"""The voice loop core and its HTTP client, against the real app in-process (no sockets)."""

from __future__ import annotations

import io
import json
import urllib.error

import pytest

from server import create_app
from voice.client import Client, ClientError, Journal
from voice.loop import Heard, Loop, PrintSpeaker

from tests.routines.helpers import T0


class InProcess:
    """A urlopen stand-in that sends requests to the Flask app; each request moves the clock on."""

    def __init__(self, app, step_s: float = 5.0):
        self.client = app.test_client()
        self.now = T0
        self.step_s = step_s
        self.down = False
        self.keys: list[str] = []

    def clock(self) -> float:
        return self.now

    def __call__(self, request, timeout=None):
        if self.down:
            raise urllib.error.URLError("connection refused")
        self.now += self.step_s
        path = request.full_url.split("://", 1)[1].split("/", 1)[1]
        headers = dict(request.header_items())
        if "Idempotency-key" in headers:
            self.keys.append(headers["Idempotency-key"])
        response = self.client.open("/" + path, method=request.get_method(), data=request.data, headers=headers)
        if response.status_code >= 400:
            raise urllib.error.HTTPError(request.full_url, response.status_code, "error", {},
                                         io.BytesIO(response.data))
        return io.BytesIO(response.data)


@pytest.fixture
def wire(settings):
    holder: dict = {}
    app = create_app({"ATTUNE_SETTINGS": settings, "ATTUNE_CLOCK": lambda: holder["wire"].now
                      if "wire" in holder else T0})
    holder["wire"] = InProcess(app)
    yield holder["wire"]
    app.extensions["attune.db"].close()


def test_journal_keeps_unacknowledged_events_and_compacts(tmp_path):
    journal = Journal(tmp_path / "j.jsonl")
    a, b = journal.add({"text": "one"}), journal.add({"text": "two"})
    journal.ack(a)
    assert journal.pending() == [(b, {"text": "two"})]
    with open(tmp_path / "j.jsonl", "a") as fh:
        fh.write('{"op": "event", "ke')                      # torn line after a crash
    assert [k for k, _ in Journal(tmp_path / "j.jsonl").pending()] == [b]
    journal.ack(b)
    assert journal.pending() == [] and (tmp_path / "j.jsonl").stat().st_size == 0
    assert oct((tmp_path / "j.jsonl").stat().st_mode & 0o777) == "0o600"


def test_client_keeps_events_while_down_and_sends_each_once(wire, tmp_path):
    client = Client("http://attune.test", tmp_path / "j.jsonl", opener=wire)
    wire.down = True
    assert client.post_event({"text": "we had our weekly meal"}) is None
    assert client.post_event({"text": "we had our weekly meal"}) is None
    assert client.pending() == 2
    wire.down = False
    reply = client.post_event({"intent": "StartDebrief"})
    assert reply["routine"]["routine"] == "debrief"
    assert client.pending() == 0
    assert len(wire.keys) == len(set(wire.keys)) == 3
    status = wire.client.get("/api/v1/ritual-log").get_json()
    assert len(status["rituals"]) == 2
    # a replay of an already delivered key is answered from the server's record, not applied again
    again = client._request("POST", "/events", {"text": "we had our weekly meal"}, {"Idempotency-Key": wire.keys[0]})
    assert again["utterances"][0]["text"].startswith("Logged")
    assert len(wire.client.get("/api/v1/ritual-log").get_json()["rituals"]) == 2


def test_client_error_is_delivered_not_retried(wire, tmp_path):
    client = Client("http://attune.test", tmp_path / "j.jsonl", opener=wire)
    with pytest.raises(ClientError) as err:
        client.post_event({"intent": "Yes", "partner": "Nobody"})
    assert err.value.status == 400 and client.pending() == 0


def test_loop_runs_a_debrief_to_its_end_and_speaks_everything_once(wire, tmp_path):
    from intents import Matcher

    out = io.StringIO()
    client = Client("http://attune.test", tmp_path / "j.jsonl", opener=wire)
    views = []
    loop = Loop(client, PrintSpeaker(out, as_json=True), Matcher.load("en"), partner="Alex", poll_interval=0.001,
                on_view=views.append)
    code = loop.run(["start our nightly debrief", Heard("yes"), "yes", "I'm grateful you called", "next",
                     Heard("whatever", intent="Pause"), Heard("", intent="Resume")])
    assert code == 0
    said = [json.loads(line) for line in out.getvalue().splitlines()]
    assert said[0]["step"] == "ready.1" and said[-1]["kind"] == "end" and said[-1]["clock_s"] == 600
    assert [u["text"] for u in said].count(said[0]["text"]) == 1
    assert any(u["text"].startswith("Paused") for u in said)
    assert client.routine()["active"] is False
    assert views[0]["step"] == "ready.1" and views[-1]["active"] is False
    assert {"Yes", "No"} <= set(views[0]["expects"]["intents"])


def test_an_event_carries_the_words_and_only_the_recognizers_hint():
    class NoMatching:
        def match(self, text, expect=None):
            raise AssertionError("the loop must not decide the intent")

    loop = Loop(Client("http://unused"), PrintSpeaker(io.StringIO()), NoMatching(), time_scale=50)
    event = loop.event_for("  hello there ")
    assert event == {"text": "hello there", "source": "cli", "time_scale": 50}
    hinted = loop.event_for(Heard("yes", intent="Yes"))
    assert hinted["intent"] == "Yes" and hinted["text"] == "yes"
    assert loop.event_for("   ") is None


def test_the_loop_acts_itself_only_on_speaker_controls_and_who_speaks():
    from intents import Matcher

    matcher = Matcher.load("en")
    loop = Loop(Client("http://unused"), PrintSpeaker(io.StringIO()), matcher)
    assert matcher.match("hurry up a little").method == "spotted"
    talk = {"intents": ["Skip", "Stop"], "free_text": True}
    assert loop.local_intent("hurry up a little", talk) == (None, {})  # a spotted guess is dictation
    assert loop.local_intent("hurry up a little", {"intents": [], "free_text": False}) == ("Faster", {})
    assert loop.local_intent("next", talk) == (None, {})  # a routine's intent: the server decides


def test_one_utterance_costs_one_request(wire):
    client = Client("http://test", opener=wire)
    loop = Loop(client, PrintSpeaker(io.StringIO()), None, time_scale=100, on_view=lambda view: None)
    loop.hear("start our nightly debrief")  # the first utterance reads where the loop starts
    requests: list[str] = []
    sent = client._request

    def counted(method, path, *args, **kwargs):
        requests.append(f"{method} {path}")
        return sent(method, path, *args, **kwargs)

    client._request = counted
    loop.hear("yes")
    assert requests == ["POST /events"]
    assert loop.view is not None and loop.expects() == loop.view["expects"]
    assert requests == ["POST /events"]  # the grammar's expectation comes from the reply too


def test_a_control_that_means_the_same_at_any_step_is_not_refused_for_a_stale_step(wire, tmp_path, capsys):
    """The loop names the step it last saw with every utterance; "pause" is still applied after
    the page moved the routine on."""
    from intents import Matcher

    client = Client("http://attune.test", tmp_path / "j.jsonl", opener=wire)
    loop = Loop(client, PrintSpeaker(io.StringIO()), Matcher.load("en"), partner="Alex", poll_interval=0.001)
    loop.hear("start our nightly debrief")
    shown = loop.view["step"]
    assert wire.client.post("/api/v1/events", json={"intent": "Yes", "step": shown}).status_code == 200
    loop.hear("pause")
    assert "409" not in capsys.readouterr().err
    assert client.routine()["paused"] is True


def test_a_broken_source_is_reported_in_one_line_and_exits_1(wire, tmp_path):
    def source():
        yield "we had our weekly meal"
        raise EOFError("bad.wav: not a WAV file")

    notices = []
    out = io.StringIO()
    loop = Loop(Client("http://attune.test", tmp_path / "j.jsonl", opener=wire), PrintSpeaker(out),
                poll_interval=0.001, notice=notices.append)
    assert loop.run(source()) == 1
    assert notices == ["input stopped: bad.wav: not a WAV file"]
    assert "weekly meal" in out.getvalue()


def test_loop_names_the_step_so_a_step_answered_elsewhere_is_a_409_not_misfiled(wire, tmp_path, capsys):
    """Voice and page answer the same step: the page got there first, so the voice answer is refused."""
    from intents import Matcher

    out = io.StringIO()
    client = Client("http://attune.test", tmp_path / "j.jsonl", opener=wire)
    loop = Loop(client, PrintSpeaker(out), Matcher.load("en"), partner="Alex", poll_interval=0.001)
    loop.hear("start our nightly debrief")
    shown = client.routine()["step"]

    assert loop.view["step"] == shown  # the loop knows this step from its reply
    # the page answers it before the loop polls again
    assert wire.client.post("/api/v1/events", json={"intent": "Yes", "step": shown}).status_code == 200
    loop.hear("yes")
    notice = capsys.readouterr().err
    assert "409" in notice and "no longer current" in notice
    answers = [e for e in wire.client.get("/api/v1/entries").get_json()["entries"] if e["step"] == shown]
    assert len(answers) == 1  # the page's answer, once; the voice answer was not filed under a later step


def test_events_said_while_the_server_was_away_are_replayed_without_their_step(wire, tmp_path):
    client = Client("http://attune.test", tmp_path / "j.jsonl", opener=wire)
    client.post_event({"intent": "StartDebrief"})
    stale = client.routine()["step"]
    wire.down = True
    assert client.post_event({"intent": "Yes", "step": stale}) is None
    wire.down = False
    wire.client.post("/api/v1/events", json={"intent": "Yes"})  # the routine moved on meanwhile
    client.replay()
    assert client.pending() == 0  # delivered, not refused: nothing said is lost
