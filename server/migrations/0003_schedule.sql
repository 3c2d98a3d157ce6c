-- The daily rhythm: the couple's reminder schedule (one row; absent = the defaults) and one row
-- per reminder day and kind, so a reminder fires once (a state change, not per client), survives
-- a restart, and a skipped day stays on record.
CREATE TABLE schedule (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    debrief_time    TEXT,                       -- "HH:MM" local; NULL = no daily reminder
    review_day      TEXT CHECK (review_day IN ('monday', 'tuesday', 'wednesday', 'thursday', 'friday',
                                               'saturday', 'sunday')),   -- NULL = no weekly reminder
    review_time     TEXT    NOT NULL,
    quiet_start     TEXT,                       -- NULL = no quiet hours
    quiet_end       TEXT,
    max_snoozes     INTEGER NOT NULL CHECK (max_snoozes BETWEEN 0 AND 10),
    snooze_minutes  INTEGER NOT NULL CHECK (snooze_minutes BETWEEN 1 AND 120),
    version         INTEGER NOT NULL DEFAULT 1,
    updated_at      TEXT    NOT NULL
);

CREATE TABLE reminders (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT    NOT NULL CHECK (kind IN ('debrief', 'weekly_review')),
    day         TEXT    NOT NULL,               -- reminder day (local date; days start at 04:00)
    due_at      TEXT    NOT NULL,               -- UTC, when it is (next) to be said
    status      TEXT    NOT NULL CHECK (status IN ('scheduled', 'fired', 'accepted', 'skipped', 'silenced',
                                                   'missed', 'done')),
    source      TEXT    NOT NULL DEFAULT 'schedule' CHECK (source IN ('schedule', 'agreed', 'voice')),
    snoozes     INTEGER NOT NULL DEFAULT 0,
    fired_at    TEXT,
    updated_at  TEXT    NOT NULL,
    UNIQUE (kind, day)
);
CREATE INDEX reminders_day ON reminders (day);
