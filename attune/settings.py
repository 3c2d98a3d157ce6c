"""Settings: defaults, then a TOML file, then ATTUNE_* environment variables, then flags.

Later layers win. The result is a frozen `Settings` plus a record of which layer
set each key, so the web page can say "this is fixed by ATTUNE_PARTNERS".
Pure: no Flask, no audio; reading the TOML file is the only I/O.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Callable, Mapping

from attune.paths import config_path as default_config_file, default_data_dir

DEFAULT_PORT = 5317
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
ENDPOINTERS = ("silero", "energy")
"""Values of the `endpointer` setting (--endpointer): the first is the default."""


class SettingsError(ValueError):
    """A setting has a bad value; the message names the key and where it came from."""


@dataclass(frozen=True)
class Settings:
    """Everything attune is configured with. Units are in the field names or docstrings."""

    host: str = "127.0.0.1"
    """Address the state service binds to; loopback unless an access token is set."""
    port: int = DEFAULT_PORT
    """TCP port of the state service."""
    db_path: Path = field(default_factory=lambda: default_data_dir() / "attune.sqlite3")
    """SQLite database file (created with mode 0600)."""
    partners: tuple[str, ...] = ("Alex", "Sam")
    """The two partners' names, in turn order."""
    locale: str = "en"
    """Language of prompts, phrases and templates."""
    helpline_locale: str = "en-US"
    """Which help lines the safety message reads out."""
    access_token: str | None = None
    """Required on every request when bound to a non-loopback address."""
    rituals: tuple[str, ...] = ()
    """Extra ritual names besides the built-in ones."""
    voice: str | None = None
    """pyttsx3 voice id (None: the engine default)."""
    voice_rate: int = 165
    """Speech rate in words per minute."""
    voice_volume: float = 0.9
    """Speech volume, 0.0 to 1.0."""
    input_device: str | None = None
    """sounddevice input device name or index (None: system default)."""
    output_device: str | None = None
    """sounddevice output device name or index (None: system default)."""
    time_scale: float = 1.0
    """Routine clocks run this many times faster (demos and end-to-end tests)."""
    server_url: str | None = None
    """Where the voice loop finds the state service (None: http://host:port)."""
    max_body_bytes: int = 64 * 1024
    """Largest request body the API accepts, in bytes."""
    routine_timings: Mapping[str, Any] = field(default_factory=dict, hash=False)
    """Per-routine step budgets in seconds, e.g. {"repair": {"what": 120}, "timeout": {"break": 1800}}
    (checked by server.routines.timings.validate_timings; used by routines started afterwards)."""
    wake_phrases: tuple[str, ...] = ("attune",)
    """What addresses attune by voice: the first is the default, others are alternatives (at most 5)."""
    wake_threshold: float = 1e-30
    """Wake phrase sensitivity: pocketsphinx keyphrase threshold, 1e-50 (eager) to 1e-5 (strict)."""
    addressed_s: float = 6.0
    """Seconds attune keeps listening without the wake phrase after it was woken or asked a question."""
    endpointer: str = ENDPOINTERS[0]
    """What finds where speech starts and ends: "silero" (Silero VAD, a small neural network) or
    "energy" (level above the noise floor). Silero measured better in kitchen noise (bench/results/endpoint.md)."""
    whisper_model: str | None = None
    """The second pass's Whisper model: a packaged model's name ("tiny.en", "base") or a CTranslate2
    Whisper folder (None: the default, tiny.en; `voice.asr.whisper_models.PACKAGED`)."""
    lan: bool = False
    """Also listen on the home network over HTTPS, for paired phones (`attune serve --lan`)."""
    lan_host: str | None = None
    """The home-network address to listen on (None: the address of this machine's default route)."""
    lan_port: int = DEFAULT_PORT + 1
    """TCP port of the home-network HTTPS listener."""
    unlock_minutes: int = 10
    """How long a passcode keeps its partner's private entries open."""
    pairing_ttl_s: int = 300
    """How long a phone pairing link stays valid, in seconds."""

    @property
    def is_loopback(self) -> bool:
        return self.host in LOOPBACK_HOSTS or self.host.startswith("127.")

    @property
    def base_url(self) -> str:
        if self.server_url:
            return self.server_url.rstrip("/")
        host = f"[{self.host}]" if ":" in self.host else self.host
        if self.host in ("0.0.0.0", "::"):
            host = "127.0.0.1"
        return f"http://{host}:{self.port}"


SETTING_NAMES = tuple(f.name for f in fields(Settings))
EDITABLE_SETTINGS = ("partners", "rituals", "voice", "voice_rate", "voice_volume", "helpline_locale",
                     "locale", "routine_timings")
