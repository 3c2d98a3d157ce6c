"""vosk models: finding them on disk and downloading official ones. Never `vosk.Model(lang=...)`.

Search order: `VOSK_MODEL_PATH`, then folders in `models/` (the repository's, or
`ATTUNE_MODELS_DIR`), then vosk's cache (`~/.cache/vosk`). A model folder is one holding
`am/final.mdl` (or `final.mdl`) and a `conf/` folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Callable, Mapping

from attune.paths import models_dir
from attune.version import package_version
from voice.asr import whisper_models
from voice.asr.downloads import ModelError, copy_counted, fetch, progress_bar

DEFAULT_MODEL = "vosk-model-small-en-us-0.15"
MODELS_URL = "https://alphacephei.com/vosk/models"
"""Official vosk model site; override with ATTUNE_VOSK_MODELS_URL (tests use a local server)."""
def is_model_dir(path: Path) -> bool:
    return path.is_dir() and ((path / "am" / "final.mdl").exists() or (path / "final.mdl").exists()) \
        and (path / "conf").is_dir()


def is_english(path: Path) -> bool:
    name = path.name.lower()
    return "-en-" in name or name.endswith("-en") or "-en-us" in name or "-en-in" in name


def candidate_models(env: Mapping[str, str] | None = None) -> list[Path]:
    """Every vosk model folder found, in search order."""
    env = os.environ if env is None else env
    found: list[Path] = []
    if env.get("VOSK_MODEL_PATH"):
        path = Path(env["VOSK_MODEL_PATH"]).expanduser()
        if is_model_dir(path):
            found.append(path)
    home = Path(env.get("HOME") or Path.home())
    for folder in (models_dir(env), home / ".cache" / "vosk"):
        if folder.is_dir():
            found.extend(sorted(p for p in folder.iterdir() if is_model_dir(p)))
    return list(dict.fromkeys(found))


def find_vosk_model(env: Mapping[str, str] | None = None, english_only: bool = True) -> Path | None:
    """The model to use: VOSK_MODEL_PATH as given, else the first English model found."""
    env = os.environ if env is None else env
    models = candidate_models(env)
    if env.get("VOSK_MODEL_PATH") and models and str(models[0]) == str(Path(env["VOSK_MODEL_PATH"]).expanduser()):
        return models[0]
    for path in models:
        if is_english(path) or not english_only:
            return path
    return None


def expected_md5(name: str, base_url: str) -> str | None:
    """The md5 the model list publishes for `name` (None when the list has no entry)."""
    try:
        with fetch(f"{base_url}/model-list.json") as resp:
            listing = json.load(resp)
    except (ModelError, ValueError):
        return None
    for entry in listing if isinstance(listing, list) else []:
        if entry.get("name") == name:
            return entry.get("md5")
    return None


def download_model(name: str = DEFAULT_MODEL, dest: Path | None = None, base_url: str | None = None,
                   progress: Callable[[int, int | None], None] | None = None) -> Path:
    """Download `name`.zip, verify it (md5 from the model list, zip CRCs), unpack into `dest`/`name`."""
    base_url = (base_url or os.environ.get("ATTUNE_VOSK_MODELS_URL") or MODELS_URL).rstrip("/")
    dest = Path(dest) if dest else models_dir()
    target = dest / name
    if is_model_dir(target):
        return target
    if "/" in name or name.startswith("."):
        raise ModelError(f"bad model name {name!r}")
    dest.mkdir(parents=True, exist_ok=True)
    want_md5 = expected_md5(name, base_url)
    progress = progress or progress_bar()
    md5 = hashlib.md5()  # noqa: S324 (the vosk model list publishes md5)
    with tempfile.TemporaryDirectory(dir=dest, prefix=".download-") as tmp:
        zip_path = Path(tmp) / f"{name}.zip"
        with fetch(f"{base_url}/{name}.zip") as resp, open(zip_path, "wb") as out:
            total = int(resp.headers.get("Content-Length") or 0) or None
            done = copy_counted(resp, out, total, progress, [md5])
        progress(done, total)
        if total and done != total:
            raise ModelError(f"download of {name} stopped at {done} of {total} bytes; try again")
        if want_md5 and md5.hexdigest() != want_md5:
            raise ModelError(f"{name}.zip failed its checksum (md5 {md5.hexdigest()}, expected {want_md5})")
        try:
            with zipfile.ZipFile(zip_path) as zf:
                bad = zf.testzip()
                if bad:
                    raise ModelError(f"{name}.zip is corrupt ({bad})")
                unpack = Path(tmp) / "unpacked"
                for member in zf.namelist():
                    resolved = (unpack / member).resolve()
                    if not str(resolved).startswith(str(unpack.resolve())):
                        raise ModelError(f"{name}.zip has an unsafe path: {member}")
                zf.extractall(unpack)
        except zipfile.BadZipFile as exc:
            raise ModelError(f"{name}.zip is not a zip file ({exc})") from exc
        inner = unpack / name if (unpack / name).is_dir() else unpack
        if not is_model_dir(inner):
            raise ModelError(f"{name}.zip does not contain a vosk model")
        shutil.move(str(inner), str(target))
    return target


def list_models(env: Mapping[str, str] | None = None) -> list[dict]:
    """Every model attune can use: vosk folders found and pocketsphinx's bundled one."""
    out = [{"engine": "vosk", "name": p.name, "path": str(p), "english": is_english(p)}
           for p in candidate_models(env)]
    bundled = whisper_models.bundled_dir()
    if bundled is not None:
        out.append({"engine": "whisper", "name": "tiny.en", "path": str(bundled), "english": True,
                    "version": f"{whisper_models.BUNDLED_PACKAGE} {package_version(whisper_models.BUNDLED_PACKAGE)}"})
    folder = models_dir(env)
    if folder.is_dir():
        out += [{"engine": "whisper", "name": p.name, "path": str(p), "english": p.name.endswith(".en")}
                for p in sorted(folder.iterdir()) if whisper_models.is_whisper_dir(p)]
    try:
        import pocketsphinx  # optional and heavy: only to show where its model is

        out.append({"engine": "pocketsphinx", "name": "en-us",
                    "path": str(Path(pocketsphinx.get_model_path()) / "en-us"), "english": True,
                    "version": package_version("pocketsphinx")})
    except ImportError:
        pass
    return out
