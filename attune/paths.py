"""Where attune keeps its files: the settings file, the data folder (database, journal,
certificate) and downloaded models. Each can be moved by a setting or an ATTUNE_* variable.
Also the checksum that pinned model files are held to."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Mapping

import platformdirs

APP_NAME = "attune"
REPO_MODELS_DIR = Path(__file__).resolve().parent.parent / "models"
"""models/ beside the package in a checkout; also where `make run` looks first."""


def default_config_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME))


def config_path(env: Mapping[str, str] | None = None) -> Path:
    """The settings file in use: $ATTUNE_CONFIG, else the per-user default."""
    env = os.environ if env is None else env
    return Path(env["ATTUNE_CONFIG"]) if env.get("ATTUNE_CONFIG") else default_config_path()


def models_dir(env: Mapping[str, str] | None = None) -> Path:
    """Downloaded speech models: $ATTUNE_MODELS_DIR, else models/ in the checkout."""
    env = os.environ if env is None else env
    return Path(env["ATTUNE_MODELS_DIR"]) if env.get("ATTUNE_MODELS_DIR") else REPO_MODELS_DIR


def sha256_file(path: Path) -> str:
    """The hex sha256 of a file, read in 1 MiB blocks (model files are tens of megabytes)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
