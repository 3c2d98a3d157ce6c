-- Private means private (issue 21). A partner's private entries are sealed to that partner's
-- X25519 public key (HPKE); the matching private key is kept wrapped with a key derived from
-- their passcode (scrypt, AES-256-GCM), or as is while they have no passcode yet.
CREATE TABLE partner_keys (
    partner_id  INTEGER PRIMARY KEY REFERENCES partners (id) ON DELETE CASCADE,
    public_key  BLOB    NOT NULL,
    private_key BLOB    NOT NULL,   -- raw while no passcode is set, else AES-256-GCM ciphertext
    salt        BLOB,               -- scrypt salt (NULL: no passcode)
    nonce       BLOB,
    scrypt_n    INTEGER,
    updated_at  TEXT    NOT NULL
);

-- A private entry's words: value is '' and sealed holds the HPKE ciphertext.
ALTER TABLE entries ADD COLUMN sealed BLOB;

-- Wrong passcodes per partner, for the back-off (no passcode text is ever stored).
CREATE TABLE passcode_attempts (
    partner_id  INTEGER PRIMARY KEY REFERENCES partners (id) ON DELETE CASCADE,
    failures    INTEGER NOT NULL DEFAULT 0,
    next_try_at REAL    NOT NULL DEFAULT 0
);

-- What happened to the locks: passcodes set or changed, wrong passcodes, phones paired or
-- revoked, everything deleted. Never any entry's words or a passcode.
CREATE TABLE security_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT    NOT NULL,
    event       TEXT    NOT NULL,
    partner     TEXT,
    detail      TEXT
);

-- Phones paired on the home network: only a SHA-256 of each device's token is kept.
CREATE TABLE devices (
    id           INTEGER PRIMARY KEY,
    token_hash   TEXT    NOT NULL UNIQUE,
    partner_id   INTEGER NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
    label        TEXT    NOT NULL,
    created_at   TEXT    NOT NULL,
    last_seen_at TEXT
);

-- One-time pairing links (hash of the link's token), valid until expires_at (unix seconds).
CREATE TABLE pairing_links (
    token_hash  TEXT    PRIMARY KEY,
    partner_id  INTEGER NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
    expires_at  REAL    NOT NULL,
    created_at  TEXT    NOT NULL
);
