"""The edges: audio sources, recognizers, speech out and the hands-free loop (a client of the server)."""
