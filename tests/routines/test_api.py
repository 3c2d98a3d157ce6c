"""The routine HTTP API through Flask's test client, on a fake clock."""

from __future__ import annotations

from server import create_app
from tests.routines.helpers import post


def kinds(reply):
    return [(u["kind"], u["step"]) for u in reply["utterances"]]


def test_nothing_running_view(api):
    client, _ = api
    view = client.get("/api/v1/routine").get_json()
    assert view["active"] is False and "StartDebrief" in view["expects"]["intents"]


def test_start_by_text_and_answer_by_text(api, clock):
    client, app = api
    reply = post(client, {"text": "start our nightly debrief", "source": "cli"})
    assert reply["routine"]["routine"] == "debrief" and reply["routine"]["step"] == "ready.1"
    assert reply["utterances"][0]["kind"] == "prompt" and reply["utterances"][0]["clock_s"] == 0
    assert reply["routine"]["expects"] == {"intents": reply["routine"]["expects"]["intents"], "free_text": False,
                                          "wake": "none"}
    clock.now += 2
    reply = post(client, {"text": "yes"})
    assert reply["routine"]["step"] == "ready.2"
    reply = post(client, {"text": "yes", "partner": "Sam"})
    assert reply["routine"]["step"] == "appreciation.1" and reply["routine"]["partner"] == "Alex"
    post(client, {"text": "thank you for the coffee this morning"})
    reply = post(client, {"text": "next"})
    assert reply["routine"]["step"] == "appreciation.2"
    store = app.extensions["attune.store"]
    entries = store.list_entries(kind="appreciation")
    assert [e["value"] for e in entries] == ["thank you for the coffee this morning"]


def test_clock_advances_on_reads_and_announcements_are_stored(api, clock):
    client, _ = api
    reply = client.post("/api/v1/routines", json={"routine": "debrief"})
    assert reply.status_code == 201
    first = reply.get_json()["utterances"][-1]["seq"]
    clock.now += 600
    body = client.get(f"/api/v1/utterances?after={first}").get_json()
    said = body["utterances"]
    assert said[-1]["kind"] == "end" and said[-1]["clock_s"] == 600
    assert body["last_seq"] == said[-1]["seq"]
    assert any(u["kind"] == "announcement" and u["clock_s"] == 300 for u in said)
    view = client.get("/api/v1/routine").get_json()
    assert view["active"] is False
    assert client.get(f"/api/v1/utterances?after={body['last_seq']}").get_json() == \
        {"utterances": [], "last_seq": body["last_seq"]}


def test_time_scale_is_stored_per_session(api, clock):
    client, _ = api
    post(client, {"intent": "StartDebrief", "time_scale": 100})
    clock.now += 3
    view = client.get("/api/v1/routine").get_json()
    assert view["time_scale"] == 100 and view["clock_s"] == 300
    clock.now += 3
    assert client.get("/api/v1/routine").get_json()["active"] is False


def test_idempotency_key_replays_without_a_second_write(api):
    client, _ = api
    post(client, {"intent": "StartDebrief"})
    one = post(client, {"intent": "Yes"}, key="k-1")
    two = post(client, {"intent": "Yes"}, key="k-1")
    assert one == two
    assert client.get("/api/v1/routine").get_json()["step"] == "ready.2"


def test_conflicting_answers_to_the_same_step_get_409(api):
    client, _ = api
    post(client, {"intent": "StartDebrief"})
    post(client, {"intent": "Yes", "step": "ready.1"})
    reply = post(client, {"intent": "No", "step": "ready.1"}, status=409)
    assert reply["error"]["code"] == "step_conflict"
    view = client.get("/api/v1/routine").get_json()
    post(client, {"intent": "Yes", "version": view["version"]})
    post(client, {"intent": "Skip", "version": view["version"]}, status=409)


