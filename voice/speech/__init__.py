"""Speech out: text to speech, playback and printed speech."""
