"""Speech to text: one module per engine, the grammar they share, the engine factory and models."""

ENGINES = ("auto", "whisper", "pocketsphinx", "vosk")
"""--engine choices: "whisper" is pocketsphinx's grammar pass with Whisper's second pass."""
