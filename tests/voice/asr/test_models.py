"""Finding vosk models, and downloading one from a local HTTP server (never the internet)."""

from __future__ import annotations

import hashlib
import http.server
import io
import json
import threading
import zipfile

import pytest

from voice.asr import models


def fake_model_zip(name: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(f"{name}/am/final.mdl", b"not really a model")
        zf.writestr(f"{name}/conf/model.conf", b"--sample-frequency=16000\n")
        zf.writestr(f"{name}/README", b"fake")
    return buf.getvalue()


@pytest.fixture
def model_site():
    """A local vosk-like model site: /model-list.json and /NAME.zip."""
    files: dict[str, bytes] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = files.get(self.path.lstrip("/"))
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", files
    server.shutdown()


def publish(files, name, data, md5=None):
    files[f"{name}.zip"] = data
    files["model-list.json"] = json.dumps([{"name": name, "md5": md5 or hashlib.md5(data).hexdigest()}]).encode()


def test_download_verifies_and_unpacks(tmp_path, model_site):
    url, files = model_site
    publish(files, "vosk-model-small-en-us-0.15", fake_model_zip("vosk-model-small-en-us-0.15"))
    seen = []
    path = models.download_model(dest=tmp_path, base_url=url, progress=lambda d, t: seen.append((d, t)))
    assert path == tmp_path / "vosk-model-small-en-us-0.15"
    assert models.is_model_dir(path)
    assert seen and seen[-1][0] == seen[-1][1]
    assert [p.name for p in tmp_path.iterdir()] == ["vosk-model-small-en-us-0.15"]  # no temp files left
    assert models.find_vosk_model(env={"ATTUNE_MODELS_DIR": str(tmp_path), "HOME": str(tmp_path)}) == path


def test_checksum_mismatch_is_refused(tmp_path, model_site):
    url, files = model_site
    publish(files, "m-en-us", fake_model_zip("m-en-us"), md5="0" * 32)
    with pytest.raises(models.ModelError, match="checksum"):
        models.download_model("m-en-us", dest=tmp_path, base_url=url, progress=lambda d, t: None)
    assert not (tmp_path / "m-en-us").exists()


def test_corrupt_zip_is_refused(tmp_path, model_site):
    url, files = model_site
    publish(files, "m-en-us", b"PK\x03\x04 this is not a zip")
    with pytest.raises(models.ModelError, match="zip"):
        models.download_model("m-en-us", dest=tmp_path, base_url=url, progress=lambda d, t: None)


def test_offline_gives_a_clear_message(tmp_path):
    with pytest.raises(models.ModelError, match="offline"):
        models.download_model("m-en-us", dest=tmp_path, base_url="http://127.0.0.1:9", progress=lambda d, t: None)


def test_cli_download_offline_exits_1(tmp_path, capsys, monkeypatch):
    from attune.cli import main

    monkeypatch.setenv("ATTUNE_MODELS_DIR", str(tmp_path))
    assert main(["models", "download", "--url", "http://127.0.0.1:9"]) == 1
    assert "offline" in capsys.readouterr().err


def test_find_prefers_vosk_model_path_then_english(tmp_path):
    def make(folder):
        (folder / "am").mkdir(parents=True)
        (folder / "am" / "final.mdl").write_bytes(b"x")
        (folder / "conf").mkdir()
        return folder

    ko = make(tmp_path / "models" / "vosk-model-small-ko-0.22")
    en = make(tmp_path / "models" / "vosk-model-small-en-us-0.15")
    env = {"ATTUNE_MODELS_DIR": str(tmp_path / "models"), "HOME": str(tmp_path)}
    assert models.find_vosk_model(env=env) == en
    assert models.find_vosk_model(env={**env, "VOSK_MODEL_PATH": str(ko)}) == ko
    env_ko = {"ATTUNE_MODELS_DIR": str(tmp_path / "none"), "HOME": str(tmp_path), "VOSK_MODEL_PATH": ""}
    assert models.find_vosk_model(env=env_ko) is None


def test_without_a_vosk_model_pocketsphinx_and_whisper_are_chosen(tmp_path, monkeypatch):
    from voice.asr import whisper_models
    from voice.asr.engines import make_recognizer

    monkeypatch.setenv("ATTUNE_MODELS_DIR", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("VOSK_MODEL_PATH", raising=False)
    assert make_recognizer().engine == "pocketsphinx+whisper"
    from voice.asr import engines
    monkeypatch.setattr(whisper_models, "bundled_dir", lambda: None)  # the Whisper package not installed
    monkeypatch.setattr(engines, "_WHISPER", {})  # ... in a new process: nothing loaded yet
    assert make_recognizer().engine == "pocketsphinx"
    with pytest.raises(LookupError):
        make_recognizer("vosk")


# -- Whisper models from a hub-like site ------------------------------------------------------

WHISPER_FILES = {"config.json": b'{"alignment_heads": []}', "tokenizer.json": b"{}", "vocabulary.txt": b"a\nb\n",
                 "model.bin": bytes(range(256)) * 400}


def publish_whisper(files, repo="Systran/faster-whisper-base.en", content=WHISPER_FILES, listed=None):
    listed = listed or content
    tree = []
    for name, data in listed.items():
        if name == "model.bin":
            tree.append({"type": "file", "path": name, "size": len(data),
                         "lfs": {"oid": hashlib.sha256(data).hexdigest(), "size": len(data)}})
        else:
            blob = hashlib.sha1(f"blob {len(data)}\0".encode() + data).hexdigest()
            tree.append({"type": "file", "path": name, "size": len(data), "oid": blob})
    files[f"api/models/{repo}/tree/main"] = json.dumps(tree).encode()
    for name, data in content.items():
        files[f"{repo}/resolve/main/{name}"] = data


def test_whisper_download_verifies_each_file(tmp_path, model_site):
    from voice.asr import whisper_models

    url, files = model_site
    publish_whisper(files)
    seen = []
    path = whisper_models.download_whisper("whisper-base.en", dest=tmp_path, base_url=url,
                                           progress=lambda done, total: seen.append((done, total)))
    assert path == tmp_path / "whisper-base.en" and whisper_models.is_whisper_dir(path)
    assert (path / "model.bin").read_bytes() == WHISPER_FILES["model.bin"]
    assert seen and seen[-1] == (len(WHISPER_FILES["model.bin"]), len(WHISPER_FILES["model.bin"]))
    assert whisper_models.find_whisper_model(path)[0] == path
    assert not list(tmp_path.glob(".download-*"))


@pytest.mark.parametrize("bad", ["model.bin", "tokenizer.json"])
def test_whisper_download_refuses_a_file_that_fails_its_checksum(tmp_path, model_site, bad):
    from voice.asr import whisper_models

    url, files = model_site
    served = dict(WHISPER_FILES)
    served[bad] = served[bad][:-1] + b"!"
    publish_whisper(files, content=served, listed=WHISPER_FILES)
    with pytest.raises(models.ModelError, match="checksum"):
        whisper_models.download_whisper("whisper-base.en", dest=tmp_path, base_url=url, progress=lambda *a: None)
    assert not (tmp_path / "whisper-base.en").exists() and not list(tmp_path.glob(".download-*"))


def test_whisper_download_offline_says_so(tmp_path, capsys, monkeypatch):
    from voice.asr import whisper_models
    from attune.cli import main

    with pytest.raises(models.ModelError, match="offline"):
        whisper_models.download_whisper("whisper-base.en", dest=tmp_path, base_url="http://127.0.0.1:9")
    monkeypatch.setenv("ATTUNE_MODELS_DIR", str(tmp_path))
    assert main(["models", "download", "whisper-base.en", "--url", "http://127.0.0.1:9"]) == 1
    assert "offline" in capsys.readouterr().err
    with pytest.raises(models.ModelError, match="unknown Whisper model"):
        whisper_models.download_whisper("whisper-huge", dest=tmp_path)
