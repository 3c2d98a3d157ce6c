"""A speculative finish: the recognizer's whole end-of-utterance work, started when the speech goes quiet.

The endpointer only knows an utterance has ended after its trailing quiet; the words are already all
there when the quiet starts. `Speculation` runs `recognizer.finish()` (pocketsphinx's finish and
lattice, Whisper's encoding, reading and scoring, in parallel where the recognizer can) in a
thread on the audio heard so far. The caller feeds the recognizer nothing while it runs: when the
quiet reaches its length the result is taken as it is; when speech comes back it is thrown away
and the recognizer starts the utterance again from its audio (`restart`).
"""

from __future__ import annotations

import threading


class Speculation:
    """`recognizer.finish()` running in the background on the utterance so far."""

    def __init__(self, recognizer, remaining_ms: int):
        self.recognizer = recognizer
        self._result = None
        self._error: BaseException | None = None
        prepare = getattr(recognizer, "prepare", None)
        if prepare is not None:  # a second pass encodes in its own thread while the first pass finishes
            prepare(remaining_ms)
        self._thread = threading.Thread(target=self._run, name="attune-speculative-finish", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._result = self.recognizer.finish()
        except BaseException as exc:  # handed to whoever takes the result
            self._error = exc

    def result(self):
        """The transcript, once the utterance has really ended in the quiet it was started in."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._result

    def discard(self) -> None:
        """Speech came back: wait for the decoder to be free, and forget what it found."""
        self._thread.join()


def restart(recognizer, grammar, pcm: bytes, partials: bool) -> None:
    """The utterance again from its start, after a discarded speculation closed the decoder's utterance
    (a recognizer with a running cepstral mean first puts it back as the utterance's start found it)."""
    recognizer.rewind()
    recognizer.start(grammar, partials=partials)
    if pcm:
        recognizer.feed(pcm)