def test_a_control_that_means_the_same_at_any_step_is_not_a_step_conflict(api):
    client, _ = api
    post(client, {"intent": "StartDebrief"})
    post(client, {"intent": "Yes", "step": "ready.1"})
    reply = post(client, {"text": "pause", "step": "ready.1"})
    assert reply["accepted"]["intent"] == "Pause" and reply["routine"]["paused"] is True
    post(client, {"text": "yes", "step": "ready.1"}, status=409)


def _past_appreciation(client, clock):
    post(client, {"intent": "StartDebrief"})
    post(client, {"intent": "Yes", "step": "ready.1"})
    reply = post(client, {"intent": "Yes", "step": "ready.2"})
    assert reply["routine"]["step"] == "appreciation.1"
    while client.get("/api/v1/routine").get_json()["step"] == "appreciation.1":
        clock.now += 1  # its time runs out


def test_words_said_as_a_talking_step_ran_out_are_still_that_steps(api, clock):
    """A sentence that arrives just after its talking step's time ran out is the partner's, not a 409."""
    client, app = api
    _past_appreciation(client, clock)
    assert client.get("/api/v1/routine").get_json()["step"] == "appreciation.2"
    reply = post(client, {"text": "thank you for fixing the bike", "step": "appreciation.1"})
    assert reply["routine"]["step"] == "appreciation.2"
    entries = app.extensions["attune.store"].list_entries(kind="appreciation")
    assert [(e["value"], e["step"]) for e in entries] == [("thank you for fixing the bike", "appreciation.1")]
    assert entries[0]["partner_id"] == app.extensions["attune.store"].partners()[0]["id"]


def test_late_words_have_a_limit_and_controls_never_count_late(api, clock):
    client, app = api
    _past_appreciation(client, clock)
    reply = post(client, {"text": "next", "step": "appreciation.1"}, status=409)  # must not skip Sam's turn
    assert reply["error"]["code"] == "step_conflict"
    post(client, {"text": "um", "step": "appreciation.1"}, status=409)  # a filler is not words said
    clock.now += 15  # past the grace: the step is long gone
    post(client, {"text": "thanks for the tea", "step": "appreciation.1"}, status=409)
    assert app.extensions["attune.store"].list_entries(kind="appreciation") == []


def test_the_event_reply_carries_the_routine_view_and_the_accepted_intent(api, clock):
    """One request per utterance: the reply has what GET /routine would say next, and what was decided."""
    client, _ = api
    reply = post(client, {"text": "start our nightly debrief"})
    assert reply["routine"] == client.get("/api/v1/routine").get_json()
    assert reply["accepted"] == {"intent": "StartDebrief", "slots": {}}
    clock.now += 3
    reply = post(client, {"text": "yes"})
    assert reply["accepted"]["intent"] == "Yes"
    assert reply["routine"] == client.get("/api/v1/routine").get_json()
    assert reply["routine"]["expects"]["intents"] and reply["routine"]["step"] == "ready.2"
    # a hint the step does not take is dropped: on a free-text step the words are the answer
    while reply["routine"]["expects"]["free_text"] is False:
        reply = post(client, {"text": "yes"})
    reply = post(client, {"intent": "Need", "slots": {"need": "rest"}, "text": "thank you for dinner"})
    assert reply["accepted"] == {"intent": None, "slots": {}}
    reply = post(client, {"text": "stop"})
    assert reply["accepted"]["intent"] == "Stop" and reply["routine"] == client.get("/api/v1/routine").get_json()
    assert reply["routine"]["active"] is False


def test_start_while_running_is_409_and_starter_event_says_busy(api):
    client, _ = api
    post(client, {"intent": "StartDebrief"})
    assert client.post("/api/v1/routines", json={"routine": "repair"}).status_code == 409
    reply = post(client, {"intent": "StartRepair"})
    assert reply["utterances"][-1]["text"].startswith("The nightly debrief is still running")


