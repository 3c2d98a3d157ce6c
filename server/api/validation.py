"""A small declarative validator for JSON bodies and query strings.

Each endpoint states its fields once as a dict of specs:

    BODY = {"partner": Partner(required=True), "what": Str(required=True, max_len=500)}
    data = json_body(BODY)

Every failure raises `ApiError` (400, or 415 for a non-JSON body) naming the
field, before anything is written. Unknown fields are rejected; strings,
lists and nested objects are bounded.
"""

from __future__ import annotations

import json
import math
import re
from datetime import date, datetime, timedelta, timezone
from typing import Any, Mapping

from flask import request
from werkzeug.routing import BaseConverter, ValidationError

from server.errors import ApiError

MAX_STRING = 2000
MAX_ITEMS = 100
MAX_DEPTH = 32
MAX_ID = 2**63 - 1
QUERY_ALWAYS = frozenset({"as", "token"})  # viewer and access token, accepted everywhere
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MISSING = object()
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,30})?)?([Zz]|[+-]\d{2}:\d{2}(:\d{2})?)?")


def _fail(field: str, message: str, status: int = 400, code: str = "invalid") -> ApiError:
    return ApiError(status, f"{field}: {message}", field, code)


class Spec:
    """One field: whether it is required, may be null, and its default."""

    type_name = "value"

    def __init__(self, *, required: bool = False, nullable: bool = False, default: Any = _MISSING):
        self.required = required
        self.nullable = nullable
        self.default = default

    def check(self, value: Any, field: str) -> Any:
        if value is None:
            if self.nullable:
                return None
            raise _fail(field, "must not be null")
        return self.convert(value, field)

    def convert(self, value: Any, field: str) -> Any:
        return value

    def from_query(self, raw: str, field: str) -> Any:
        """Parse a query-string value (strings by default)."""
        return self.check(raw, field)


class Str(Spec):
    """Text, stripped, 1..max_len characters (min_len 0 allows ""), optionally one of `choices`."""

    def __init__(self, *, max_len: int = MAX_STRING, min_len: int = 1, choices=None, pattern: str | None = None,
                 multiline: bool = True, **kw):
        super().__init__(**kw)
        self.max_len, self.min_len = max_len, min_len
        self.choices = tuple(choices) if choices is not None else None
        self.pattern = re.compile(pattern) if pattern else None
        self.multiline = multiline

    def convert(self, value: Any, field: str) -> str:
        if not isinstance(value, str):
            raise _fail(field, "must be a string")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise _fail(field, "is not valid Unicode text") from None
        if _CONTROL.search(value) or (not self.multiline and ("\n" in value or "\r" in value)):
            raise _fail(field, "contains control characters")
        value = value.strip()
        if len(value) > self.max_len:
            raise _fail(field, f"is longer than {self.max_len} characters")
        if len(value) < self.min_len:
            raise _fail(field, "must not be empty")
        if self.choices is not None and value not in self.choices:
            raise _fail(field, f"must be one of: {', '.join(self.choices)}")
        if self.pattern is not None and not self.pattern.fullmatch(value):
            raise _fail(field, "has the wrong format")
        return value


class Int(Spec):
    """A whole number within [minimum, maximum] (JSON booleans are not numbers)."""

    def __init__(self, *, minimum: int = 0, maximum: int = MAX_ID, **kw):
        super().__init__(**kw)
        self.minimum, self.maximum = minimum, maximum

    def convert(self, value: Any, field: str) -> int:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise _fail(field, "must be a whole number")
        if not self.minimum <= value <= self.maximum:
            raise _fail(field, f"must be between {self.minimum} and {self.maximum}")
        return value

    def from_query(self, raw: str, field: str) -> int:
        if not re.fullmatch(r"-?\d{1,19}", raw.strip()):
            raise _fail(field, "must be a whole number")
        return self.check(int(raw), field)


class Id(Int):
    """A row id (1 .. 2**63-1)."""

    def __init__(self, **kw):
        super().__init__(minimum=1, **kw)


