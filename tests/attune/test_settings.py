"""Settings: defaults < database < TOML file < ATTUNE_* env < flags, clear errors, locked keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from server import create_app
from attune.settings import Settings, SettingsError, load_settings

API = "/api/v1"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults(tmp_path):
    loaded = load_settings(env={}, config_path=tmp_path / "missing.toml")
    assert loaded.settings.host == "127.0.0.1" and loaded.settings.port == 5317
    assert loaded.settings.db_path.name == "attune.sqlite3" and loaded.sources == {}


def test_attune_partners_env(tmp_path):
    loaded = load_settings(env={"ATTUNE_PARTNERS": "Alex, Sam"}, config_path=tmp_path / "missing.toml")
    assert loaded.settings.partners == ("Alex", "Sam") and loaded.sources["partners"] == "env"


def test_layers_later_wins(tmp_path):
    config = write(tmp_path / "config.toml", 'port = 6000\nvoice_rate = 150\npartners = ["Jo", "Kim"]\n'
                                             'db = "~/attune-test.sqlite3"\n[attune]\nlocale = "en"\n')
    env = {"ATTUNE_PORT": "6001", "ATTUNE_VOICE_RATE": "170", "ATTUNE_TOKEN": "t0k"}
    loaded = load_settings(flags={"port": 6002, "host": None}, env=env, config_path=config)
    s = loaded.settings
    assert (s.port, s.voice_rate, s.partners, s.access_token) == (6002, 170, ("Jo", "Kim"), "t0k")
    assert s.db_path == Path("~/attune-test.sqlite3").expanduser()
    assert loaded.sources == {"port": "flag", "voice_rate": "env", "partners": "file", "db_path": "file",
                              "locale": "file", "access_token": "env"}


def test_config_path_from_env(tmp_path):
    config = write(tmp_path / "c.toml", "time_scale = 60\n")
    assert load_settings(env={"ATTUNE_CONFIG": str(config)}).settings.time_scale == 60.0


@pytest.mark.parametrize("env,message", [
    ({"ATTUNE_PARTNERS": "Alex"}, "setting 'partners': needs exactly two names"),
    ({"ATTUNE_PARTNERS": "Alex,alex"}, "the two names must differ"),
    ({"ATTUNE_PORT": "seventy"}, "setting 'port'"),
    ({"ATTUNE_PORT": "70000"}, "must be 0..65535"),
    ({"ATTUNE_VOICE_VOLUME": "2"}, "must be 0.0..1.0"),
    ({"ATTUNE_VOICE_RATE": "5"}, "must be 40..400"),
    ({"ATTUNE_LOCALE": "English!"}, "setting 'locale'"),
    ({"ATTUNE_ROUTINE_TIMINGS": "{not json"}, "setting 'routine_timings'"),
])
def test_bad_env_values_name_the_key_and_source(tmp_path, env, message):
    with pytest.raises(SettingsError) as err:
        load_settings(env=env, config_path=tmp_path / "missing.toml")
    assert message in str(err.value) and "environment" in str(err.value)


def test_bad_toml_names_the_file(tmp_path):
    with pytest.raises(SettingsError, match="c.toml"):
        load_settings(env={}, config_path=write(tmp_path / "c.toml", "port = \n"))
    with pytest.raises(SettingsError, match="unknown setting\\(s\\): colour"):
        load_settings(env={}, config_path=write(tmp_path / "c.toml", 'colour = "red"\n'))


def test_cli_reports_bad_settings_cleanly(tmp_path, monkeypatch, capsys):
    from attune.cli import main

    monkeypatch.setenv("ATTUNE_CONFIG", str(tmp_path / "missing.toml"))
    monkeypatch.setenv("ATTUNE_PARTNERS", "OnlyOne")
    assert main(["serve", "--db", str(tmp_path / "x.sqlite3")]) == 2
    assert "needs exactly two names" in capsys.readouterr().err


def test_get_settings_shows_value_source_and_editability(tmp_path):
    loaded = load_settings(env={"ATTUNE_PARTNERS": "Jo,Kim", "ATTUNE_DB": str(tmp_path / "a.sqlite3")},
                           config_path=tmp_path / "missing.toml")
    app = create_app({"ATTUNE_SETTINGS": loaded.settings, "ATTUNE_SETTING_SOURCES": loaded.sources})
    client = app.test_client()
    view = client.get(f"{API}/settings").get_json()["settings"]
    assert view["partners"] == {"value": ["Jo", "Kim"], "source": "env", "editable": False}
    assert view["voice_rate"] == {"value": 165, "source": "default", "editable": True}
    assert view["port"]["editable"] is False
    locked = client.patch(f"{API}/settings", json={"partners": ["A", "B"]})
    assert locked.status_code == 409
    err = locked.get_json()["error"]
    assert err["field"] == "partners" and "environment" in err["message"] and err["code"] == "locked_setting"
    renamed = client.patch(f"{API}/partners/1", json={"name": "Joanna"})
    assert renamed.status_code == 409
    assert [p["name"] for p in client.get(f"{API}/partners").get_json()["partners"]] == ["Jo", "Kim"]
    app.extensions["attune.db"].close()


def test_edited_settings_are_stored_and_survive_a_restart(tmp_path):
    settings = Settings(db_path=tmp_path / "a.sqlite3")
    app = create_app({"ATTUNE_SETTINGS": settings})
    changed = app.test_client().patch(f"{API}/settings", json={
        "voice_rate": 190, "voice_volume": 0.5, "partners": ["Robin", "Kai"], "rituals": ["tea"],
        "routine_timings": {"repair": {"what": 120}}, "voice": None})
    assert changed.get_json()["settings"]["voice"]["value"] is None
    assert changed.status_code == 200
    view = changed.get_json()["settings"]
    assert view["voice_rate"] == {"value": 190, "source": "db", "editable": True}
    assert app.config["ATTUNE_SETTINGS"].voice_rate == 190
    assert app.extensions["attune.store"].settings.partners == ("Robin", "Kai")
    app.extensions["attune.db"].close()

    again = create_app({"ATTUNE_SETTINGS": settings})
    restored = again.config["ATTUNE_SETTINGS"]
    assert (restored.voice_rate, restored.voice_volume, restored.rituals) == (190, 0.5, ("tea",))
    assert restored.routine_timings == {"repair": {"what": 120}} and restored.voice is None
    assert [p["name"] for p in again.extensions["attune.store"].partners()] == ["Robin", "Kai"]
    again.extensions["attune.db"].close()

    # A flag (or env/file) beats the stored value, and locks the key.
    flagged = create_app({"ATTUNE_SETTINGS": Settings(db_path=tmp_path / "a.sqlite3", voice_rate=120),
                          "ATTUNE_SETTING_SOURCES": {"voice_rate": "flag"}})
    assert flagged.config["ATTUNE_SETTINGS"].voice_rate == 120
    assert flagged.config["ATTUNE_SETTING_SOURCES"]["voice_rate"] == "flag"
    assert flagged.test_client().patch(f"{API}/settings", json={"voice_rate": 130}).status_code == 409
    flagged.extensions["attune.db"].close()
