"""`attune passcode set --partner NAME [--server URL]`: set or change a partner's passcode.

Reads the passcode with no echo (getpass) on a terminal, asking twice; from a pipe it
reads one line per answer (the current passcode first when one is set), so scripts and
tests can drive it. The passcode goes to the running state service over its API, never
to a file, an argument or the environment.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
import urllib.error
import urllib.request
from pathlib import Path

from server.settings import SettingsError
from server.settings_flags import settings_from_args

WARNING = ("There is no back door: if this passcode is forgotten, the private entries it locks "
           "cannot be read by anyone, ever.")


def _ask(prompt: str) -> str:
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    line = sys.stdin.readline()
    if not line:
        raise SettingsError("no passcode given on standard input")
    return line.rstrip("\r\n")


def _call(method: str, url: str, body: dict | None, token: str | None) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode("utf-8")
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        try:
            return error.code, json.loads(error.read() or b"{}")
        except ValueError:
            return error.code, {}


def set_passcode(args: argparse.Namespace) -> int:
    settings = settings_from_args(args).settings
    base = (args.server or settings.base_url).rstrip("/") + "/api/v1"
    try:
        status, info = _call("GET", f"{base}/privacy", None, settings.access_token)
    except (urllib.error.URLError, OSError) as exc:
        print(f"attune: cannot reach the state service at {base} ({exc}); is `attune serve` running?",
              file=sys.stderr)
        return 1
    partner = next((p for p in info.get("partners", []) if p["name"].casefold() == args.partner.casefold()), None)
    if partner is None:
        names = ", ".join(p["name"] for p in info.get("partners", []))
        print(f"attune: no partner '{args.partner}' (partners: {names})", file=sys.stderr)
        return 2
    print(WARNING, file=sys.stderr)
    current = _ask(f"{partner['name']}'s current passcode: ") if partner["passcode"] else None
    new = _ask(f"{partner['name']}'s new passcode (at least 6 characters): ")
    if sys.stdin.isatty() and getpass.getpass("Again: ") != new:
        print("attune: the two passcodes differ; nothing was changed", file=sys.stderr)
        return 2
    status, answer = _call("PUT", f"{base}/privacy/passcode",
                           {"partner": partner["name"], "passcode": new, "current": current}, settings.access_token)
    if status != 200:
        print(f"attune: {answer.get('error', {}).get('message', f'the service answered {status}')}", file=sys.stderr)
        return 1
    print(f"{partner['name']}'s passcode is set. {answer['warning']}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("passcode", help="set or change a partner's passcode for their private entries",
                            description="Private entries are encrypted; a partner's passcode opens theirs. "
                                        + WARNING)
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    setter = actions.add_parser("set", help="set or change a partner's passcode (read from standard input, no echo)")
    setter.add_argument("--partner", required=True, help="whose passcode")
    setter.add_argument("--server", metavar="URL", help="the state service (default: http://127.0.0.1:5317)")
    setter.add_argument("--config", type=Path, metavar="FILE", help="settings TOML file (for the server address)")
    setter.set_defaults(handler=set_passcode)
