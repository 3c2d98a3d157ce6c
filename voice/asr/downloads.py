"""Downloads shared by the vosk and Whisper models: where models live, fetching, progress, checksummed copies."""

from __future__ import annotations

import sys
import urllib.error
import urllib.request
from typing import Callable



class ModelError(Exception):
    """A model could not be found, downloaded or verified (the message says what to do)."""


def fetch(url: str, timeout: float = 30.0):
    try:
        return urllib.request.urlopen(url, timeout=timeout)  # noqa: S310 (https or a test's 127.0.0.1)
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ModelError(f"cannot reach {url} ({reason}). Are you offline? attune keeps working with "
                         "pocketsphinx, which needs no download.") from exc


def progress_bar(stream=None) -> Callable[[int, int | None], None]:
    stream = stream or sys.stderr

    def show(done: int, total: int | None) -> None:
        if total:
            filled = int(30 * done / total)
            stream.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done / 1e6:6.1f}/{total / 1e6:.1f} MB")
        else:
            stream.write(f"\r{done / 1e6:6.1f} MB")
        stream.flush()

    return show


def copy_counted(resp, out, total: int | None, progress: Callable[[int, int | None], None], digests) -> int:
    """Copy a download to `out` in blocks, updating each digest and the progress bar; the bytes copied."""
    done = 0
    while True:
        block = resp.read(1 << 16)
        if not block:
            return done
        out.write(block)
        for digest in digests:
            digest.update(block)
        done += len(block)
        progress(done, total)
