"""The pure core (intents, the routine engine) loads no web server, audio or speech library, and the
runner and store that the API calls load no web server either."""

import subprocess
import sys

import pytest

EDGES = ("flask", "werkzeug", "waitress", "sounddevice", "pocketsphinx", "vosk", "pyttsx3", "ctranslate2")


@pytest.mark.parametrize("modules", ["intents, server.routines.engine", "server.runner, server.store"])
def test_the_pure_core_imports_no_edge(modules):
    code = (f"import sys, {modules}; "
            f"print(' '.join(m for m in {EDGES!r} if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert loaded == []
