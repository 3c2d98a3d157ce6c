"""Listening etiquette: the wake phrase spotter and the listening states."""