def test_repair_phrase_mid_debrief_keeps_step_and_clock(api, clock):
    client, app = api
    post(client, {"intent": "StartDebrief"})
    clock.now += 5
    before = client.get("/api/v1/routine").get_json()
    first = post(client, {"text": "give me a calming phrase"})
    assert first["utterances"][0]["text"] == "Let's both take a slow breath."
    second = post(client, {"intent": "AnotherOne"})
    assert second["utterances"][0]["text"] != first["utterances"][0]["text"]
    post(client, {"intent": "SaveFavorite", "partner": "Alex"})
    favourites = post(client, {"intent": "ReadFavorites", "partner": "Alex"})
    assert second["utterances"][0]["text"] in favourites["utterances"][0]["text"]
    after = client.get("/api/v1/routine").get_json()
    assert (after["step"], after["clock_s"], after["version"]) == (before["step"], before["clock_s"], before["version"])
    store = app.extensions["attune.store"]
    assert [u["phrase_id"] for u in store.phrase_uses()] == ["calm.2", "calm.1"]


def test_repair_phrase_never_repeats_and_is_lru(api):
    client, _ = api
    texts = [post(client, {"intent": "RepairPhrase", "slots": {"category": "sorry"}})["utterances"][0]["text"]
             for _ in range(3)]
    texts.append(post(client, {"intent": "AnotherOne"})["utterances"][0]["text"])
    assert len(set(texts)) == 4


def test_log_ritual_without_a_routine(api):
    client, app = api
    reply = post(client, {"text": "we had our weekly meal"})
    assert "weekly meal" in reply["utterances"][0]["text"]
    assert app.extensions["attune.store"].rituals()[0]["ritual"] == "weekly meal"


def test_safety_disclosure_stops_and_stores_nothing(api):
    client, app = api
    post(client, {"intent": "StartDebrief"})
    post(client, {"intent": "Yes"}); post(client, {"intent": "Yes"})
    reply = post(client, {"text": "I'm afraid of him, he hit me", "partner": "Sam"})
    assert [(u["kind"], u["seq"] is None) for u in reply["utterances"]] == [("end", False), ("info", True)]
    assert "Help and safety" in reply["utterances"][1]["text"]
    assert reply["routine"]["active"] is False
    store = app.extensions["attune.store"]
    assert store.list_sessions()[0]["status"] == "stopped"
    db = app.extensions["attune.db"].read()
    dump = "\n".join(str(tuple(r)) for t in ("entries", "sessions", "utterances", "commitments", "idempotency")
                     for r in db.execute(f"SELECT * FROM {t}"))
    assert "hit me" not in dump and "afraid of him" not in dump


def test_safety_without_a_routine(api):
    client, _ = api
    reply = post(client, {"text": "sometimes I want to hurt myself"})
    assert [u["seq"] for u in reply["utterances"]] == [None] and "988" in reply["utterances"][0]["text"]


def test_repair_flow_stores_commitment_reviewed_by_next_debrief(api, clock):
    client, app = api
    post(client, {"intent": "StartRepair", "partner": "Alex"})
    post(client, {"text": "You were on your phone at dinner"})
    post(client, {"text": "done"})
    post(client, {"text": "When this happened, I felt unimportant"})
    post(client, {"text": "done"})
    post(client, {"text": "I need respect"})
    post(client, {"text": "Could you leave the phone in the hall?"})
    post(client, {"intent": "Skip"})
    post(client, {"text": "done"})
    reply = post(client, {"text": "I will leave my phone in the hall at dinner every evening this week"})
    assert reply["routine"]["active"] is False
    store = app.extensions["attune.store"]
    [commitment] = store.list_commitments()
    assert commitment["partner"] == "Sam" and commitment["due_at"] and commitment["status"] == "open"
    reply = post(client, {"intent": "StartDebrief"})
    post(client, {"intent": "Stop"})          # the same evening: nothing to review yet
    steps = [step["id"] for step in store.get_session(reply["routine"]["session_id"])["state"]["steps"]]
    assert "promises" in steps and f"promises.{commitment['id']}" not in steps
    clock.now += 24 * 3600                     # the next evening: due on Sunday, so not asked yet
    reply = post(client, {"intent": "StartDebrief"})
    post(client, {"intent": "Stop"})
    steps = [step["id"] for step in store.get_session(reply["routine"]["session_id"])["state"]["steps"]]
    assert f"promises.{commitment['id']}" not in steps
    clock.now += 2 * 24 * 3600                 # Monday evening: it has come due
    post(client, {"intent": "StartDebrief"})
    view = client.get("/api/v1/routine").get_json()
    while not view["step"].startswith("promises"):   # nobody answers: each part runs its time
        clock.now += 5
        view = client.get("/api/v1/routine").get_json()
    assert view["step"] == f"promises.{commitment['id']}" and view["partner"] == "Alex"
    assert "Sam promised: I will leave my phone" in view["prompt"]
    post(client, {"text": "partly"})
    assert store.get_commitment(commitment["id"])["status"] == "partly"


