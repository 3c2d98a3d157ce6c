"""The OpenAPI 3.1 document of the whole API, merged from `server/api/openapi/*.yaml`.

Each route module ships a fragment with `paths:` (relative to /api/v1) and
`components:`; `base.yaml` holds the document's head and the shared pieces
(Error, parameters). Merging refuses a path+method or a component defined twice
differently. Every operation that does not list them gets the shared error
responses (4XX, and 503 when the database stays locked) so clients and schemathesis know the error shape.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from server.api import bp

FRAGMENT_PACKAGE = "server.api.openapi"
BASE = "base.yaml"
METHODS = ("get", "put", "post", "patch", "delete")


class OpenApiError(ValueError):
    """Two fragments disagree, or a fragment is malformed; names the file and key."""


def _fragments() -> list[tuple[str, dict[str, Any]]]:
    folder = resources.files(FRAGMENT_PACKAGE)
    out = []
    for item in sorted(folder.iterdir(), key=lambda i: (i.name != BASE, i.name)):
        if item.name.endswith((".yaml", ".yml")):
            try:
                data = yaml.safe_load(item.read_text(encoding="utf-8")) or {}
            except yaml.YAMLError as exc:
                raise OpenApiError(f"{item.name}: {exc}") from None
            if not isinstance(data, dict):
                raise OpenApiError(f"{item.name}: not a mapping")
            out.append((item.name, data))
    return out


def merge(fragments: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """Merge fragments into one document (the first is the head)."""
    if not fragments:
        raise OpenApiError("no OpenAPI fragments found")
    doc = copy.deepcopy(fragments[0][1])
    doc.setdefault("paths", {})
    doc.setdefault("components", {})
    for name, fragment in fragments[1:]:
        unknown = set(fragment) - {"paths", "components", "tags"}
        if unknown:
            raise OpenApiError(f"{name}: unexpected top-level key(s) {sorted(unknown)}")
        for path, item in (fragment.get("paths") or {}).items():
            target = doc["paths"].setdefault(path, {})
            for method, operation in item.items():
                if method in target and target[method] != operation:
                    raise OpenApiError(f"{name}: {method.upper()} {path} is already documented")
                target[method] = operation
        for section, entries in (fragment.get("components") or {}).items():
            target = doc["components"].setdefault(section, {})
            for key, value in (entries or {}).items():
                if key in target and target[key] != value:
                    raise OpenApiError(f"{name}: components.{section}.{key} is already defined differently")
                target[key] = value
        for tag in fragment.get("tags") or []:
            if tag not in doc.setdefault("tags", []):
                doc["tags"].append(tag)
    for item in doc["paths"].values():
        for method in METHODS:
            if method in item:
                responses = item[method].setdefault("responses", {})
                responses.setdefault("4XX", {"$ref": "#/components/responses/Error"})
                responses.setdefault("503", {"$ref": "#/components/responses/Busy"})
    return doc


@lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    return merge(_fragments())


def documented_operations(doc: dict[str, Any]) -> set[tuple[str, str]]:
    """{(METHOD, "/api/v1/path/{param}")} for every operation in the document."""
    prefix = doc.get("servers", [{}])[0].get("url", "")
    return {(m.upper(), prefix + path) for path, item in doc["paths"].items() for m in METHODS if m in item}


@bp.get("/openapi.json")
def openapi_json():
    return document()
