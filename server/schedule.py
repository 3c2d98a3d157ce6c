"""The daily rhythm's glue: the schedule and reminder rows in SQLite, around the pure
`server.routines.reminders` machine. No Flask: the runner and the API call it with plain values.

A reminder is said by the poll that finds it due (GET /utterances, what every voice loop
calls): the check reads first and writes only when something is due, then decides again
inside one write transaction, so two loops polling at once still fire it once.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable, Mapping

from server.errors import ApiError
from intents.names import WEEKDAYS
from server.routines import reminders as rm
from server.routines.due import from_iso, to_iso
from server.routines.language import language
from server.store import Store

DEFAULT = rm.Schedule()
SCHEDULE_FIELDS = tuple(asdict(DEFAULT))
MAX_PROMISES_SAID = 2
"""Due promises named one by one in a debrief reminder; more are counted."""


def local(now: float) -> datetime:
    """Wall-clock seconds as an aware datetime in this machine's time zone."""
    return datetime.fromtimestamp(now, timezone.utc).astimezone()


def _moment(iso: str, tz) -> datetime:
    return from_iso(iso).astimezone(tz)


def _clock_ok(hhmm: str | None) -> bool:
    try:
        rm.parse_hhmm(hhmm or "")
    except ValueError:
        return False
    return True


def check_schedule(values: Mapping[str, Any]) -> rm.Schedule:
    """A Schedule from plain values (ApiError 400 naming the field when one is wrong)."""
    merged = {**asdict(DEFAULT), **values}
    for name in ("debrief_time", "review_time", "quiet_start", "quiet_end"):
        value = merged[name]
        if value is None and name != "review_time":
            continue
        try:
            merged[name] = rm.parse_hhmm(str(value)).strftime("%H:%M")
        except ValueError as exc:
            raise ApiError(400, f"{name}: {exc}", name, "invalid") from None
    if merged["review_day"] is not None and merged["review_day"] not in WEEKDAYS:
        raise ApiError(400, f"review_day: must be one of {', '.join(WEEKDAYS)} or null", "review_day", "invalid")
    if (merged["quiet_start"] is None) != (merged["quiet_end"] is None):
        raise ApiError(400, "quiet_end: quiet hours need both a start and an end (or neither)", "quiet_end",
                       "invalid")
    for name, low, high in (("max_snoozes", 0, 10), ("snooze_minutes", *rm.SNOOZE_RANGE)):
        value = merged[name]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ApiError(400, f"{name}: must be a whole number from {low} to {high}", name, "invalid")
    return rm.Schedule(**merged)


