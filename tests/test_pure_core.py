"""The pure core (intents, the routine engine) loads no web server, audio or speech library."""

import subprocess
import sys

EDGES = ("flask", "werkzeug", "waitress", "sounddevice", "pocketsphinx", "vosk", "pyttsx3", "ctranslate2")


def test_the_pure_core_imports_no_edge():
    code = ("import sys, intents, server.routines.engine; "
            f"print(' '.join(m for m in {EDGES!r} if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert loaded == []
