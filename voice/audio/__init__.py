"""Audio in: sources (WAV files, the microphone), 16 kHz PCM, devices and endpointing."""