class Rhythm:
    """The schedule and reminders of one app (one store)."""

    def __init__(self, store: Store, locale: Callable[[], str] = lambda: "en"):
        self.store = store
        self._locale = locale

    @property
    def locale(self) -> str:
        return self._locale()

    @property
    def db(self):
        return self.store.db

    # -- the schedule ----------------------------------------------------------------------
    def schedule_row(self) -> dict[str, Any]:
        """The schedule as the API shows it: every field, its version and when it changed."""
        row = self.db.read().execute("SELECT * FROM schedule WHERE id = 1").fetchone()
        if row is None:
            return {**asdict(DEFAULT), "version": 0, "updated_at": None}
        return {**{k: row[k] for k in SCHEDULE_FIELDS}, "version": row["version"], "updated_at": row["updated_at"]}

    def schedule(self) -> rm.Schedule:
        row = self.schedule_row()
        return rm.Schedule(**{k: row[k] for k in SCHEDULE_FIELDS})

    def update_schedule(self, changes: Mapping[str, Any], now: float,
                        expected_version: int | None = None) -> dict[str, Any]:
        """Change some fields (others keep their value); 409 on a stale version."""
        with self.db.write() as conn:
            row = self.schedule_row()
            if expected_version is not None and expected_version != row["version"]:
                raise ApiError(409, f"the schedule changed meanwhile (version {row['version']}, you sent "
                                    f"{expected_version}); read it again", "version", "version_conflict")
            new = check_schedule({**{k: row[k] for k in SCHEDULE_FIELDS}, **changes})
            values = asdict(new)
            conn.execute(
                "INSERT INTO schedule (id, debrief_time, review_day, review_time, quiet_start, quiet_end,"
                " max_snoozes, snooze_minutes, version, updated_at) VALUES (1, :debrief_time, :review_day,"
                " :review_time, :quiet_start, :quiet_end, :max_snoozes, :snooze_minutes, 1, :now)"
                " ON CONFLICT (id) DO UPDATE SET debrief_time = :debrief_time, review_day = :review_day,"
                " review_time = :review_time, quiet_start = :quiet_start, quiet_end = :quiet_end,"
                " max_snoozes = :max_snoozes, snooze_minutes = :snooze_minutes, version = version + 1,"
                " updated_at = :now", {**values, "now": to_iso(local(now))})
            return self.schedule_row()

    # -- reminder rows ---------------------------------------------------------------------
    @staticmethod
    def _reminder(row, tz) -> rm.Reminder:
        return rm.Reminder(row["kind"], date.fromisoformat(row["day"]), _moment(row["due_at"], tz), row["status"],
                           row["snoozes"], _moment(row["fired_at"], tz) if row["fired_at"] else None, row["source"])

    def _day(self, day: date, tz) -> dict[str, rm.Reminder]:
        rows = self.db.read().execute("SELECT * FROM reminders WHERE day = ?", (day.isoformat(),)).fetchall()
        return {r["kind"]: self._reminder(r, tz) for r in rows}

    def _stored(self, since: date, tz) -> dict[tuple[str, date], rm.Reminder]:
        rows = self.db.read().execute("SELECT * FROM reminders WHERE day >= ?", (since.isoformat(),)).fetchall()
        return {(r["kind"], date.fromisoformat(r["day"])): self._reminder(r, tz) for r in rows}

    def _save(self, reminder: rm.Reminder, now: datetime) -> None:
        self.db.connection().execute(
            "INSERT INTO reminders (kind, day, due_at, status, source, snoozes, fired_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (kind, day) DO UPDATE SET due_at = excluded.due_at,"
            " status = excluded.status, source = excluded.source, snoozes = excluded.snoozes,"
            " fired_at = excluded.fired_at, updated_at = excluded.updated_at",
            (reminder.kind, reminder.day.isoformat(), to_iso(reminder.due), reminder.status, reminder.source,
             reminder.snoozes, to_iso(reminder.fired_at) if reminder.fired_at else None, to_iso(now)))

    def _today(self, now: datetime) -> list[rm.Reminder]:
        schedule, day = self.schedule(), rm.reminder_day(now)
        stored = self._day(day, now.tzinfo)
        return [r for kind in rm.KINDS if (r := rm.current(schedule, kind, day, stored.get(kind), now.tzinfo))]

    def _facts(self, now: datetime, busy: bool) -> rm.Facts:
        start = datetime.combine(rm.reminder_day(now), rm.DAY_START, now.tzinfo)
        done = []
        for kind, since in (("debrief", start), ("weekly_review", start - timedelta(days=6))):
            found = self.db.read().execute(
                "SELECT 1 FROM sessions WHERE routine = ? AND status = 'completed' AND started_at >= ? LIMIT 1",
                (kind, to_iso(since))).fetchone()
            if found:
                done.append(kind)
        return rm.Facts(busy=busy, done=tuple(done))

    # -- ticking ---------------------------------------------------------------------------
    def tick(self, now_s: float, busy: bool = False) -> list[dict[str, Any]]:
        """Fire what is due at `now_s` (utterance rows for what was said); cheap when nothing is."""
        now, schedule = local(now_s), self.schedule()
        if not any(rm.step(r, schedule, now, rm.Facts(busy=busy)) for r in self._today(now)):
            return []  # the usual case: read only, no write lock (idle polls come many times a second)
        said = []
        with self.db.write():
            changes = rm.tick(self.schedule(), now, self._today(now), self._facts(now, busy))
            for change in changes:
                self._save(change.reminder, now)
                if change.action == "fire":
                    said.append(self.store.add_utterance(None, "prompt", "reminder", change.reminder.kind,
                                                         self._reminder_text(change.reminder, now), 0.0))
        return said

    def pending(self, now_s: float) -> rm.Reminder | None:
        """The reminder said and waiting for yes / snooze / skip tonight / not now."""
        now = local(now_s)
        return rm.pending(list(self._day(rm.reminder_day(now), now.tzinfo).values()), now)

    def started(self, routine: str, now_s: float) -> None:
        """A routine started (by "yes", by name, or on the page): the reminder waiting for it is answered."""
        waiting = self.pending(now_s)
        if waiting is not None and rm.STARTS[waiting.kind] == routine:
            with self.db.write():
                self._save(replace(waiting, status="accepted"), local(now_s))

    # -- answers ---------------------------------------------------------------------------
    def takes(self, intent: str | None, running: bool, now_s: float) -> bool:
        """Whether the rhythm answers this intent now (else the routines do)."""
        if intent in ("SetReminder", "MoveWeeklyReview", "NextReminder"):
            return True
        if running:
            return False
        if intent in ("Snooze", "SkipTonight", "NotNow"):
            return True
        return intent in ("Yes", "No") and self.pending(now_s) is not None

    def handle(self, intent: str, slots: Mapping[str, str], now_s: float) -> tuple[list[dict], str | None]:
        """Apply a schedule intent: (utterance rows said, routine to start or None)."""
        now = local(now_s)
        with self.db.write():
            if intent == "SetReminder":
                return [self._set_debrief_time(slots.get("time"), now_s, now)], None
            if intent == "MoveWeeklyReview":
                return [self._move_review(slots, now_s)], None
            if intent == "NextReminder":
                key, values = self._next_text(now)
                return [self._say(key, **values)], None
            return self._answer(intent, slots, now)

    def _answer(self, intent: str, slots: Mapping[str, str], now: datetime) -> tuple[list[dict], str | None]:
        schedule, today = self.schedule(), self._today(now)
        waiting = rm.pending(today, now)
        if waiting is None:
            if intent == "Snooze":
                return [self._say("reminder.nothing_to_snooze")], None
            waiting = next((r for r in today if r.kind == "debrief" and not r.final), None)
            if waiting is None:
                return [self._say("reminder.nothing_left_tonight")], None
        minutes = int(slots["minutes"]) if str(slots.get("minutes", "")).isdigit() else None
        result = rm.answer(waiting, intent, now, schedule, minutes)
        self._save(result.reminder, now)
        if result.reminder.status == "silenced":  # "not now" quiets the whole evening
            for other in today:
                if other.kind != waiting.kind and not other.final:
                    self._save(replace(other, status="silenced"), now)
        values = {"minutes": result.minutes, "max": schedule.max_snoozes,
                  "time": self._next_debrief_time(schedule, now),
                  "routine": language(self.locale).text(f"routine_names.{waiting.kind}")}
        return [self._say(result.key, **values)], result.start

    def _next_debrief_time(self, schedule: rm.Schedule, now: datetime) -> str:
        tomorrow = rm.reminder_day(now) + timedelta(days=1)
        stored = self._day(tomorrow, now.tzinfo).get("debrief")
        reminder = rm.current(schedule, "debrief", tomorrow, stored, now.tzinfo)
        return reminder.due.strftime("%H:%M") if reminder else ""

    def _set_debrief_time(self, hhmm: str | None, now_s: float, now: datetime) -> dict:
        if not _clock_ok(hhmm):
            return self._say("reminder.which_time")
        row = self.update_schedule({"debrief_time": hhmm}, now_s)
        today = self._day(rm.reminder_day(now), now.tzinfo).get("debrief")
        if today is not None and today.status in ("scheduled", "fired"):
            due = rm.at(today.day, row["debrief_time"], now.tzinfo)
            if due > now:  # "remind us at half nine" after tonight's reminder: tonight too
                self._save(replace(today, status="scheduled", due=due, fired_at=None, source="voice"), now)
        return self._say("reminder.set", time=row["debrief_time"])

    def _move_review(self, slots: Mapping[str, str], now_s: float) -> dict:
        changes = {k: slots[s] for k, s in (("review_day", "day"), ("review_time", "time")) if slots.get(s)}
        if changes.get("review_day", "sunday") not in WEEKDAYS or not _clock_ok(changes.get("review_time", "19:00")):
            changes = {}  # a slot no template gives (an API client's): ask again rather than fail
        if not changes:
            return self._say("reminder.which_day")
        if "review_day" not in changes and self.schedule().review_day is None:
            changes["review_day"] = DEFAULT.review_day  # a time for a switched-off review switches it back on
        row = self.update_schedule(changes, now_s)
        return self._say("reminder.review_moved", day=row["review_day"].capitalize(), time=row["review_time"])

    def agree(self, text: str, now_s: float) -> bool:
        """The time agreed at the end of a debrief becomes tomorrow's reminder (that day only)."""
        hhmm = rm.clock_time(text, self.locale)
        if hhmm is None:
            return False
        now = local(now_s)
        day = rm.reminder_day(now) + timedelta(days=1)
        with self.db.write():
            stored = self._day(day, now.tzinfo).get("debrief")
            if stored is not None and stored.final:
                return False
            self._save(rm.Reminder("debrief", day, rm.at(day, hhmm, now.tzinfo), source="agreed"), now)
        return True

    # -- what is said ----------------------------------------------------------------------
    def _say(self, key: str, **values: Any) -> dict:
        text = language(self.locale).sentence(key, **values)
        return self.store.add_utterance(None, "info", "reminder", None, text, 0.0)

    def _reminder_text(self, reminder: rm.Reminder, now: datetime) -> str:
        lang = language(self.locale)
        key = "reminder.again" if reminder.snoozes else f"reminder.{reminder.kind}"
        parts = [lang.sentence(key, time=reminder.due.strftime("%H:%M"),
                               routine=lang.text(f"routine_names.{reminder.kind}"))]
        if reminder.kind == "debrief":
            parts += self._due_promises(reminder.day, now)
        else:
            count = len(self.store.list_commitments(status="open", limit=10_000))
            if count:
                parts.append(lang.sentence("reminder.open_promise" if count == 1 else "reminder.open_promises",
                                           n=count))
        parts.append(lang.sentence("reminder.question"))
        return " ".join(parts)

    def _due_promises(self, day: date, now: datetime) -> list[str]:
        start = datetime.combine(day, rm.DAY_START, now.tzinfo)
        names = {p["id"]: p["name"] for p in self.store.partners()}
        due = [c for c in self.store.list_commitments(status="open", due_before=to_iso(start + timedelta(days=1)),
                                                      limit=10_000) if c["due_at"] and c["due_at"] >= to_iso(start)]
        lang = language(self.locale)
        said = [lang.sentence("reminder.promise_due", who=names.get(c["partner_id"], ""), what=c["what"])
                for c in due[:MAX_PROMISES_SAID]]
        if len(due) > MAX_PROMISES_SAID:
            said.append(lang.sentence("reminder.more_promises_due", n=len(due) - MAX_PROMISES_SAID))
        return said

    def _next_text(self, now: datetime) -> tuple[str, dict[str, Any]]:
        upcoming = self.upcoming_reminders(now)
        if not upcoming:
            return "reminder.none_scheduled", {}
        first = upcoming[0]
        return "reminder.next", {"routine": language(self.locale).text(f"routine_names.{first.kind}"),
                                 "when": self._when(first.due, now)}

    def _when(self, moment: datetime, now: datetime) -> str:
        lang = language(self.locale)
        days = (rm.reminder_day(moment) - rm.reminder_day(now)).days
        hhmm = moment.strftime("%H:%M")
        if days <= 0:
            return lang.text("reminder.when_today", time=hhmm)
        if days == 1:
            return lang.text("reminder.when_tomorrow", time=hhmm)
        return lang.text("reminder.when_day", day=moment.strftime("%A"), time=hhmm)

    # -- views -----------------------------------------------------------------------------
    def upcoming_reminders(self, now: datetime) -> list[rm.Reminder]:
        today = rm.reminder_day(now)
        return rm.upcoming(self.schedule(), now, self._stored(today, now.tzinfo))

    def upcoming(self, now_s: float, limit: int = 16) -> list[dict[str, Any]]:
        """The next reminders, soonest first, as JSON-ready dicts."""
        now = local(now_s)
        return [self.as_dict(r, now) for r in self.upcoming_reminders(now)[:limit]]

    def history(self, limit: int = 30) -> list[dict[str, Any]]:
        """Stored reminders, newest day first (skipped days included)."""
        rows = self.db.read().execute("SELECT * FROM reminders ORDER BY day DESC, kind LIMIT ?", (limit,)).fetchall()
        return [{"kind": r["kind"], "day": r["day"], "due_at": r["due_at"], "status": r["status"],
                 "source": r["source"], "snoozes": r["snoozes"], "fired_at": r["fired_at"]} for r in rows]

    def as_dict(self, reminder: rm.Reminder, now: datetime | float) -> dict[str, Any]:
        """One reminder as JSON: kind, day, due_at (UTC), local_time, when (spoken form), status, ..."""
        now = local(now) if isinstance(now, (int, float)) else now
        return {"kind": reminder.kind, "day": reminder.day.isoformat(), "due_at": to_iso(reminder.due),
                "local_time": reminder.due.strftime("%H:%M"), "when": self._when(reminder.due, now),
                "status": reminder.status, "source": reminder.source, "snoozes": reminder.snoozes}
