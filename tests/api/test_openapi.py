"""The OpenAPI document is true: every /api/v1 route is documented and vice versa, and
schema-driven fuzzing (schemathesis) finds no 5xx and no response that breaks the schema."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from server.api.docs import OpenApiError, document, documented_operations, merge

pytestmark = pytest.mark.slow


def routed_operations(app) -> set[tuple[str, str]]:
    ops = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
            ops |= {(method, path) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return ops


def test_every_route_is_documented_and_every_documented_route_exists(app):
    documented = documented_operations(document())
    routed = routed_operations(app)
    assert sorted(routed - documented) == [], "routes missing from server/api/openapi/*.yaml"
    assert sorted(documented - routed) == [], "documented operations with no route"


def test_served_document_is_the_merged_one(client):
    served = client.get("/api/v1/openapi.json").get_json()
    assert served == document()
    assert served["paths"]["/entries"]["post"]["responses"]["4XX"] == {"$ref": "#/components/responses/Error"}


def _refs(node):
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_document_is_well_formed():
    doc = document()
    for ref in set(_refs(doc)):
        target = doc
        assert ref.startswith("#/"), ref
        for part in ref[2:].split("/"):
            assert isinstance(target, dict) and part in target, f"unresolved $ref {ref}"
            target = target[part]
    operation_ids = []
    for path, item in doc["paths"].items():
        assert path.startswith("/") and not path.startswith("/api/v1"), path
        for method in ("get", "post", "put", "patch", "delete"):
            if method not in item:
                continue
            operation = item[method]
            operation_ids.append(operation.get("operationId"))
            declared = {p.get("name") for p in [*item.get("parameters", []), *operation.get("parameters", [])]
                        if "$ref" not in p and p.get("in") == "path"}
            assert set(re.findall(r"{([^}]+)}", path)) <= declared, f"{method.upper()} {path}: path parameters"
            assert any(code.startswith("2") for code in operation["responses"]), f"{method.upper()} {path}"
    assert None not in operation_ids and len(operation_ids) == len(set(operation_ids))


def test_merge_refuses_a_conflicting_fragment():
    head = ("base.yaml", {"openapi": "3.1.0", "paths": {"/a": {"get": {"responses": {}}}}})
    clash = ("other.yaml", {"paths": {"/a": {"get": {"summary": "different", "responses": {}}}}})
    with pytest.raises(OpenApiError, match="other.yaml: GET /a"):
        merge([head, clash])
    with pytest.raises(OpenApiError, match="unexpected top-level"):
        merge([head, ("x.yaml", {"info": {}})])


def make_fuzz_app(db_path):
    """An app on its own database with a little data, so ids 1 and 2 reach real rows."""
    from server import create_app
    from attune.settings import Settings

    app = create_app({"ATTUNE_SETTINGS": Settings(db_path=db_path), "TESTING": True})
    client = app.test_client()
    for _ in range(2):
        session = client.post("/api/v1/sessions", json={"routine": "debrief"}).get_json()
        client.post("/api/v1/entries", json={"partner": "Alex", "kind": "note", "value": "hi",
                                             "session_id": session["id"]})
        client.post("/api/v1/commitments", json={"partner": "Sam", "what": "walk"})
        client.post("/api/v1/weekly-reviews", json={"week_start": "2026-11-23"})
        client.post("/api/v1/favourites", json={"phrase_id": "calm.1"})
        client.post("/api/v1/phrases/custom", json={"category": "calm", "text": "breathe"})
    return app


# schemathesis collects operations at import time, so the app is built here, on a
# private temporary directory removed when the module's tests are done.
_FUZZ_DIR = tempfile.TemporaryDirectory(prefix="attune-fuzz-")
_FUZZ_APP = make_fuzz_app(Path(_FUZZ_DIR.name) / "fuzz.sqlite3")
# Deleting everything would only make the other operations' data disappear.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", _FUZZ_APP).exclude(path="/data")
CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_schema_conformance]


@pytest.fixture(scope="module", autouse=True)
def _remove_fuzz_database():
    yield
    _FUZZ_APP.extensions["attune.db"].close()
    _FUZZ_DIR.cleanup()


@schema.parametrize()
@settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_schema_fuzzing_finds_no_server_error(case):
    case.call_and_validate(checks=CHECKS)
