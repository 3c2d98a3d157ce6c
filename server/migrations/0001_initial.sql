-- attune's first schema. Every personal row belongs to one partner and is
-- private or shared; times are UTC ISO-8601 strings ("2026-11-26T21:30:00Z").

CREATE TABLE partners (
    id         INTEGER PRIMARY KEY,
    slot       INTEGER NOT NULL UNIQUE CHECK (slot IN (1, 2)),
    name       TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    created_at TEXT    NOT NULL
);

-- Settings edited from the web page or API; config file, env and flags still win.
CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,           -- JSON
    updated_at TEXT NOT NULL
);

-- One run of a routine: debrief, repair, inventory, timeout, weekly_review.
CREATE TABLE sessions (
    id          INTEGER PRIMARY KEY,
    routine     TEXT    NOT NULL,
    status      TEXT    NOT NULL DEFAULT 'active'
                CHECK (status IN ('active', 'completed', 'stopped', 'safety_stop', 'abandoned')),
    started_at  TEXT    NOT NULL,
    ended_at    TEXT,
    state       TEXT    NOT NULL DEFAULT '{}',   -- the routine machine's JSON state
    version     INTEGER NOT NULL DEFAULT 1,      -- optimistic concurrency (If-Match / 409)
    updated_at  TEXT    NOT NULL
);
CREATE INDEX sessions_started ON sessions (started_at);
CREATE INDEX sessions_routine ON sessions (routine, started_at);
CREATE INDEX sessions_status ON sessions (status);

-- What a partner said: feelings, needs, requests, appreciations, free-text answers.
CREATE TABLE entries (
    id          INTEGER PRIMARY KEY,
    session_id  INTEGER REFERENCES sessions (id) ON DELETE CASCADE,
    partner_id  INTEGER NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL
                CHECK (kind IN ('feeling', 'need', 'request', 'appreciation', 'answer',
                                'reflection', 'heard', 'win', 'hardest', 'rupture', 'impact',
                                'worked', 'didnt_work', 'adjust', 'note')),
    value       TEXT    NOT NULL,
    step        TEXT,
    private     INTEGER NOT NULL DEFAULT 0 CHECK (private IN (0, 1)),
    created_at  TEXT    NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX entries_session ON entries (session_id);
CREATE INDEX entries_partner_kind ON entries (partner_id, kind, created_at);
CREATE INDEX entries_created ON entries (created_at);

-- A specific, measurable repair promise.
CREATE TABLE commitments (
    id          INTEGER PRIMARY KEY,
    session_id  INTEGER REFERENCES sessions (id) ON DELETE SET NULL,
    partner_id  INTEGER NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
    what        TEXT    NOT NULL,
    due_at      TEXT,
    status      TEXT    NOT NULL DEFAULT 'open'
                CHECK (status IN ('open', 'kept', 'missed', 'partly')),
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    reviewed_at TEXT,
    version     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX commitments_status ON commitments (status, due_at);

-- Phrases the couple added themselves (the built-in ones live in YAML, keyed by id).
CREATE TABLE custom_phrases (
    id          INTEGER PRIMARY KEY,
    category    TEXT    NOT NULL,
    text        TEXT    NOT NULL,
    created_at  TEXT    NOT NULL
);

-- Every time a phrase was offered; drives least-recently-used selection.
CREATE TABLE phrase_uses (
    id          INTEGER PRIMARY KEY,
    phrase_id   TEXT    NOT NULL,   -- YAML key ("calm.3") or "custom.<id>"
    category    TEXT    NOT NULL,
    partner_id  INTEGER REFERENCES partners (id) ON DELETE SET NULL,
    session_id  INTEGER REFERENCES sessions (id) ON DELETE SET NULL,
    used_at     TEXT    NOT NULL
);
CREATE INDEX phrase_uses_phrase ON phrase_uses (phrase_id, used_at);
CREATE INDEX phrase_uses_used ON phrase_uses (used_at);

CREATE TABLE favourites (
    id          INTEGER PRIMARY KEY,
    phrase_id   TEXT    NOT NULL,
    partner_id  INTEGER REFERENCES partners (id) ON DELETE CASCADE,
    created_at  TEXT    NOT NULL,
    UNIQUE (phrase_id, partner_id)
);

CREATE TABLE weekly_reviews (
    id          INTEGER PRIMARY KEY,
    session_id  INTEGER REFERENCES sessions (id) ON DELETE SET NULL,
    week_start  TEXT    NOT NULL,      -- ISO date of the Monday
    figures     TEXT    NOT NULL DEFAULT '{}',   -- JSON: debriefs, top needs, promises, rituals
    worked      TEXT,
    didnt_work  TEXT,
    adjust      TEXT,
    created_at  TEXT    NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX weekly_reviews_week ON weekly_reviews (week_start);

CREATE TABLE ritual_log (
    id          INTEGER PRIMARY KEY,
    ritual      TEXT    NOT NULL,
    partner_id  INTEGER REFERENCES partners (id) ON DELETE SET NULL,
    note        TEXT,
    logged_at   TEXT    NOT NULL
);
CREATE INDEX ritual_log_logged ON ritual_log (logged_at);

-- What attune said (prompts, time announcements), for the voice loop and the page to follow.
CREATE TABLE utterances (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id  INTEGER REFERENCES sessions (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL CHECK (kind IN ('prompt', 'announcement', 'reprompt', 'info', 'end')),
    routine     TEXT,
    step        TEXT,
    text        TEXT    NOT NULL,
    clock_s     REAL    NOT NULL DEFAULT 0,
    created_at  TEXT    NOT NULL
);
CREATE INDEX utterances_session ON utterances (session_id, seq);

-- Idempotency: a replayed request with the same key gets the first answer back.
CREATE TABLE idempotency (
    key         TEXT PRIMARY KEY,
    method      TEXT NOT NULL,
    path        TEXT NOT NULL,
    status      INTEGER NOT NULL,
    response    TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
