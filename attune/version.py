"""The installed versions of attune and of the engines it reports at start."""

from __future__ import annotations

from importlib import metadata


def package_version(dist: str) -> str:
    """An installed distribution's version, or "unknown" when it is not installed as a package."""
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "unknown"


__version__ = package_version("attune")
