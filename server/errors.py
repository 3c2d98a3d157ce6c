"""The error a client caused, as a plain value: pure (no Flask), so the routines' glue and the
store can raise it. server.http_errors turns it into the one JSON error shape."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class ApiError(Exception):
    """An error a client caused (or a conflict), with the field it concerns."""

    status: int
    message: str
    field: str | None = None
    code: str | None = None

    def __str__(self) -> str:
        return self.message


CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    412: "precondition_failed",
    413: "too_large",
    415: "unsupported_media_type",
    422: "unprocessable",
    428: "precondition_required",
    500: "internal",
    503: "busy",
}
"""The error code for a status when the raiser names none."""
