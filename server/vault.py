"""Sealing private entries per partner, passcodes, unlocks and the security log. No Flask here.

Each partner has an X25519 key pair. A private entry's words are sealed to the partner's
public key with HPKE (RFC 9180: X25519, HKDF-SHA256, AES-256-GCM, from `cryptography`), so
anyone can write a private entry (the voice loop, the page, a phone) but only the key's
owner can read it. The private key is kept wrapped with AES-256-GCM under a key derived
from the partner's passcode with scrypt (memory-hard); until they set a passcode it is
kept as is (see docs/privacy.md for why). Changing the passcode re-wraps the key; a
forgotten passcode cannot be recovered, and nor can the entries.

An unlock is an in-memory (never stored) map from a random token to the opened key, good
for `unlock_minutes`. Wrong passcodes back off exponentially per partner and are logged
without their text.
"""

from __future__ import annotations

import hashlib
import math
import os
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Iterable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from server.db import Database
from server.errors import ApiError

SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
SCRYPT_N = 2 ** 15  # 32 MiB with r=8: about 0.1 s here, and as much memory for every guess
SCRYPT_R, SCRYPT_P = 8, 1
MIN_PASSCODE = 6
MAX_PASSCODE = 200
FREE_TRIES = 3
"""Wrong passcodes in a row before the back-off starts (then 2, 4, 8 ... seconds, at most MAX_WAIT_S)."""
MAX_WAIT_S = 900
RECENT_S = 3600
"""How long a just-written private answer stays in memory so "share it" can share it."""
FORGOTTEN = ("There is no back door: if this passcode is forgotten, the private entries it locks "
             "cannot be read by anyone, ever.")


def _info(partner_id: int) -> bytes:
    return b"attune private entry v1 partner %d" % partner_id


def _derive(passcode: str, salt: bytes, n: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=SCRYPT_R, p=SCRYPT_P).derive(passcode.encode("utf-8"))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


def check_passcode_shape(passcode: Any, field: str = "passcode") -> str:
    if not isinstance(passcode, str) or not MIN_PASSCODE <= len(passcode) <= MAX_PASSCODE:
        raise ApiError(400, f"{field}: a passcode is {MIN_PASSCODE} to {MAX_PASSCODE} characters", field, "invalid")
    if not passcode.isprintable():
        raise ApiError(400, f"{field}: a passcode is printable text", field, "invalid")
    return passcode


@dataclass(frozen=True)
class Unlock:
    partner_id: int
    key: X25519PrivateKey
    expires_at: float


