-- Each edit, move or delete of a single entry, logged: what kind of change, when, and by which
-- partner (the view it was made in; NULL = together). Never the words: a deleted entry stays deleted.
CREATE TABLE entry_changes (
    id          INTEGER PRIMARY KEY,
    entry_id    INTEGER NOT NULL,                -- no foreign key: the row outlives a deleted entry
    action      TEXT    NOT NULL CHECK (action IN ('edit', 'move', 'privacy', 'delete')),
    partner_id  INTEGER REFERENCES partners (id) ON DELETE SET NULL,
    changed_at  TEXT    NOT NULL
);
CREATE INDEX entry_changes_entry ON entry_changes (entry_id);