class Num(Spec):
    """A finite number within [minimum, maximum]."""

    def __init__(self, *, minimum: float = -1e12, maximum: float = 1e12, **kw):
        super().__init__(**kw)
        self.minimum, self.maximum = minimum, maximum

    def convert(self, value: Any, field: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _fail(field, "must be a number")
        if not math.isfinite(value) or not self.minimum <= value <= self.maximum:
            raise _fail(field, f"must be between {self.minimum:g} and {self.maximum:g}")
        return value


class Bool(Spec):
    """true or false (in a query string also 1/0, yes/no)."""

    def convert(self, value: Any, field: str) -> bool:
        if not isinstance(value, bool):
            raise _fail(field, "must be true or false")
        return value

    def from_query(self, raw: str, field: str) -> bool:
        text = raw.strip().lower()
        if text in ("true", "1", "yes"):
            return True
        if text in ("false", "0", "no"):
            return False
        raise _fail(field, "must be true or false")


class Timestamp(Spec):
    """An ISO-8601 date or date-time, stored as UTC "YYYY-MM-DDTHH:MM:SSZ".

    A date alone means its midnight UTC; with `end_of_day` it means the next
    midnight (so `until=2026-11-26` includes that whole day).
    """

    def __init__(self, *, end_of_day: bool = False, **kw):
        super().__init__(**kw)
        self.end_of_day = end_of_day

    def convert(self, value: Any, field: str) -> str:
        example = "must be an ISO-8601 date or date-time, e.g. 2026-11-26T21:30:00Z"
        if not isinstance(value, str) or len(value) > 64:
            raise _fail(field, example)
        text = value.strip()
        try:
            if _DATE.fullmatch(text):
                day = date.fromisoformat(text)
                moment = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
                if self.end_of_day:
                    moment += timedelta(days=1)
            elif _DATE_TIME.fullmatch(text):
                moment = datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
                if moment.tzinfo is None:
                    moment = moment.replace(tzinfo=timezone.utc)
            else:
                raise ValueError(text)
            moment = moment.astimezone(timezone.utc)
        except (ValueError, OverflowError):
            raise _fail(field, example) from None
        return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


class Day(Spec):
    """An ISO date, YYYY-MM-DD."""

    def convert(self, value: Any, field: str) -> str:
        try:
            if not isinstance(value, str) or not _DATE.fullmatch(value.strip()):
                raise ValueError
            return date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            raise _fail(field, "must be a date, YYYY-MM-DD") from None


class List(Spec):
    """A JSON array of `item`, at most `max_items` long."""

    def __init__(self, item: Spec, *, max_items: int = MAX_ITEMS, min_items: int = 0, **kw):
        super().__init__(**kw)
        self.item, self.max_items, self.min_items = item, max_items, min_items

    def convert(self, value: Any, field: str) -> list:
        if not isinstance(value, list):
            raise _fail(field, "must be a list")
        if len(value) > self.max_items:
            raise _fail(field, f"has more than {self.max_items} items")
        if len(value) < self.min_items:
            raise _fail(field, f"needs at least {self.min_items} items")
        return [self.item.check(v, f"{field}[{i}]") for i, v in enumerate(value)]


class Obj(Spec):
    """A nested JSON object with its own fields (unknown ones rejected)."""

    def __init__(self, fields: Mapping[str, Spec], **kw):
        super().__init__(**kw)
        self.fields = fields

    def convert(self, value: Any, field: str) -> dict:
        if not isinstance(value, dict):
            raise _fail(field, "must be an object")
        return validate(value, self.fields, prefix=f"{field}.")


class Json(Spec):
    """Free-form JSON (an object by default) whose encoded size is at most `max_bytes`."""

    def __init__(self, *, max_bytes: int = 16 * 1024, object_only: bool = True, **kw):
        super().__init__(**kw)
        self.max_bytes, self.object_only = max_bytes, object_only

    def convert(self, value: Any, field: str) -> Any:
        if self.object_only and not isinstance(value, dict):
            raise _fail(field, "must be an object")
        try:
            size = len(json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8"))
        except (ValueError, UnicodeEncodeError):
            raise _fail(field, "is not valid JSON text") from None
        if size > self.max_bytes:
            raise _fail(field, f"is larger than {self.max_bytes} bytes")
        return value


class PartnerRef(Spec):
    """A partner, by name (case-insensitive) or id; resolved by the endpoint."""

    def convert(self, value: Any, field: str) -> str | int:
        if isinstance(value, bool):
            raise _fail(field, "must be a partner's name or id")
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, (int, float)):
            return Id().convert(value, field)
        return Str(max_len=40, multiline=False).convert(value, field)

    def from_query(self, raw: str, field: str) -> str | int:
        return self.check(int(raw) if raw.strip().isdigit() and len(raw) < 19 else raw, field)


def validate(data: Mapping[str, Any], fields: Mapping[str, Spec], *, partial: bool = False,
             prefix: str = "") -> dict[str, Any]:
    """Check `data` against `fields`; returns the converted values (defaults filled unless partial)."""
    unknown = [k for k in data if k not in fields]
    if unknown:
        name = f"{prefix}{unknown[0]}"
        raise _fail(name, f"unknown field (allowed: {', '.join(fields) or 'none'})", code="unknown_field")
    out: dict[str, Any] = {}
    for name, spec in fields.items():
        label = f"{prefix}{name}"
        if name in data:
            out[name] = spec.check(data[name], label)
        elif spec.required and not partial:
            raise _fail(label, "is required", code="required")
        elif spec.default is not _MISSING and not partial:
            out[name] = spec.default
    return out


def check_depth(text: str, limit: int = MAX_DEPTH) -> None:
    """Refuse JSON nested deeper than `limit` before parsing it (the parser would recurse)."""
    depth, in_string, escaped = 0, False, False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > limit:
                raise _fail("body", f"JSON is nested deeper than {limit} levels", code="too_deep")
        elif ch in "]}":
            depth -= 1


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def parse_json_body() -> Any:
    """The request body as JSON: 415 unless application/json, 400 for bad UTF-8/JSON/nesting."""
    if request.mimetype != "application/json":
        raise ApiError(415, "send the body as application/json", "Content-Type", "unsupported_media_type")
    raw = request.get_data(cache=True)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _fail("body", "is not valid UTF-8", code="bad_encoding") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    check_depth(text)
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        detail = exc.msg if isinstance(exc, json.JSONDecodeError) else "not valid JSON"
        raise _fail("body", f"is not valid JSON ({detail})", code="bad_json") from None


def json_body(fields: Mapping[str, Spec], *, partial: bool = False, min_fields: int = 0) -> dict[str, Any]:
    """Parse and validate the JSON object body against `fields`."""
    data = parse_json_body()
    if not isinstance(data, dict):
        raise _fail("body", "must be a JSON object")
    out = validate(data, fields, partial=partial)
    if len(out) < min_fields:
        raise _fail("body", f"needs at least one of: {', '.join(fields)}", code="required")
    return out


def query(fields: Mapping[str, Spec]) -> dict[str, Any]:
    """Validate the query string against `fields` (repeated or unknown parameters rejected)."""
    out: dict[str, Any] = {}
    for name in request.args:
        if name in QUERY_ALWAYS:
            continue
        if name not in fields:
            allowed = ", ".join(fields) or "none"
            raise _fail(name, f"unknown query parameter (allowed: {allowed})", code="unknown_field")
        values = request.args.getlist(name)
        if len(values) > 1:
            raise _fail(name, "given more than once")
        out[name] = fields[name].from_query(values[0], name)
    for name, spec in fields.items():
        if name not in out:
            if spec.required:
                raise _fail(name, "is required", code="required")
            if spec.default is not _MISSING:
                out[name] = spec.default
    return out


class IdConverter(BaseConverter):
    """`<id:name>` in a route: a row id 1..2**63-1 (anything else is a 404, never an overflow)."""

    regex = r"[1-9]\d{0,18}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValidationError()
        return number

    def to_url(self, value: int) -> str:
        return str(int(value))
