"""The routine machine: one script (YAML) driven by events and an injected clock.

Pure: no Flask, no SQLite, no threads, no audio. Every public method takes `now`
(wall-clock seconds, as float) and the whole state is one `State` saved as JSON, so a routine
survives a restart: `Machine(state)` resumes at the same step and clock.

The routine clock runs `scale` times faster than the wall clock and stops while paused.
Timers (reprompts, segment announcements, the end of a segment, the end of the
routine) fire in order at their exact clock time, whenever `advance(now)` is called,
and each utterance carries the clock time it was due at.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any, Mapping

from server.routines import due as due_parser
from server.routines.language import language, script
from intents.names import BUILTIN_INTENTS, REPAIR_INTENTS, ROUTINE_CONTROLS, STARTER_INTENTS, VOICE_CONTROLS
from server.routines.model import (AddCommitment, AddEntry, AddWeeklyReview, Event, Expect, MarkCommitment, Output,
                                   Result, ShareEntries, Utterance)
from server.routines.safety import disclosure, stop_lines
from server.routines.state import Clock, Prompt, State
from server.routines.steps import partner_slot, expand_steps, step_wake
from server.routines.timings import apply_timings
from server.routines import turns, wording

EPS = 1e-6
ANYTIME = REPAIR_INTENTS + ("TimeOut", "LogRitual", "IdentifyPartner")
TALK_ANYTIME = ("TimeOut", "IdentifyPartner")
"""While partners talk to each other, only these cut in unaddressed: "I need some appreciation" said
to a partner is what they said, not a request for a phrase."""
PAUSED_INTENTS = ("Resume", "Stop", "Repeat", "TimeLeft", "Help")
REVIEW_STATUS = {"Yes": "kept", "No": "missed", "Partly": "partly"}
ANSWER_KINDS = ("ask", "share")
TIMED_KINDS = ("ask", "share", "text")
ABANDON_AFTER_S = 6 * 3600.0
"""Wall-clock seconds without any state change after which a running routine is abandoned."""
LATE_TALK_S = 10.0
"""Wall-clock seconds after a talking step ends during which words said in it still count as its own:
the second pass and a loaded machine can put a second or more between the words and their arrival."""


class Machine:
    """A running routine. Mutates its own `State`; returns frozen Results."""

    def __init__(self, state: State | Mapping[str, Any]):
        """Resume from a `State`, or from its saved JSON form (ValueError if of another version)."""
        self.s = state if isinstance(state, State) else State.from_dict(state)
        self.lang = language(self.s.locale)
        self.t = float(self.s.clock.clock_s)

    # -- construction ----------------------------------------------------------------------
    @classmethod
    def start(cls, routine: str, now: float, *, partners: tuple[str, str] | list[str], starter: int = 0,
              time_scale: float = 1.0, locale: str = "en", helpline_locale: str = "en-US",
              context: Mapping[str, Any] | None = None,
              timings: Mapping[str, Any] | None = None) -> tuple["Machine", Result]:
        """Begin `routine` at wall time `now`. `context` carries what the store knows:
        promises [{id, partner (slot), what}], figures {...}, week_start, utc_offset_s.
        `timings` overrides this routine's step budgets ({step id: seconds}, see
        server.routines.timings; ValueError if invalid). The budgets are copied into the
        state, so the routine keeps them to its end, across restarts and setting changes."""
        spec = apply_timings(script(routine, locale), timings)
        context = dict(context or {})
        state = State(
            routine=routine, locale=locale, helpline_locale=helpline_locale, partners=list(partners),
            starter=starter, status="active", clock=Clock(0.0, float(now), False, float(time_scale)),
            schedule=spec.get("schedule", "relative"), total_s=spec.get("total_s"),
            reprompt_s=float(spec.get("reprompt_s", 10)), private=bool(spec.get("private", False)),
            end=spec["end"], end_early=spec.get("end_early"), announce=list(spec.get("announce", [])),
            announced=[], steps=expand_steps(spec, context, starter), idx=0, step_start=0.0, window_end=0.0,
            reprompted=False, seg_announced=[], answers={}, prompt=None,
            vars={**spec.get("vars", {}), **context.get("vars", {})}, defaults=dict(spec.get("defaults", {})),
            utc_offset_s=int(context.get("utc_offset_s", 0)), week_start=context.get("week_start"),
            figures=context.get("figures"), collect={}, timings=dict(timings or {}),
        )
        machine = cls(state)
        out = Output(changed=True)
        machine._enter(0, out)
        return machine, out.result()

    def to_state(self) -> dict[str, Any]:
        """The state's saved JSON form (a copy)."""
        return self.s.to_dict()

    # -- clock -----------------------------------------------------------------------------
    def clock_at(self, now: float) -> float:
        c = self.s.clock
        if c.paused:
            return c.clock_s
        return c.clock_s + max(0.0, now - c.wall_s) * c.scale

    def _anchor(self, now: float, clock_s: float) -> None:
        self.s.clock.clock_s = clock_s
        self.s.clock.wall_s = float(now)
        self.t = clock_s

    @property
    def active(self) -> bool:
        return self.s.status == "active"

    @property
    def step(self) -> dict[str, Any] | None:
        steps, idx = self.s.steps, self.s.idx
        return steps[idx] if self.active and 0 <= idx < len(steps) else None

    # -- time ------------------------------------------------------------------------------
    def advance(self, now: float) -> Result:
        """Run every timer due up to `now`; returns what was said on the way."""
        out = Output()
        self._advance(now, out)
        return out.result()

    def _advance(self, now: float, out: Output) -> None:
        if not self.active:
            return
        if now - float(self.s.clock.wall_s) > ABANDON_AFTER_S:
            # Left for hours (server off overnight, a pause never resumed): end it quietly
            # rather than replaying every prompt and announcement it missed.
            self.s.collect, self.s.prompt = {}, None
            self.s.status = "abandoned"
            self.s.clock.wall_s = float(now)
            out.changed = True
            return
        target = self.clock_at(now)
        while self.active:
            due = self._next_timer()
            if due is None or due[0] > target + EPS:
                break
            self.t = max(self.t, due[0])
            out.changed = True
            self._fire(due[1], due[2], out)
        self._anchor(now, max(target, self.t))

    def _timers(self) -> list[tuple[float, int, str, Any]]:
        """(clock_s, priority, action, argument) for every pending timer."""
        s, step = self.s, self.step
        timers: list[tuple[float, int, str, Any]] = []
        for item in s.announce:
            if item["key"] not in s.announced:
                timers.append((float(item["at"]), 0, "announce", item["key"]))
        if s.total_s is not None:
            timers.append((float(s.total_s), 9, "total", None))
        if step is None:
            return timers
        start, end = s.step_start, s.window_end
        kind = step["kind"]
        if kind in TIMED_KINDS:
            giveup = min(end, start + float(step.get("budget_s", end - start)))
            reprompt_at = start + s.reprompt_s
            if not s.reprompted and reprompt_at < giveup - EPS:
                timers.append((reprompt_at, 1, "reprompt", None))
            timers.append((giveup, 5, "giveup", None))
        elif kind == "talk":
            wanted = step.get("announce", [])
            length = end - start
            if "halfway" in wanted and "halfway" not in s.seg_announced:
                timers.append((start + length / 2, 1, "segment", "halfway"))
            if "one_minute" in wanted and length >= 120 and "one_minute" not in s.seg_announced:
                timers.append((end - 60, 1, "segment", "one_minute"))
            timers.append((end, 5, "segment_end", None))
        elif kind == "wait":
            timers.append((end, 5, "wait_end", None))
        return timers

    def _next_timer(self) -> tuple[float, str, Any] | None:
        timers = self._timers()
        if not timers:
            return None
        at, _, action, arg = min(timers, key=lambda t: (t[0], t[1]))
        return at, action, arg

    def _fire(self, action: str, arg: Any, out: Output) -> None:
        s, step = self.s, self.step
        if action == "announce":
            s.announced.append(arg)
            self._say(out, "announcement", arg)
        elif action == "total":
            if step is not None and step["kind"] == "talk" and "time_up" in step.get("announce", []):
                self._say(out, "announcement", "announce.segment_time_up")
            self._finish(out)
        elif action == "reprompt":
            s.reprompted = True
            self._say(out, "reprompt", step.get("reprompt") or step["prompt"])
        elif action == "giveup":
            self._unanswered(step, out)
            self._next(out)
        elif action == "segment":
            s.seg_announced.append(arg)
            self._say(out, "announcement", f"announce.segment_{arg}")
        elif action == "segment_end":
            if "time_up" in step.get("announce", []):
                self._say(out, "announcement", "announce.segment_time_up")
            self._next(out)
        elif action == "wait_end":
            self._next(out)

    # -- steps -----------------------------------------------------------------------------
    def _enter(self, idx: int, out: Output, floor: float | None = None) -> None:
        s = self.s
        while True:
            if idx >= len(s.steps):
                early = s.total_s is not None and self.t < float(s.total_s) - EPS
                self._finish(out, key=s.end_early if early else None)
                return
            step = s.steps[idx]
            s.idx, s.step_start, s.reprompted, s.seg_announced = idx, self.t, False, []
            s.speaker = s.pending_promise = None
            if s.schedule == "absolute":
                end = max(self._share_end(idx), floor or 0.0)
                if s.total_s is not None:
                    end = min(end, float(s.total_s))
            elif step["kind"] == "wait":
                end = self.t + 60.0 * float(s.vars.get(step.get("duration_var", ""), 0) or 0)
            else:
                end = self.t + float(step.get("budget_s", 0))
            s.window_end = end
            floor = None
            if step["kind"] == "say":
                self._say(out, "prompt", step["prompt"])
                idx += 1
                continue
            if end <= self.t + EPS and step["kind"] != "wait":
                # Its time already ran out (an earlier part used it): move on without asking.
                self._unanswered(step, out)
                idx += 1
                continue
            if step.get("prompt"):
                self._say(out, "prompt", step["prompt"])
            return

    def _share_end(self, idx: int) -> float:
        """When step `idx` ends on an absolute schedule: the time left, shared over the steps left in
        proportion to their budgets, so time a step leaves unused goes to all that follow, not the last."""
        s, step = self.s, self.s.steps[idx]
        total = float(s.total_s) if s.total_s is not None else float(s.steps[-1]["deadline"])
        weight = sum(float(st.get("budget_s", 0)) for st in s.steps[idx:] if st["kind"] != "say")
        if weight <= EPS:
            return float(step["deadline"])
        return self.t + max(0.0, total - self.t) * float(step.get("budget_s", 0)) / weight

    def _next(self, out: Output) -> None:
        step = self.step
        if step is not None and step["kind"] == "talk" and step.get("record"):
            self.s.closed_talk = {"step": step["id"], "speaker": self.s.speaker, "at": round(self.t, 3)}
        self._enter(self.s.idx + 1, out)

    def _unanswered(self, step: dict[str, Any], out: Output) -> None:
        if self._flush_promise(step, out):
            return
        if step["kind"] in TIMED_KINDS and step["id"] not in self.s.answers:
            self.s.answers[step["id"]] = "unanswered"
        out.changed = True

    def _finish(self, out: Output, status: str = "completed", key: str | None = None) -> None:
        s = self.s
        if not self.active:
            return
        if status == "completed" and s.routine == "weekly_review":
            collect = s.collect
            out.effects.append(AddWeeklyReview(s.week_start or "", dict(s.figures or {}),
                                               collect.get("worked"), collect.get("didnt_work"),
                                               collect.get("adjust")))
        s.collect = {}
        self._say(out, "end", key or s.end)
        s.status = status
        s.prompt = None
        out.changed = True

    # -- speech ----------------------------------------------------------------------------
    def _vars(self, step: Mapping[str, Any] | None) -> dict[str, Any]:
        s = self.s
        names = s.partners
        values: dict[str, Any] = {"first": names[0], "second": names[1]}
        for var, key in s.defaults.items():
            values[var] = self.lang.text(key, **s.vars)
        values.update(s.vars)
        values.update(wording.figure_vars(self.s.figures, self.lang))
        if step is not None:
            slot = step.get("partner")
            if slot is not None:
                values.update(name=names[slot], other=names[1 - slot])
            extra = dict(step.get("vars", {}))
            if "who_slot" in extra:
                values["who"] = names[int(extra.pop("who_slot"))]
            values.update(extra)
        return values

    def _say(self, out: Output, kind: str, key: str, **extra: Any) -> Utterance:
        step = self.step
        values = {**self._vars(step), **extra}
        text = self.lang.sentence(key, **values)
        if kind == "prompt" and step is not None and key == step.get("prompt") and step.get("hint"):
            text = f"{text} {self.lang.sentence(step['hint'], **values)}"  # which kind of answer it takes
        utterance = Utterance(kind, key, text, self.s.routine, step["id"] if step else None, round(self.t, 3))
        out.utterances.append(utterance)
        if kind in ("prompt", "reprompt") and step is not None:
            self.s.prompt = Prompt(key, text, step["id"])
        return utterance

    # -- events ----------------------------------------------------------------------------
    def handle(self, event: Event, now: float, step: str | None = None) -> Result:
        """Apply one event at wall time `now` (timers due before it fire first).

        `step`, when given, is the step the sender was answering; if it is no longer the
        current one the event is not applied and the result says `conflict`.
        """
        out = Output()
        self._advance(now, out)
        if not self.active:
            return out.result()
        current = self.step
        late = None
        if step is not None and (current is None or current["id"] != step):
            late = self.late_talk(step, event)
            if late is None:
                result = out.result()
                return Result(result.utterances, result.effects, result.changed, conflict=True)
        category = disclosure([event.text, *(v for _, v in event.slots)], self.s.locale, self.s.partners)
        if category is not None:
            self.safety_stop(out, category)
            return out.result()
        out.changed = True
        if late is not None:
            self._record(late, event, late.get("record"), event.text, out, speaker=self.s.closed_talk["speaker"])
        else:
            self._apply(event, out)
        return out.result()

    def late_talk(self, step_id: str, event: Event) -> dict[str, Any] | None:
        """The talking step `step_id` if it ended moments ago and `event` is words said in it, not a
        control: its time ran out (or the page moved on) while they were on their way."""
        closed = self.s.closed_talk
        if closed is None or closed["step"] != step_id or not event.text or event.intent in BUILTIN_INTENTS:
            return None
        if self.t - float(closed["at"]) > LATE_TALK_S * float(self.s.clock.scale) + EPS:
            return None
        if self.s.clock.paused or turns.is_filler(event.text, self.s.locale):
            return None
        return next((st for st in self.s.steps if st["id"] == step_id and st["kind"] == "talk"), None)

    def safety_stop(self, out: Output, category: str) -> None:
        """Stop for a disclosure exactly as a spoken "stop" ends and is recorded; then the help
        line, said aloud and never stored. Nothing of what was said is kept."""
        self._finish(out, status="stopped", key="builtin.stopped")
        for key, values in stop_lines(category, self.s.helpline_locale or "en-US"):
            said = self._say(out, "info", key, **values)
            out.utterances[-1] = replace(said, keep=False)

    def _apply(self, event: Event, out: Output) -> None:
        s, step, intent = self.s, self.step, event.intent
        if s.clock.paused:
            if intent == "Resume":
                s.clock.paused = False
                self._say(out, "info", "builtin.resumed")
                self._repeat(out)
            elif intent in PAUSED_INTENTS:
                self._builtin(intent, out)
            else:
                self._say(out, "info", "builtin.still_paused")
            return
        if intent in ROUTINE_CONTROLS:
            self._builtin(intent, out)
            return
        if intent == "IdentifyPartner":
            self._identify(event, out)
            return
        if intent in STARTER_INTENTS or intent in REPAIR_INTENTS or intent in VOICE_CONTROLS:
            return  # handled outside the routine (the runner) or by the voice loop
        if event.text and turns.is_filler(event.text, s.locale):
            return  # "um", "so yeah": nothing said yet; the step keeps waiting
        kind = step["kind"]
        if kind in ANSWER_KINDS:
            self._answer(step, event, out)
        elif kind == "text":
            if event.text:
                if self._text_answer(step, event, out):
                    self._next(out)
            else:
                self._say(out, "reprompt", "builtin.not_understood_text")
        elif kind == "talk":
            if event.text:
                self._record(step, event, step.get("record"), event.text, out)
        # wait: anything else said during a break is not an answer; stay quiet

    def _builtin(self, intent: str, out: Output) -> None:
        s, step = self.s, self.step
        if intent == "Pause":
            s.clock.paused = True
            self._say(out, "info", "builtin.paused")
        elif intent == "Resume":
            self._repeat(out)
        elif intent == "Repeat":
            self._repeat(out)
        elif intent == "Explain":
            self._explain(out)
        elif intent == "Skip":
            if self._flush_promise(step, out):
                pass
            elif step["kind"] in ANSWER_KINDS + ("text",):
                s.answers.setdefault(step["id"], "skipped")
            self._next(out)
        elif intent == "Back":
            self._back(out)
        elif intent == "TimeLeft":
            step_left = wording.duration(self.lang, self._step_end() - self.t)
            if s.total_s is not None:
                self._say(out, "info", "builtin.time_left", step_left=step_left,
                          total_left=wording.duration(self.lang, float(s.total_s) - self.t))
            else:
                self._say(out, "info", "builtin.time_left_untimed", step_left=step_left)
        elif intent == "Help":
            self._say(out, "info", "builtin.help")
            if step.get("example"):
                self._say(out, "info", "builtin.help_example", example=self.lang.text(step["example"]))
        elif intent == "Stop":
            self._finish(out, status="stopped", key="builtin.stopped")

    def _identify(self, event: Event, out: Output) -> None:
        """"It's Sam": before anything is answered, whose routine this is (repair, inventory)."""
        names = [n.casefold() for n in self.s.partners]
        who = (event.slot("partner") or "").casefold()
        if who not in names:
            self._say(out, "reprompt", "builtin.not_understood", example=self.lang.text("examples.free"))
            return
        slot = names.index(who)
        if self.s.answers or slot == self.s.starter:
            # Said during a step: what follows in this step is theirs, whoever attune asked.
            self.s.speaker = slot
            self._say(out, "info", "builtin.identified", partner=self.s.partners[slot])
            return
        self.s.starter = slot
        for step in self.s.steps:
            if step.get("ref") in ("starter", "other"):
                step["partner"] = partner_slot(step["ref"], slot)
        self._repeat(out)

    def _explain(self, out: Output) -> None:
        """"What does that mean?": the step's explanation, once; asked again, the prompt itself."""
        if self.s.explained is None:
            self.s.explained = []
        step, explained = self.step, self.s.explained
        if step is None:
            return
        if step.get("explain") and step["id"] not in explained:
            explained.append(step["id"])
            self._say(out, "info", step["explain"])
        else:
            self._repeat(out)

    def _step_end(self) -> float:
        step, s = self.step, self.s
        if step is not None and step["kind"] in TIMED_KINDS:
            return min(s.window_end, s.step_start + float(step.get("budget_s", 0)))
        return s.window_end

    def _repeat(self, out: Output) -> None:
        step = self.step
        if step is not None and step.get("prompt"):
            self._say(out, "prompt", step["prompt"])

    def _back(self, out: Output) -> None:
        s = self.s
        idx = s.idx - 1
        while idx >= 0 and s.steps[idx]["kind"] == "say":
            idx -= 1
        if idx < 0:
            self._say(out, "info", "builtin.no_back")
            return
        s.answers.pop(s.steps[idx]["id"], None)
        self._enter(idx, out, floor=s.window_end)

    def _answer(self, step: dict[str, Any], event: Event, out: Output) -> None:
        expects = step.get("expects", [])
        intent = event.intent
        if step["kind"] == "share":
            intent = intent if intent in expects else wording.share_words(step, event.text)
        under = None
        if "Feeling" in expects:  # "ignored", "I feel like you don't care": reflected, not refused
            feeling = event.slot("feeling") if intent == "Feeling" else None
            under = turns.underneath(feeling, None if intent == "Feeling" else event.text, self.s.locale)
        if intent not in expects and under is None:
            example = self.lang.text(step["example"]) if step.get("example") else self.lang.text("examples.free")
            self._say(out, "reprompt", "builtin.not_understood", example=example)
            return
        value = event.slot(step["slot"]) if step.get("slot") and intent in expects else None
        value = (value or intent or (event.text or "").strip()).lower()
        if under is not None:
            key = "feelings.reflect" if intent == "Feeling" else "feelings.reflect_thought"
            self._say(out, "info", key, word=under.said, feelings=self.lang.text(
                "feelings.either", a=under.feelings[0], b=under.feelings[-1]), need=under.need)
        self.s.answers[step["id"]] = value
        if step.get("record"):
            self._record(step, event, step["record"], value, out)
        if "commitment" in step and intent in REVIEW_STATUS:
            out.effects.append(MarkCommitment(int(step["commitment"]), REVIEW_STATUS[intent]))
        if step["kind"] == "share":
            if intent == "Yes":
                out.effects.append(ShareEntries(int(step["partner"])))
            self._say(out, "info", step["shared"] if intent == "Yes" else step["kept"])
        if step.get("stop_on") is not None and step["stop_on"] == intent:
            self._finish(out, status="stopped", key=step.get("stop_key"))
            return
        self._next(out)

    def _record(self, step: Mapping[str, Any], event: Event, kind: str | None, value: str, out: Output,
                speaker: int | None = None) -> None:
        if not kind:
            return
        slot = speaker if speaker is not None else self.s.speaker  # someone said "it's Sam" during the step
        if slot is None:
            slot = step.get("partner")  # attune asked "Alex, ...": Alex's answer
        if slot is None:
            slot = self._event_slot(event)
        out.effects.append(AddEntry(slot, kind, value, step["id"], private=self.s.private))

    def _event_slot(self, event: Event) -> int:
        names = [n.casefold() for n in self.s.partners]
        if event.partner and event.partner.casefold() in names:
            return names.index(event.partner.casefold())
        return int(self.s.starter)

    def _text_answer(self, step: dict[str, Any], event: Event, out: Output) -> bool:
        """Take a free-text answer; False when the step asked a follow-up and waits for it."""
        text = event.text.strip()
        s = self.s
        if step.get("commit") and step.get("follow_up"):
            pending = s.pending_promise
            if pending is None and not turns.check_promise(text, self._local_now(), s.locale).complete:
                # Once: what exactly, and by when? Then what was said is saved either way.
                s.pending_promise, s.step_start, s.reprompted = text, self.t, False
                s.window_end = max(s.window_end, self.t + float(step.get("budget_s", 0)))
                self._say(out, "prompt", step["follow_up"])
                return False
            if pending is not None:
                whole = turns.check_promise(text, self._local_now(), s.locale).complete
                text = text if whole else f"{pending}; {text}"
                s.pending_promise = None
        s.answers[step["id"]] = "answered"
        self._record(step, event, step.get("record"), text, out)
        if step.get("collect"):
            s.collect[step["collect"]] = text
        if step.get("var"):
            s.vars[step["var"]] = wording.phrase_time(text, s.locale)
        if step.get("minutes_var"):
            minutes = due_parser.parse_minutes(text, s.locale)
            if minutes:
                # A break is a break: capped (well under the time after which a routine is abandoned).
                s.vars[step["minutes_var"]] = min(minutes, int(step.get("max_minutes", 180)))
        if step.get("commit"):
            self._commit(step, text, out)
        return True

    def _flush_promise(self, step: dict[str, Any] | None, out: Output) -> bool:
        """Save a promise still waiting for its follow-up (time ran out, or "next"): as it was said."""
        pending = self.s.pending_promise
        if step is None or not pending or not step.get("commit"):
            return False
        self.s.pending_promise = None
        self.s.answers[step["id"]] = "answered"
        self._commit(step, pending, out)
        return True

    def _local_now(self) -> datetime:
        zone = timezone(timedelta(seconds=self.s.utc_offset_s))
        return datetime.fromtimestamp(float(self.s.clock.wall_s), zone)

    def _commit(self, step: dict[str, Any], text: str, out: Output) -> None:
        moment = due_parser.due_datetime(text, self._local_now(), self.s.locale)
        due_at = due_parser.to_iso(moment) if moment else None
        slot = step["partner"]
        out.effects.append(AddCommitment(slot, text, due_at))
        if moment:
            self._say(out, "info", step["saved"], what=text, due=moment.strftime("%A %d %B, %H:%M"))
        else:
            self._say(out, "info", step["saved_no_due"], what=text)

    # -- what the caller needs -------------------------------------------------------------
    def expects(self) -> Expect:
        if not self.active:
            return Expect(STARTER_INTENTS + REPAIR_INTENTS, False)
        if self.s.clock.paused:
            return Expect(PAUSED_INTENTS + ANYTIME, False)
        step = self.step
        kind = step["kind"]
        own = tuple(step.get("expects", [])) if kind in ANSWER_KINDS else ()
        anytime = TALK_ANYTIME if kind == "talk" else ANYTIME
        return Expect(own + ROUTINE_CONTROLS + anytime, kind in ("text", "talk", "share"), step_wake(step))

    def view(self, now: float) -> dict[str, Any]:
        """The current step for a caller (no side effects; call `advance` first)."""
        s, step = self.s, self.step
        clock_s = self.clock_at(now) if self.active else self.t
        prompt = s.prompt
        return {
            "active": self.active,
            "routine": s.routine,
            "step": step["id"] if step else None,
            "partner": s.partners[step["partner"]] if step and step.get("partner") is not None else None,
            "prompt": prompt.text if prompt and step and prompt.step == step["id"] else None,
            "expects": self.expects().as_dict(),
            "clock_s": round(clock_s, 3),
            "budget_s": s.total_s,
            "segment": step["id"].split(".")[0] if step else None,
            "segment_remaining_s": round(max(0.0, self._step_end() - clock_s), 3) if step else None,
            "paused": bool(s.clock.paused),
            "status": s.status,
            "time_scale": s.clock.scale,
        }