"""Keys the API and web page may change (stored in the database, below file/env/flags)."""
SECRET_SETTINGS = frozenset({"access_token"})
LOCALE_PATTERN = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,2}")


Check = Callable[[Any], list[str]]
"""A further check of one setting's coerced value: the problems found (empty when valid).
The server passes the routine-timings check, which needs its routine scripts."""


def coerce_setting(name: str, value: Any, source: str, checks: Mapping[str, Check] | None = None) -> Any:
    """Turn a raw value from TOML, the environment or a flag into the field's type."""
    try:
        value = _coerce(name, value)
        problems = (checks or {}).get(name, lambda _: [])(value)
        if problems:
            raise ValueError("; ".join(problems))
        return value
    except (TypeError, ValueError) as exc:
        raise SettingsError(f"{source}: setting '{name}': {exc}") from exc


def check_settings(settings: Settings, checks: Mapping[str, Check]) -> None:
    """Run further checks over settings already loaded (raises SettingsError naming the key)."""
    for name, check in checks.items():
        problems = check(getattr(settings, name))
        if problems:
            raise SettingsError(f"setting '{name}': {'; '.join(problems)}")


def _coerce(name: str, value: Any) -> Any:
    """A raw value as the field's type (ValueError or TypeError says what is wrong)."""
    if name == "lan":
        if isinstance(value, str):
            if value.strip().lower() not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
                raise ValueError("must be true or false")
            return value.strip().lower() in ("1", "true", "yes", "on")
        return bool(value)
    if name in ("unlock_minutes", "pairing_ttl_s"):
        number = int(value)
        low, high = (1, 240) if name == "unlock_minutes" else (1, 3600)
        if not low <= number <= high:
            raise ValueError(f"must be {low}..{high}")
        return number
    if name == "lan_host":
        text = "" if value is None else str(value).strip()
        if text:
            ipaddress.ip_address(text)
        return text or None
    if name in ("port", "lan_port"):
        port = int(value)
        if not 0 <= port <= 65535:
            raise ValueError("must be 0..65535")
        return port
    if name == "voice_rate":
        rate = int(value)
        if not 40 <= rate <= 400:
            raise ValueError("must be 40..400 words per minute")
        return rate
    if name == "max_body_bytes":
        size = int(value)
        if not 1024 <= size <= 64 * 1024 * 1024:
            raise ValueError("must be 1024..67108864 bytes")
        return size
    if name in ("locale", "helpline_locale"):
        text = str(value).strip()
        if not LOCALE_PATTERN.fullmatch(text):
            raise ValueError("must be a language tag such as 'en' or 'en-US'")
        return text
    if name == "routine_timings":
        timings = json.loads(value) if isinstance(value, str) else value
        if not isinstance(timings, dict):
            raise ValueError("must be a table/object of routine names")
        if len(json.dumps(timings)) > 16 * 1024:
            raise ValueError("is larger than 16 KiB")
        return timings
    if name == "voice_volume":
        volume = float(value)
        if not 0.0 <= volume <= 1.0:
            raise ValueError("must be 0.0..1.0")
        return volume
    if name == "time_scale":
        scale = float(value)
        if not 0.01 <= scale <= 10000:
            raise ValueError("must be 0.01..10000")
        return scale
    if name == "wake_phrases":
        items = value.split(",") if isinstance(value, str) else list(value)
        phrases = tuple(dict.fromkeys(" ".join(str(i).lower().split()) for i in items if str(i).strip()))
        if not 1 <= len(phrases) <= 5 or any(len(p) > 40 or len(p.split()) > 4 for p in phrases):
            raise ValueError("needs 1 to 5 phrases of at most 4 words, e.g. 'attune,hey attune'")
        if any(not re.fullmatch(r"[a-z' ]+", p) for p in phrases):
            raise ValueError("phrases are plain words (letters, spaces, apostrophes)")
        return phrases
    if name == "wake_threshold":
        threshold = float(value)
        if not 1e-50 <= threshold <= 1e-5:
            raise ValueError("must be 1e-50..1e-5")
        return threshold
    if name == "endpointer":
        kind = str(value).strip().lower()
        if kind not in ENDPOINTERS:
            raise ValueError(f"must be {' or '.join(sorted(ENDPOINTERS))}")
        return kind
    if name == "addressed_s":
        seconds = float(value)
        if not 1.0 <= seconds <= 60.0:
            raise ValueError("must be 1..60 seconds")
        return seconds
    if name == "db_path":
        return Path(os.path.expanduser(str(value)))
    if name in ("partners", "rituals"):
        items = value.split(",") if isinstance(value, str) else list(value)
        cleaned = tuple(str(i).strip() for i in items if str(i).strip())
        if name == "partners":
            if len(cleaned) != 2:
                raise ValueError("needs exactly two names, e.g. 'Alex,Sam'")
            if cleaned[0].casefold() == cleaned[1].casefold():
                raise ValueError("the two names must differ")
            if any(len(n) > 40 for n in cleaned):
                raise ValueError("names are at most 40 characters")
        elif len(cleaned) > 20 or any(len(n) > 40 for n in cleaned):
            raise ValueError("at most 20 rituals of at most 40 characters")
        if any(not n.isprintable() for n in cleaned):
            raise ValueError("names must be printable text")
        return cleaned
    if name in ("voice", "input_device", "output_device", "access_token", "server_url", "whisper_model"):
        text = "" if value is None else str(value).strip()
        return text or None
    return str(value).strip()