def test_inventory_private_by_default(api):
    client, app = api
    post(client, {"intent": "StartNeedsInventory", "partner": "Sam"})
    post(client, {"text": "I feel lonely"})
    post(client, {"text": "I need connection"})
    post(client, {"text": "a walk together"})
    post(client, {"text": "keep it private"})
    store = app.extensions["attune.store"]
    assert store.list_entries() == []                         # shared view: nothing
    mine = store.list_entries(viewer_id=store.partner_by_name("Sam")["id"])
    assert [(e["kind"], e["private"]) for e in mine] == [("feeling", True), ("need", True), ("request", True)]


def test_inventory_share_it_makes_the_entries_shared(api):
    client, app = api
    post(client, {"intent": "StartNeedsInventory", "partner": "Alex"})
    post(client, {"text": "I feel anxious"})
    post(client, {"text": "I need reassurance"})
    post(client, {"text": "a hug before work"})
    post(client, {"text": "share it"})
    entries = app.extensions["attune.store"].list_entries()
    assert [(e["kind"], e["private"], e["partner"]) for e in entries] == \
        [("feeling", False, "Alex"), ("need", False, "Alex"), ("request", False, "Alex")]


def test_weekly_review_figures_come_from_the_store(api, clock):
    client, app = api
    store = app.extensions["attune.store"]
    store.log_ritual("weekly meal")
    store.add_commitment(1, "call", None)
    store.add_commitment(2, "walk on Friday", "2099-01-01T20:00:00Z")     # not yet due: not counted
    reply = post(client, {"text": "let's do the weekly review"})
    text = reply["utterances"][0]["text"]
    # the Today card's words; open promises, due or not, are counted as open, never as missed
    assert text == "This week: no debriefs yet; 2 promises open. Rituals: weekly meal once."


def test_restart_of_the_app_resumes_the_routine(settings, clock):
    app = create_app({"ATTUNE_SETTINGS": settings, "ATTUNE_CLOCK": clock})
    client = app.test_client()
    post(client, {"intent": "StartDebrief"}); post(client, {"intent": "Yes"}); post(client, {"intent": "Yes"})
    clock.now += 12
    before = client.get("/api/v1/routine").get_json()
    app.extensions["attune.db"].close()
    app2 = create_app({"ATTUNE_SETTINGS": settings, "ATTUNE_CLOCK": clock})
    after = app2.test_client().get("/api/v1/routine").get_json()
    assert (after["step"], after["clock_s"], after["session_id"]) == (before["step"], before["clock_s"], before["session_id"])
    app2.extensions["attune.db"].close()


def test_bad_events_are_400(api):
    client, _ = api
    assert client.post("/api/v1/events", json={}).status_code == 400
    assert client.post("/api/v1/events", json={"intent": "Yes", "partner": "Nobody"}).status_code == 400
    assert client.post("/api/v1/events", json={"intent": "Yes", "bogus": 1}).status_code == 400
    assert client.post("/api/v1/routines", json={"routine": "nap"}).status_code == 400
    assert client.get("/api/v1/utterances?after=x").status_code == 400


def test_its_sam_at_the_start_of_a_repair_is_not_taken_as_the_answer(api):
    client, _ = api
    post(client, {"text": "let's repair"})
    reply = post(client, {"text": "it's Sam"})
    assert reply["routine"]["step"] == "what" and reply["routine"]["partner"] == "Sam"
