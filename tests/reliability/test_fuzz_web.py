"""Property-based fuzzing of the web page: any query string on any page and any form fields on any form
(with a valid CSRF token, so the handlers run) get a page, a redirect or a 4xx, never a 5xx."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .helpers import make_app

PAGES = ["/", "/history", "/charts", "/phrases", "/routine", "/settings", "/data", "/data/delete"]
FORMS = {
    "/viewing-as": ["partner"],
    "/phrases/favourite": ["phrase_id", "back_category"],
    "/phrases/unfavourite": ["favourite_id", "back_category"],
    "/phrases/custom": ["category", "text", "back_category"],
    "/phrases/custom/delete": ["number"],
    "/routine/start": ["routine", "partner", "idempotency_key"],
    "/routine/event": ["intent", "text", "partner", "category", "idempotency_key", "next"],
    "/settings": ["partners", "rituals", "voice_rate", "voice_volume", "locale", "helpline_locale", "voice"],
    "/data/delete": ["confirm"],
}
text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40)
known = st.sampled_from(["1", "2", "0", "-1", "99999999999999999999", "calm", "debrief", "Alex", "Sam",
                         "Yes", "StartDebrief", "RepairPhrase", "delete everything", "/history", "//evil.example",
                         "http://evil.example/", "custom.1", "calm.1", ""])
EXAMPLES = 80


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("fuzz-web") / "attune.sqlite3")
    client = app.test_client()
    html = client.get("/phrases").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    yield client, token
    app.extensions["attune.db"].close()


@settings(max_examples=EXAMPLES * 4, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(page=st.sampled_from(PAGES),
       params=st.lists(st.tuples(st.sampled_from(["page", "partner", "routine", "days", "category", "as", "x"])
                                 | text, known | text), max_size=4))
def test_any_query_string_on_any_page(web, page, params):
    client, _ = web
    response = client.get(page, query_string=params)
    assert response.status_code < 500, f"{page} {params}: {response.status_code}"


@pytest.mark.parametrize("path", sorted(FORMS))
def test_any_form_fields_on_any_form(web, path):
    client, token = web

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(fields=st.fixed_dictionaries({}, optional={name: known | text for name in FORMS[path]}),
           extra=st.dictionaries(text, text, max_size=2))
    def run(fields, extra):
        response = client.post(path, data={**extra, **fields, "csrf_token": token})
        assert response.status_code < 500, f"{path} {fields} {extra}: {response.status_code}"
        if response.status_code in (301, 302, 303, 307, 308):
            location = response.headers["Location"]
            assert location.startswith("/") and not location.startswith("//"), f"open redirect to {location}"

    run()


@pytest.mark.parametrize("ident", ["0", "1", "7", "99999999999999999999", "9223372036854775808"])
@pytest.mark.parametrize("version", ["", "1", "0", "99999999999999999999"])
def test_promise_form_with_any_id_and_version(web, ident, version):
    client, token = web
    response = client.post(f"/promises/{ident}", data={"status": "kept", "version": version, "csrf_token": token})
    assert response.status_code < 500, f"/promises/{ident} version={version!r}: {response.status_code}"
