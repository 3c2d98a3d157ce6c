-- Remember what each Idempotency-Key was first used for, so reusing a key for a
-- different request is refused (409) instead of silently answering the old one.
ALTER TABLE idempotency ADD COLUMN request_hash TEXT NOT NULL DEFAULT '';
CREATE INDEX idempotency_created ON idempotency (created_at);
