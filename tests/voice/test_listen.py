"""The loop's voice follows settings edited on the web page, unless a flag on the command line set it."""

from __future__ import annotations

from server import create_app
from tests.voice.test_loop import InProcess
from attune.cli import build_parser
from voice.client import Client
from voice.listen import loop_settings


def test_voice_settings_come_from_the_service_unless_a_flag_sets_them(settings, tmp_path, monkeypatch):
    monkeypatch.setenv("ATTUNE_CONFIG", str(tmp_path / "none.toml"))
    for name in ("ATTUNE_VOICE_RATE", "ATTUNE_VOICE_VOLUME", "ATTUNE_VOICE"):
        monkeypatch.delenv(name, raising=False)
    app = create_app({"ATTUNE_SETTINGS": settings})
    wire = InProcess(app)
    assert wire.client.patch("/api/v1/settings", json={"voice_rate": 120, "voice_volume": 0.5}).status_code == 200
    client = Client("http://attune.test", tmp_path / "j.jsonl", opener=wire)

    plain = build_parser().parse_args(["listen", "--text"])
    chosen = loop_settings(plain, client)
    assert (chosen.voice_rate, chosen.voice_volume) == (120, 0.5)

    flagged = build_parser().parse_args(["listen", "--text", "--voice-rate", "150"])
    chosen = loop_settings(flagged, client)
    assert (chosen.voice_rate, chosen.voice_volume) == (150, 0.5)

    wire.down = True  # the service unreachable: local settings, no crash
    assert loop_settings(plain, client).voice_rate == 165
    app.extensions["attune.db"].close()
