"""Glue between the routine machines and the store.

Every call loads the active session's state, advances its machine to `now`, applies
the event, and saves state, entries, commitments and utterances in ONE `db.write()`
transaction (nested store writes join it). Repair phrases, rituals and safety work
with or without a running routine, and never move a routine's step or clock.
No Flask here (tests/test_pure_core.py checks): the API module passes plain dicts in and gets plain dicts back.
"""

from __future__ import annotations

import logging
import re
import threading
from contextlib import nullcontext
import time
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Mapping

from server.errors import ApiError
from server.phrases import load_phrases, pick_phrase
from intents.names import (REMINDER_ANSWERS, REPAIR_INTENTS, ROUTINE_CONTROLS, SCHEDULE_INTENTS, STARTER_INTENTS,
                           STARTER_ROUTINE, STEPLESS_INTENTS, VOICE_CONTROLS)
from server.routines import (AddCommitment, AddEntry, AddWeeklyReview, Event, Machine, MarkCommitment, Result,
                             ShareEntries)
from server.routines.safety_model import warm
from server.routines.due import to_iso
from server.routines.engine import ANYTIME
from server.routines.language import dialogue, language
from server.routines.safety import disclosure, stop_lines
from server.schedule import Rhythm
from attune.settings import Settings
from server.sealing import scrub_private_state
from server.store import Store
from server.trends.nights import night_of, week_monday
from server.trends.week import week_figures

PROMISE_GRACE_H = 12
UTTERANCE_FIELDS = ("seq", "session_id", "kind", "routine", "step", "text", "clock_s")
AGREED_TIME_STEP = ("debrief", "tomorrow")
"""The debrief step whose answer (tomorrow's time) becomes tomorrow's reminder."""
log = logging.getLogger(__name__)