class Vault:
    """Keys, seals and unlocks for one database."""

    def __init__(self, db: Database, clock: Callable[[], float] = time.time, unlock_s: float = 600.0):
        self.db = db
        self.clock = clock
        self.unlock_s = unlock_s
        self._lock = threading.Lock()
        self._unlocks: dict[str, Unlock] = {}
        self._recent: dict[int, tuple[str, float]] = {}
        self._sealing = threading.local()

    # -- keys ----------------------------------------------------------------------------
    def _row(self, partner_id: int):
        return self.db.read().execute("SELECT * FROM partner_keys WHERE partner_id = ?", (partner_id,)).fetchone()

    def public_key(self, partner_id: int) -> X25519PublicKey:
        """The partner's public key (the key pair is made on first use, with no passcode yet)."""
        with self.db.write() as conn:
            row = conn.execute("SELECT public_key FROM partner_keys WHERE partner_id = ?", (partner_id,)).fetchone()
            if row is None:
                key = X25519PrivateKey.generate()
                public = key.public_key().public_bytes_raw()
                conn.execute("INSERT INTO partner_keys (partner_id, public_key, private_key, updated_at)"
                             " VALUES (?, ?, ?, ?)", (partner_id, public, key.private_bytes_raw(), self._now()))
                return key.public_key()
            return X25519PublicKey.from_public_bytes(bytes(row["public_key"]))

    def has_passcode(self, partner_id: int) -> bool:
        row = self._row(partner_id)
        return row is not None and row["salt"] is not None

    def open_key(self, partner_id: int) -> X25519PrivateKey | None:
        """The key of a partner with no passcode (None once a passcode locks it)."""
        row = self._row(partner_id)
        if row is None or row["salt"] is not None:
            return None
        return X25519PrivateKey.from_private_bytes(bytes(row["private_key"]))

    # -- sealing -------------------------------------------------------------------------
    def seal(self, partner_id: int, text: str) -> bytes:
        captured = getattr(self._sealing, "texts", None)
        if captured is not None:
            captured.append(text)
        return SUITE.encrypt(text.encode("utf-8"), self.public_key(partner_id), info=_info(partner_id))

    def capture(self) -> None:
        """Start noting the words this thread seals (so a stored reply can be checked for them)."""
        self._sealing.texts = []

    def captured(self) -> list[str]:
        """The words sealed since capture(), and stop noting."""
        texts, self._sealing.texts = getattr(self._sealing, "texts", None) or [], None
        return texts

    @staticmethod
    def open(key: X25519PrivateKey, partner_id: int, sealed: bytes) -> str | None:
        try:
            return SUITE.decrypt(bytes(sealed), key, info=_info(partner_id)).decode("utf-8")
        except (InvalidTag, ValueError):
            return None

    def remember(self, entry_id: int, text: str) -> None:
        """Keep a just-written private answer in memory for an hour (only to share it if asked)."""
        now = self.clock()
        with self._lock:
            self._recent = {k: v for k, v in self._recent.items() if v[1] > now}
            self._recent[entry_id] = (text, now + RECENT_S)

    def recent(self, entry_id: int) -> str | None:
        with self._lock:
            found = self._recent.get(entry_id)
        return found[0] if found and found[1] > self.clock() else None

    def drop_recent(self, entry_id: int) -> None:
        with self._lock:
            self._recent.pop(entry_id, None)

    # -- passcodes -----------------------------------------------------------------------
    def verify(self, partner_id: int, name: str, passcode: str) -> X25519PrivateKey:
        """The partner's key if `passcode` opens it; 403 if wrong, 429 while backing off."""
        now = self.clock()
        row = self._row(partner_id)
        if row is None or row["salt"] is None:
            raise ApiError(409, f"{name} has no passcode yet", "passcode", "no_passcode")
        wait = self._wait(partner_id, now)
        if wait > 0:
            error = ApiError(429, f"too many wrong passcodes for {name}: try again in {math.ceil(wait)} s",
                             "passcode", "rate_limited")
            error.retry_after = wait
            raise error
        try:
            wrapping = _derive(passcode, bytes(row["salt"]), int(row["scrypt_n"]))
            raw = AESGCM(wrapping).decrypt(bytes(row["nonce"]), bytes(row["private_key"]), _info(partner_id))
        except InvalidTag:
            failures = self._failed(partner_id, now)
            self.log("wrong_passcode", name, f"{failures} wrong in a row")
            raise ApiError(403, f"that is not {name}'s passcode", "passcode", "wrong_passcode") from None
        with self.db.write() as conn:
            conn.execute("DELETE FROM passcode_attempts WHERE partner_id = ?", (partner_id,))
        return X25519PrivateKey.from_private_bytes(raw)

    def _wait(self, partner_id: int, now: float) -> float:
        row = self.db.read().execute("SELECT next_try_at FROM passcode_attempts WHERE partner_id = ?",
                                     (partner_id,)).fetchone()
        return 0.0 if row is None else max(0.0, float(row["next_try_at"]) - now)

    def _failed(self, partner_id: int, now: float) -> int:
        with self.db.write() as conn:
            row = conn.execute("SELECT failures FROM passcode_attempts WHERE partner_id = ?",
                               (partner_id,)).fetchone()
            failures = (row["failures"] if row else 0) + 1
            wait = 0 if failures < FREE_TRIES else min(MAX_WAIT_S, 2 ** (failures - FREE_TRIES + 1))
            conn.execute("INSERT INTO passcode_attempts (partner_id, failures, next_try_at) VALUES (?, ?, ?)"
                         " ON CONFLICT(partner_id) DO UPDATE SET failures = excluded.failures,"
                         " next_try_at = excluded.next_try_at", (partner_id, failures, now + wait))
            return failures

    def set_passcode(self, partner_id: int, name: str, new: str, current: str | None = None,
                     key: X25519PrivateKey | None = None) -> None:
        """Set or change the passcode: the key is re-wrapped under the new one.

        Changing needs the current passcode or an already opened key (an unlock)."""
        check_passcode_shape(new, "passcode")
        had = self.has_passcode(partner_id)
        if had and key is None:
            if current is None:
                raise ApiError(403, f"{name} already has a passcode: give the current one to change it",
                               "current", "current_required")
            key = self.verify(partner_id, name, current)
        if key is None:
            self.public_key(partner_id)
            key = self.open_key(partner_id)
        salt, nonce = os.urandom(16), os.urandom(12)
        wrapped = AESGCM(_derive(new, salt, SCRYPT_N)).encrypt(nonce, key.private_bytes_raw(), _info(partner_id))
        with self.db.write() as conn:
            conn.execute("UPDATE partner_keys SET private_key = ?, salt = ?, nonce = ?, scrypt_n = ?, updated_at = ?"
                         " WHERE partner_id = ?", (wrapped, salt, nonce, SCRYPT_N, self._now(), partner_id))
            conn.execute("DELETE FROM passcode_attempts WHERE partner_id = ?", (partner_id,))
            self.log("passcode_changed" if had else "passcode_set", name)
        self.checkpoint()  # the unwrapped key must not linger in the WAL

    def forget(self, partner_id: int, name: str) -> int:
        """For a forgotten passcode: delete the partner's private entries and key (a new key pair is
        made on next use, with no passcode). Returns how many entries were deleted."""
        with self.db.write() as conn:
            gone = conn.execute("DELETE FROM entries WHERE partner_id = ? AND private = 1", (partner_id,)).rowcount
            conn.execute("DELETE FROM partner_keys WHERE partner_id = ?", (partner_id,))
            conn.execute("DELETE FROM passcode_attempts WHERE partner_id = ?", (partner_id,))
            self.log("passcode_forgotten", name, f"{gone} private entries deleted")
        self.lock(partner_id=partner_id)
        self.checkpoint()
        return gone

    def checkpoint(self) -> None:
        try:
            self.db.connection().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except Exception:  # noqa: BLE001  (a reader holds the WAL; the next checkpoint will do it)
            pass

    # -- unlocks -------------------------------------------------------------------------
    def unlock(self, partner_id: int, name: str, passcode: str) -> tuple[str, float]:
        """(token, expires_at) for a session that may read the partner's private entries."""
        key = self.verify(partner_id, name, passcode)
        return self.open_session(partner_id, key)

    def open_session(self, partner_id: int, key: X25519PrivateKey) -> tuple[str, float]:
        token = secrets.token_urlsafe(32)
        expires = self.clock() + self.unlock_s
        with self._lock:
            now = self.clock()
            self._unlocks = {k: u for k, u in self._unlocks.items() if u.expires_at > now}
            self._unlocks[token_hash(token)] = Unlock(partner_id, key, expires)
        return token, expires

    def unlocked(self, token: str | None) -> Unlock | None:
        if not token:
            return None
        with self._lock:
            found = self._unlocks.get(token_hash(token))
        return found if found is not None and found.expires_at > self.clock() else None

    def lock(self, token: str | None = None, partner_id: int | None = None) -> None:
        """End one unlock (by token) or every unlock of a partner (or all, with neither)."""
        with self._lock:
            if token:
                self._unlocks.pop(token_hash(token), None)
            else:
                self._unlocks = {k: u for k, u in self._unlocks.items()
                                 if partner_id is not None and u.partner_id != partner_id}

    # -- reading -------------------------------------------------------------------------
    def reveal(self, entries: Iterable[dict[str, Any]], keys: dict[int, X25519PrivateKey]) -> None:
        """Fill in the words of private entries whose owner's key is in `keys` (others stay None)."""
        for entry in entries:
            sealed = entry.pop("sealed", None)
            if not entry.get("private") or sealed is None:
                entry.setdefault("locked", False)
                continue
            key = keys.get(entry["partner_id"])
            text = self.open(key, entry["partner_id"], sealed) if key is not None else None
            entry["value"], entry["locked"] = text, text is None

    # -- the log -------------------------------------------------------------------------
    def _now(self) -> str:
        moment = datetime.fromtimestamp(self.clock(), timezone.utc)
        return moment.isoformat(timespec="seconds").replace("+00:00", "Z")

    def log(self, event: str, partner: str | None = None, detail: str | None = None) -> None:
        with self.db.write() as conn:
            conn.execute("INSERT INTO security_log (at, event, partner, detail) VALUES (?, ?, ?, ?)",
                         (self._now(), event, partner, detail))

    def events(self, limit: int = 50) -> list[dict[str, Any]]:
        rows = self.db.read().execute("SELECT at, event, partner, detail FROM security_log"
                                      " ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
        return [dict(r) for r in rows]
