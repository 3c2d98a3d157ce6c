"""Audio devices through sounddevice (PortAudio): list them, and find one from a setting."""

from __future__ import annotations


def import_sounddevice():
    """sounddevice, or None when PortAudio is missing."""
    try:
        import sounddevice  # optional and heavy: PortAudio, only for live devices
    except (ImportError, OSError):
        return None
    return sounddevice


def list_devices(sd=None) -> list[dict]:
    """[{"index", "name", "inputs", "outputs", "default_rate", "default_input", "default_output"}]."""
    sd = sd or import_sounddevice()
    if sd is None:
        return []
    try:
        devices = sd.query_devices()
        default_in, default_out = sd.default.device
    except Exception:  # PortAudio refuses to enumerate: nothing usable
        return []
    out = []
    for index, dev in enumerate(devices):
        out.append({"index": index, "name": dev["name"], "inputs": dev["max_input_channels"],
                    "outputs": dev["max_output_channels"], "default_rate": dev["default_samplerate"],
                    "default_input": index == default_in, "default_output": index == default_out})
    return out


def resolve_device(spec: str | int | None, kind: str, sd=None):
    """A device setting ("3", "USB mic", None) -> a sounddevice device id, or None for the default.

    Raises LookupError when no such device (or no default device of that kind) exists.
    """
    sd = sd or import_sounddevice()
    channels_key = "inputs" if kind == "input" else "outputs"
    devices = [d for d in list_devices(sd) if d[channels_key] > 0]
    if not devices:
        raise LookupError(f"no {kind} device")
    if spec is None or str(spec).strip() == "":
        return None
    text = str(spec).strip()
    if text.isdigit():
        if any(d["index"] == int(text) for d in devices):
            return int(text)
        raise LookupError(f"no {kind} device with index {text}")
    for d in devices:
        if text.casefold() in d["name"].casefold():
            return d["index"]
    raise LookupError(f"no {kind} device named like {text!r}")


def has_device(kind: str, spec=None, sd=None) -> bool:
    try:
        resolve_device(spec, kind, sd)
        return True
    except LookupError:
        return False