def _utterance(row: Mapping[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in UTTERANCE_FIELDS}


def _redact(text: str, secret: list[str]) -> str:
    """An utterance as stored: a private answer it repeats is left out (the room still heard it)."""
    for words in secret:
        text = re.sub(re.escape(words), "…", text, flags=re.IGNORECASE)
    return text


def _warm(locale: str) -> None:
    try:
        warm(locale)
    except Exception:
        # The server stopping mid-load (imports fail while Python shuts down). A real fault
        # shows on the first sentence, which loads the detector again in its own request.
        log.debug("disclosure detector not preloaded", exc_info=True)


def _unstored(session_id: int | None, kind: str, routine: str | None, step: str | None, text: str,
              clock_s: float) -> dict[str, Any]:
    """An utterance said aloud but kept nowhere (no seq): a safety stop's help line."""
    return {"seq": None, "session_id": session_id, "kind": kind, "routine": routine, "step": step, "text": text,
            "clock_s": clock_s}


def _said(text: str | None) -> str:
    return " " + " ".join(re.sub(r"[^\w' ]", " ", (text or "").lower().replace("\u2019", "'")).split()) + " "


def addressed(text: str | None, locale: str = "en") -> bool:
    """Whether the words open by naming attune ("attune, give me a calming phrase")."""
    return any(_said(text).startswith(f" {w} ") for w in dialogue(locale)["address"])


def asks_for_a_phrase(text: str | None, locale: str = "en") -> bool:
    """Whether the words ask for a phrase outright ("give me a calming phrase"), not a need that
    sounds like one ("I need some appreciation")."""
    return any(f" {w} " in _said(text) for w in dialogue(locale)["phrase_words"])


def accept_intent(intent: str | None, expects: Mapping[str, Any], text: str | None = None,
                  locale: str = "en") -> bool:
    """Whether a matched intent counts, given what the step listens for.

    On a free-text step only built-ins, voice controls and the step's any-time intents
    (repair phrases, time-out, rituals; while partners talk, only the time-out) interrupt
    dictation; anything else is the answer. Said to attune by name, an any-time intent always
    counts, and so does a request that names a phrase outright.
    """
    if intent is None:
        return False
    if intent in ROUTINE_CONTROLS or intent in VOICE_CONTROLS:
        return True
    if intent in expects.get("intents", ()):
        return True
    if intent in ANYTIME and (addressed(text, locale) or
                              (intent in REPAIR_INTENTS and asks_for_a_phrase(text, locale))):
        return True
    return not expects.get("free_text", False)


def promise_due(commitment: Mapping[str, Any], now: str, fresh: str) -> bool:
    """Whether an open promise has come due: its date has passed, or, undated, it is older than
    `fresh` (times as stored, "...Z"). A promise not yet due is never counted or asked about."""
    if commitment["due_at"]:
        return commitment["due_at"] <= now
    return commitment["created_at"] <= fresh


class Runner:
    """Runs routines for one app: one store, one clock, one (lazily loaded) intent matcher."""

    def __init__(self, store: Store, settings: Settings, clock: Callable[[], float] = time.time,
                 matcher: Any = None):
        self.store = store
        self._settings = settings
        self.clock = clock
        self._matcher = matcher
        self._matcher_lock = threading.Lock()
        self.rhythm = Rhythm(store, lambda: self._locale)
        # The disclosure detector's sentence encoder takes a second or so to load: load it now
        # (at once if `attune serve` already did), and let the first event wait for that load
        # instead of starting a second one. Not a daemon: Python aborts if it exits while a
        # daemon thread is inside numpy's loading.
        self._detector = threading.Thread(target=_warm, args=(settings.locale,), name="attune-warm")
        self._detector.start()

    @property
    def settings(self) -> Settings:
        """The app's current settings: the store's copy follows edits made on the settings page."""
        return getattr(self.store, "settings", None) or self._settings

    # -- public API ----------------------------------------------------------------------
    def view(self) -> dict[str, Any]:
        """The current routine (its clock advanced to now first, so due announcements are stored)."""
        running = self.store.active_session() is not None
        with self._write_if(running):
            session, machine = self._load() if running else (None, None)
            if machine is not None:
                self._advance(session, machine, self.clock())
                session, machine = self._load()
            return self._view(session, machine, self.clock())

    def utterances(self, after: int, limit: int = 200) -> dict[str, Any]:
        """Utterances with seq > after (the clock is advanced first)."""
        running = self.store.active_session() is not None
        with self._write_if(running):
            session, machine = self._load() if running else (None, None)
            if machine is not None:
                self._advance(session, machine, self.clock())
            # A reminder due now is said by this poll: once, whichever client polls first. While a
            # routine runs none is said, so its polls cost nothing more (the reminder waits for its end).
            fired = [] if machine is not None and machine.active else self.rhythm.tick(self.clock())
            rows = self.store.utterances_after(after, limit)
            # With nothing new, last_seq is the newest there is: a client can ask with a huge
            # `after` to learn where to start listening from (but still hears a reminder this call fired).
            last = rows[-1]["seq"] if rows else self.store.last_utterance_seq()
            if fired and not rows:
                last = min(last, fired[0]["seq"] - 1)
            return {"utterances": [_utterance(r) for r in rows], "last_seq": last}

    def _write_if(self, running: bool):
        """A write transaction when a routine runs (its clock may move); none when idle.

        Polls (GET /routine, /utterances) come many times a second; idle ones must not queue
        for SQLite's write lock, whose busy wait backs off in sleeps of up to 100 ms under load.
        """
        return self.store.db.write() if running else nullcontext()

    def start(self, routine: str, partner: str | None = None, time_scale: float | None = None) -> dict[str, Any]:
        """Start `routine` (409 when another one is running)."""
        now = self.clock()
        with self.store.db.write():
            session, machine = self._load()
            said: list[dict] = []
            if machine is not None:
                said += self._advance(session, machine, now)
                session, machine = self._load()
            if machine is not None:
                raise ApiError(409, f"a {machine.s.routine} is already running (session {session['id']});"
                                    " stop it first", "routine", "routine_running")
            session, machine, more = self._start(routine, partner, time_scale, now)
            return {"utterances": said + more, "routine": self._view(session, machine, now)}

    def event(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """Apply one event {intent, slots, text, partner, step, version, time_scale}.

        The one decision on what was said is made here: text is matched against what the step
        expects, and an intent the client sends is a hint, kept only if the step takes it. The
        reply carries what was said back, the routine afterwards (the body of GET /routine) and
        the intent accepted, so a client needs no other request before the next utterance.
        """
        self._detector.join()
        # Read the words before the clock: the detector's time (tens of milliseconds a sentence,
        # cached) must not count on a routine's clock, which may run a hundred times faster.
        if isinstance(body.get("text"), str):
            disclosure([body["text"]], self._locale)
        now = self.clock()
        with self.store.db.write():
            session, machine = self._load()
            said: list[dict] = []
            if machine is not None:
                if body.get("version") is not None and body["version"] != session["version"]:
                    raise ApiError(409, f"the routine moved on (version {session['version']}, you sent "
                                        f"{body['version']}); read GET /routine and answer again",
                                   "version", "version_conflict")
                said += self._advance(session, machine, now)
                session, machine = self._load()
            expects = machine.expects().as_dict() if machine else self._idle_expects(now)
            intent, slots, text = self._resolve(body, expects)
            partner = body.get("partner")
            # A control that means the same at any step applies even when the sender saw an older one.
            step = None if intent in STEPLESS_INTENTS else body.get("step")
            event = Event.of(intent, slots, text, partner)
            if (machine is not None and step is not None and machine.view(now)["step"] != step
                    and machine.late_talk(step, event) is None):
                raise ApiError(409, f"step '{step}' is no longer current (now '{machine.view(now)['step']}')",
                               "step", "step_conflict")
            category = disclosure([text, *slots.values()], self._locale,
                                  [p["name"] for p in self.store.partners()])
            if category is not None:
                said += self._safety(session, machine, event, category, now)
            elif intent in REPAIR_INTENTS:
                said += self._phrase(session, machine, intent, slots, partner, now)
            elif intent == "LogRitual":
                said += self._ritual(session, machine, slots, text, partner, now)
            elif intent in STARTER_ROUTINE:
                if machine is not None and intent == "TimeOut":
                    said += self._handle(session, machine, Event.of("Stop"), now)
                    session, machine = None, None
                if machine is None:
                    session, machine, more = self._start(STARTER_ROUTINE[intent], partner,
                                                         body.get("time_scale"), now)
                    said += more
                else:
                    said.append(self._say(session, machine, "builtin.busy", now,
                                          routine=self._routine_name(machine.s.routine)))
            elif self.rhythm.takes(intent, machine is not None, now):
                more, routine = self.rhythm.handle(intent, slots, now)
                said += [_utterance(r) for r in more]
                if routine is not None and machine is None:
                    session, machine, more = self._start(routine, partner, body.get("time_scale"), now)
                    said += more
            elif machine is not None:
                said += self._handle(session, machine, event, now, step)
            elif intent == "IdentifyPartner" and slots.get("partner"):
                said.append(self._say(None, None, "builtin.identified", now, partner=slots["partner"]))
            elif intent not in VOICE_CONTROLS:
                said.append(self._say(None, None, "builtin.nothing_running", now))
            session, machine = self._load()
            return {"utterances": said, "routine": self._view(session, machine, now),
                    "accepted": {"intent": intent, "slots": slots}}

    # -- loading and saving --------------------------------------------------------------
    @property
    def _locale(self) -> str:
        return self.settings.locale

    def _load(self) -> tuple[dict | None, Machine | None]:
        session = self.store.active_session()
        if session is None:
            return None, None
        try:
            return session, Machine(session["state"])
        except (KeyError, TypeError, ValueError):
            return None, None  # an active session recorded by hand, not a running machine

    def _advance(self, session: dict, machine: Machine, now: float) -> list[dict]:
        result = machine.advance(now)
        return self._save(session, machine, result) if result.changed else []

    def _handle(self, session: dict, machine: Machine, event: Event, now: float,
                step: str | None = None) -> list[dict]:
        result = machine.handle(event, now, step=step)
        if result.conflict:
            raise ApiError(409, f"step '{step}' is no longer current", "step", "step_conflict")
        return self._save(session, machine, result)

    def _save(self, session: dict, machine: Machine, result: Result) -> list[dict]:
        """State, effects and utterances of one machine call, in the caller's transaction."""
        sid = session["id"]
        # Private answers are sealed in their entries; their words must not stay anywhere else on disk.
        secret = [e.value for e in result.effects if isinstance(e, AddEntry) and e.private and e.value]
        for effect in result.effects:
            self._apply(effect, sid)
            if isinstance(effect, AddEntry) and (machine.s.routine, effect.step) == AGREED_TIME_STEP:
                self.rhythm.agree(effect.value, self.clock())
        said = [(self._add_utterance if u.keep else _unstored)(sid, u.kind, u.routine, u.step, _redact(u.text, secret),
                                                               u.clock_s)
                for u in result.utterances]
        status = machine.s.status
        state = machine.to_state()
        if state.get("private"):
            scrub_private_state(state)
        self.store.update_session(sid, state, status=None if status == session["status"] else status)
        return said

    def _apply(self, effect: Any, session_id: int) -> None:
        store = self.store
        if isinstance(effect, AddEntry):
            store.add_entry(session_id, self._partner_id(effect.partner), effect.kind, effect.value,
                            effect.step, private=effect.private)
        elif isinstance(effect, AddCommitment):
            store.add_commitment(self._partner_id(effect.partner), effect.what, effect.due_at, session_id)
        elif isinstance(effect, MarkCommitment):
            try:
                store.update_commitment(effect.commitment_id, effect.status)
            except ApiError:
                pass  # deleted meanwhile: nothing to mark
        elif isinstance(effect, ShareEntries):
            owner = self._partner_id(effect.partner)
            for entry in store.list_entries(session_id=session_id, partner_id=owner, viewer_id=owner, limit=10_000):
                if entry["private"]:
                    store.update_entry(entry["id"], {"private": False})
        elif isinstance(effect, AddWeeklyReview):
            store.add_weekly_review(effect.week_start, dict(effect.figures), effect.worked, effect.didnt_work,
                                    effect.adjust, session_id)

    def _partner_id(self, slot: int) -> int:
        return self.store.partner_by_slot(slot + 1)["id"]

    def _add_utterance(self, session_id: int | None, kind: str, routine: str | None, step: str | None,
                       text: str, clock_s: float) -> dict:
        return _utterance(self.store.add_utterance(session_id, kind, routine, step, text, clock_s))

    def _say(self, session: dict | None, machine: Machine | None, key: str, now: float, **values: Any) -> dict:
        """An utterance outside the machine (phrases, rituals, idle answers), tagged with the routine."""
        text = language(self._locale).sentence(key, **values)
        view = machine.view(now) if machine is not None else None
        return self._add_utterance(session["id"] if session else None, "info",
                                   view["routine"] if view else None, view["step"] if view else None,
                                   text, view["clock_s"] if view else 0.0)

    # -- starting ------------------------------------------------------------------------
    def _start(self, routine: str, partner: str | None, time_scale: float | None,
               now: float) -> tuple[dict, Machine, list[dict]]:
        names = [p["name"] for p in self.store.partners()]
        starter = 0
        if partner:
            found = self.store.partner_by_name(partner)
            if found is not None:
                starter = found["slot"] - 1
        scale = float(time_scale) if time_scale else float(self.settings.time_scale)
        options = dict(partners=names, starter=starter, time_scale=scale, locale=self._locale,
                       helpline_locale=self.settings.helpline_locale, context=self._context(routine, now))
        timings = (self.settings.routine_timings or {}).get(routine)
        try:
            machine, result = Machine.start(routine, now, timings=timings, **options)
        except ValueError as exc:
            # Settings are checked when loaded and saved; this is a script changed under them.
            log.warning("routine_timings for %s ignored: %s", routine, exc)
            machine, result = Machine.start(routine, now, **options)
        session = self.store.create_session(routine, machine.to_state())
        self.rhythm.started(routine, now)  # a reminder waiting for this routine is answered
        said = self._save(session, machine, result)
        return self.store.get_session(session["id"]), machine, said

    def _context(self, routine: str, now: float) -> dict[str, Any]:
        local = datetime.fromtimestamp(now, timezone.utc).astimezone()
        context: dict[str, Any] = {"utc_offset_s": int(local.utcoffset().total_seconds())}
        slots = {p["id"]: p["slot"] - 1 for p in self.store.partners()}
        if routine == "debrief":
            # Only promises that have come due are reviewed: one due Friday is not "missed" on Tuesday.
            # An undated one counts as due once it has had 12 hours.
            fresh = to_iso(local - timedelta(hours=PROMISE_GRACE_H))
            context["promises"] = [{"id": c["id"], "partner": slots[c["partner_id"]], "what": c["what"]}
                                   for c in self.store.list_commitments(status="open")
                                   if promise_due(c, to_iso(local), fresh)]
        if routine == "weekly_review":
            context["week_start"] = week_monday(night_of(local)).isoformat()
            context["figures"] = week_figures(self.store.db.read(), local)
        return context

    # -- matching ------------------------------------------------------------------------
    def matcher(self) -> Any:
        with self._matcher_lock:
            if self._matcher is None:
                try:
                    from intents import Matcher
                except ImportError:
                    return None
                names = [p["name"] for p in self.store.partners()]
                matcher = Matcher.load(self._locale, extra_lists={
                    "partner": names, "ritual": list(self.settings.rituals)})
                matcher.spotter  # build the word spotter now too, not on some later sentence
                self._matcher = matcher
            return self._matcher

    def _resolve(self, body: Mapping[str, Any], expects: Mapping[str, Any]) -> tuple[str | None, dict, str | None]:
        intent, slots, text = body.get("intent"), dict(body.get("slots") or {}), body.get("text")
        if intent is None and text:
            matcher = self.matcher()
            if matcher is not None:
                wanted = list(expects.get("intents") or ())
                if addressed(text, self._locale):  # "attune, ...": a request to attune, whatever the step
                    wanted += [i for i in ANYTIME if i not in wanted]
                match = matcher.match(text, expect=wanted)
                # a word-spotted guess never overrides a free-text answer (it is the answer)
                guessed = getattr(match, "method", "") == "spotted" and expects.get("free_text")
                if accept_intent(match.intent, expects, text, self._locale) and not guessed:
                    intent, slots = match.intent, dict(match.slots)
        elif intent is not None and text and not accept_intent(intent, expects, text, self._locale):
            intent, slots = None, {}
        return intent, {str(k): str(v) for k, v in slots.items() if v is not None}, text

    def _idle_expects(self, now: float | None = None) -> dict[str, Any]:
        """Starters, phrases and the schedule's intents; a reminder's answers while one waits."""
        waiting = now is not None and self.rhythm.pending(now) is not None
        extra = REMINDER_ANSWERS + SCHEDULE_INTENTS if waiting else SCHEDULE_INTENTS
        # A reminder is a short question: its answer needs no wake phrase (see expects.wake).
        return {"intents": list(dict.fromkeys(STARTER_INTENTS + REPAIR_INTENTS + extra)), "free_text": False,
                "wake": "none" if waiting else "required"}

    # -- any-time intents ----------------------------------------------------------------
    def _safety(self, session: dict | None, machine: Machine | None, event: Event, category: str,
                now: float) -> list[dict]:
        """A disclosure: the routine stops as any stop does; the help line is said, never stored."""
        if machine is not None:
            return self._handle(session, machine, event, now)
        lang = language(self._locale)
        return [_unstored(None, "info", None, None, lang.sentence(key, **values), 0.0)
                for key, values in stop_lines(category, self.settings.helpline_locale)]

    def _partner_ref(self, partner: str | None) -> int | None:
        found = self.store.partner_by_name(partner) if partner else None
        return found["id"] if found else None

    def _phrase(self, session: dict | None, machine: Machine | None, intent: str, slots: Mapping[str, str],
                partner: str | None, now: float) -> list[dict]:
        store = self.store
        recent = store.phrase_uses(limit=1)
        last = recent[0] if recent else None
        phrases = [*load_phrases(self._locale), *store.custom_phrases()]
        if intent == "SaveFavorite":
            if last is None:
                return [self._say(session, machine, "phrases.nothing_to_save", now)]
            store.add_favourite(last["phrase_id"], self._partner_ref(partner))
            return [self._say(session, machine, "phrases.saved", now)]
        if intent == "ReadFavorites":
            by_id = {p["id"]: p["text"] for p in phrases}
            texts = [by_id[f["phrase_id"]] for f in store.favourites(self._partner_ref(partner))
                     if f["phrase_id"] in by_id]
            if not texts:
                return [self._say(session, machine, "phrases.no_favourites", now)]
            return [self._say(session, machine, "phrases.favourites", now, list=" ... ".join(texts))]
        category = slots.get("category")
        if intent == "AnotherOne" and last is not None:
            category = last["category"]
        phrase = pick_phrase(phrases, category, store.phrase_last_used(category),
                             last["phrase_id"] if last else None)
        if phrase is None:
            return [self._say(session, machine, "phrases.none", now)]
        store.record_phrase_use(phrase["id"], phrase["category"], self._partner_ref(partner),
                                session["id"] if session else None)
        return [self._say(session, machine, "phrases.offer", now, text=phrase["text"])]

    def _ritual(self, session: dict | None, machine: Machine | None, slots: Mapping[str, str],
                text: str | None, partner: str | None, now: float) -> list[dict]:
        ritual = slots.get("ritual") or (text or "ritual")[:40]
        self.store.log_ritual(ritual, self._partner_ref(partner))
        return [self._say(session, machine, "ritual.logged", now, ritual=ritual)]

    # -- views ---------------------------------------------------------------------------
    def _routine_name(self, routine: str) -> str:
        return language(self._locale).text(f"routine_names.{routine}")

    def _view(self, session: dict | None, machine: Machine | None, now: float) -> dict[str, Any]:
        if machine is None:
            return {"active": False, "session_id": None, "routine": None, "step": None, "partner": None,
                    "prompt": None, "expects": self._idle_expects(now), "clock_s": 0.0, "budget_s": None,
                    "segment": None, "segment_remaining_s": None, "paused": False, "status": None,
                    "version": None, "time_scale": float(self.settings.time_scale)}
        view = machine.view(now)
        return {"session_id": session["id"], **view, "version": session["version"]}
