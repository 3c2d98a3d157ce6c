"""The voice loop's peak memory with each second-pass Whisper model, measured as voice_bench.py does.

    .venv/bin/python bench/whisper_memory.py --models tiny.en,base --runs 2

`voice_bench.bench_memory`: VmHWM of `attune listen --wav` against a separate server, with
pocketsphinx and the Whisper second pass (`--engine whisper --whisper-model M`), pyttsx3 speaking to
the ALSA file device; three commands with --no-wake, and "attune" / a command / "attune, another
one" with the wake phrase (the default). The models take turns run by run, so a busy stretch of the
shared machine falls on each. Prints a Markdown table (figures go into bench/results/whisper-base.md).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import voice_bench as vb  # noqa: E402

MODES = (("--no-wake", vb.MEMORY_COMMANDS, False), ("wake phrase", vb.MEMORY_WAKE, True))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", default="tiny.en,base", help="comma-separated --whisper-model values")
    ap.add_argument("--runs", type=int, default=2, help="runs of each model and mode")
    args = ap.parse_args(argv)
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    folder = Path(tempfile.mkdtemp(prefix="attune-whisper-memory-"))
    vb.fake_sound_card(folder)
    server, url = vb.start_server(folder)
    peaks: dict[tuple[str, str], list[float]] = {}
    try:
        for run in range(args.runs):
            for model in models:
                for mode, texts, wake in MODES:
                    tag = f"{'wake' if wake else 'mem'}{run}"
                    peak, _end = vb.memory_or_nan(f"{model} {mode}", folder, url, texts, tag,
                                                  wake=wake, engine="whisper", whisper_model=model)
                    peaks.setdefault((model, mode), []).append(peak)
                    print(f"run {run + 1}: {model}, {mode}: {peak:.0f} MB", flush=True)
    finally:
        server.close()
    print("\n| model | --no-wake, peak MB (runs) | wake phrase, peak MB (runs) |\n|---|---|---|")
    for model in models:
        cells = [peaks[(model, mode)] for mode in ("--no-wake", "wake phrase")]
        print(f"| {model} | " + " | ".join(f"{statistics.median(c):.0f} ({', '.join(f'{x:.0f}' for x in c)})"
                                           for c in cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
