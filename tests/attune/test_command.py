"""The `attune` package: one command, settings read the same way by every subcommand, paths, version."""

from __future__ import annotations

import subprocess
import sys

import pytest

from attune import __version__, paths
from attune.cli import build_parser, main
from attune.settings import SettingsError, load_settings


def test_every_package_adds_its_subcommands_to_one_command():
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    assert {"serve", "passcode", "parse", "listen", "run", "hear", "models", "devices", "say", "paths"} <= set(sub.choices)


def test_version_is_the_installed_distributions(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"attune {__version__}"
    assert __version__ != "unknown"  # installed as a package by `make install`


def test_paths_follow_the_settings_in_force(tmp_path, monkeypatch, capsys):
    config = tmp_path / "elsewhere.toml"
    config.write_text(f'db = "{tmp_path / "ours" / "data.sqlite3"}"\n')
    monkeypatch.setenv("ATTUNE_MODELS_DIR", str(tmp_path / "models"))
    assert main(["paths", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert f"settings file  {config}" in out
    assert f"database       {tmp_path / 'ours' / 'data.sqlite3'}" in out
    assert f"models         {tmp_path / 'models'}" in out
    assert paths.models_dir({"ATTUNE_MODELS_DIR": "/x"}).as_posix() == "/x"
    assert paths.config_path({"ATTUNE_CONFIG": "/y.toml"}).as_posix() == "/y.toml"


def test_a_bad_setting_is_reported_once_with_its_source(tmp_path, capsys):
    assert main(["paths", "--config", str(tmp_path / "none.toml"), "--partners", "Alex"]) == 2
    assert "command line: setting 'partners'" in capsys.readouterr().err


def test_further_checks_come_from_the_package_that_knows(tmp_path):
    # The settings layer checks shapes; which routines and steps exist is the server's to say.
    timings = '{"nap": {"x": 5}}'
    env = {"ATTUNE_ROUTINE_TIMINGS": timings}
    assert load_settings(env=env, config_path=tmp_path / "none.toml").settings.routine_timings == {"nap": {"x": 5}}
    from server.routines.timings import SETTING_CHECKS

    with pytest.raises(SettingsError, match="environment: setting 'routine_timings': unknown routine 'nap'"):
        load_settings(env=env, config_path=tmp_path / "none.toml", checks=SETTING_CHECKS)


def test_serve_refuses_timings_for_routines_that_do_not_exist(tmp_path):
    done = subprocess.run([sys.executable, "-m", "attune", "serve", "--db", str(tmp_path / "a.sqlite3"),
                           "--config", str(tmp_path / "none.toml")],
                          env={"PATH": "/usr/bin:/bin", "ATTUNE_ROUTINE_TIMINGS": '{"nap": {"x": 5}}',
                               "HOME": str(tmp_path)},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "unknown routine 'nap'" in done.stderr


def test_settings_import_nothing_of_the_packages_that_use_them():
    code = ("import sys, attune.settings, attune.flags, attune.paths; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'server', 'voice', 'intents', 'flask'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