def read_toml(path: Path) -> dict[str, Any]:
    """Read a settings TOML file; a missing file is an empty layer."""
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: {exc}") from exc
    # Accept both a flat file and one with an [attune] table.
    if isinstance(data.get("attune"), dict):
        data = {**{k: v for k, v in data.items() if k != "attune"}, **data["attune"]}
    unknown = sorted(set(data) - set(SETTING_NAMES) - {"db"})
    if unknown:
        raise SettingsError(f"{path}: unknown setting(s): {', '.join(unknown)}")
    if "db" in data:
        data["db_path"] = data.pop("db")
    return data


def env_layer(env: Mapping[str, str]) -> dict[str, str]:
    """ATTUNE_<NAME> variables; ATTUNE_DB and ATTUNE_TOKEN are accepted as short forms."""
    aliases = {"db": "db_path", "token": "access_token"}
    layer = {}
    for key, value in env.items():
        if not key.startswith("ATTUNE_"):
            continue
        name = key[len("ATTUNE_"):].lower()
        name = aliases.get(name, name)
        if name in SETTING_NAMES:
            layer[name] = value
    return layer


@dataclass(frozen=True)
class LoadedSettings:
    """Settings plus where each non-default key came from ("file", "env" or "flag")."""

    settings: Settings
    sources: Mapping[str, str]
    config_path: Path


def load_settings(
    flags: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    config_path: Path | None = None,
    checks: Mapping[str, Check] | None = None,
) -> LoadedSettings:
    """Build settings from defaults < TOML file < ATTUNE_* env < flags (None flags are unset)."""
    env = os.environ if env is None else env
    if config_path is None:
        config_path = default_config_file(env)
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    layers = [
        ("file", f"{config_path}", read_toml(config_path)),
        ("env", "environment", env_layer(env)),
        ("flag", "command line", {k: v for k, v in (flags or {}).items() if v is not None}),
    ]
    for kind, label, layer in layers:
        for name, raw in layer.items():
            if name not in SETTING_NAMES:
                raise SettingsError(f"{label}: unknown setting '{name}'")
            values[name] = coerce_setting(name, raw, label, checks)
            sources[name] = kind
    return LoadedSettings(Settings(**values), sources, config_path)


def with_stored(settings: Settings, sources: Mapping[str, str],
                stored: Mapping[str, Any],
                checks: Mapping[str, Check] | None = None) -> tuple[Settings, dict[str, str], dict[str, str]]:
    """Lay settings saved in the database over the defaults, below file, env and flags.

    Returns (settings, sources with "db" for the keys it set, {key: problem} for stored
    values that were skipped because they are no longer valid or not editable).
    """
    values: dict[str, Any] = {}
    new_sources = dict(sources)
    problems: dict[str, str] = {}
    for name, raw in stored.items():
        if name not in EDITABLE_SETTINGS:
            problems[name] = "not an editable setting"
            continue
        if sources.get(name) in ("file", "env", "flag"):
            continue
        try:
            values[name] = coerce_setting(name, raw, "database", checks)
        except SettingsError as exc:
            problems[name] = str(exc)
            continue
        new_sources[name] = "db"
    return replace(settings, **values), new_sources, problems


def to_json(name: str, value: Any) -> Any:
    """A setting's value as JSON (paths as strings, tuples as lists)."""
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def with_overrides(settings: Settings, **changes: Any) -> Settings:
    """A copy with some keys changed and validated like any other layer."""
    return replace(settings, **{k: coerce_setting(k, v, "override") for k, v in changes.items()})
