"""`attune serve`: run the state service under waitress (never Flask's development server)."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from dataclasses import replace

from waitress.server import create_server

from attune.flags import add_settings_flags, settings_from_args
from attune.settings import LoadedSettings, SettingsError
from server import create_app, lan
from server.routines.safety_model import warm
from server.routines.timings import SETTING_CHECKS


def check_bind(loaded: LoadedSettings) -> None:
    """Refuse a non-loopback bind with no access token: anyone on the network could read everything."""
    settings = loaded.settings
    if not settings.is_loopback and not settings.access_token:
        raise SettingsError(
            f"refusing to bind to {settings.host}: a non-loopback address needs an access token "
            "(set ATTUNE_ACCESS_TOKEN or access_token in the config file)"
        )


def lan_settings(loaded: LoadedSettings) -> tuple[LoadedSettings, dict]:
    """With `lan` on: the LAN address settled and the certificate made; app config to pass on."""
    settings = loaded.settings
    if not settings.lan:
        return loaded, {}
    host = settings.lan_host or lan.lan_address()
    if host is None:
        raise SettingsError("lan = true, but this machine has no home-network address; set lan_host")
    cert, key, made = lan.ensure_certificate(settings.db_path.parent, host)
    loaded = replace(loaded, settings=replace(settings, lan_host=host))
    return loaded, {"ATTUNE_LAN_FINGERPRINT": lan.fingerprint(cert), "ATTUNE_LAN_CERT": (cert, key, made)}


def make_server(loaded: LoadedSettings):
    """A waitress server for the app, bound but not yet serving (port 0 picks a free port)."""
    check_bind(loaded)
    loaded, extra = lan_settings(loaded)
    app = create_app({"ATTUNE_SETTINGS": loaded.settings, "ATTUNE_SETTING_SOURCES": dict(loaded.sources), **extra})
    settings = loaded.settings
    # waitress would otherwise buffer up to 1 GB before Flask's JSON 413; cap it well above the
    # API's own limit so ordinary oversize bodies still get the JSON error from Flask.
    body_cap = max(1024 * 1024, 16 * settings.max_body_bytes)
    return create_server(app, host=settings.host, port=settings.port, threads=8,
                         ident="attune", clear_untrusted_proxy_headers=True,
                         max_request_body_size=body_cap), app


def start_lan(app) -> object | None:
    """Bind and start the HTTPS listener for paired phones in a thread (None when `lan` is off)."""
    settings = app.config["ATTUNE_SETTINGS"]
    if not settings.lan:
        return None
    cert, key, made = app.config["ATTUNE_LAN_CERT"]
    server = lan.make_lan_server(app, settings.lan_host, settings.lan_port, cert, key)
    server.prepare()
    threading.Thread(target=server.serve, name="attune-lan", daemon=True).start()
    print(f"attune: phones on the home network: {app.config['ATTUNE_LAN_URL']}  (HTTPS, certificate "
          f"{'made now' if made else 'made here earlier'}; SHA-256 fingerprint {app.config['ATTUNE_LAN_FINGERPRINT']})",
          flush=True)
    return server


def serve(args: argparse.Namespace) -> int:
    loaded = settings_from_args(args, SETTING_CHECKS)
    # Load the disclosure detector's sentence encoder (about a second) before taking requests:
    # the first sentence after a start, a journal replay, must not wait for it.
    warm(loaded.settings.locale)
    try:
        server, app = make_server(loaded)
        lan_server = start_lan(app)
    except OSError as exc:
        print(f"attune: cannot listen on {loaded.settings.host}:{loaded.settings.port}"
              f"{' or the home-network port' if loaded.settings.lan else ''}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    settings = loaded.settings
    host, port = server.effective_host, server.effective_port
    shown = f"[{host}]" if ":" in str(host) else host
    print(f"attune: state service on http://{shown}:{port}  (data: {settings.db_path})", flush=True)

    def _stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        if lan_server is not None:
            lan_server.stop()
        app.extensions["attune.db"].close()
        print("attune: state service stopped", flush=True)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "serve",
        help="run the state service (JSON API and web page) on 127.0.0.1:5317",
        description="Run the attune state service: the JSON API under /api/v1 and the web page, "
                    "under the waitress WSGI server. Binds 127.0.0.1 unless told otherwise; a "
                    "non-loopback address requires an access token.",
        epilog="Settings come from defaults < settings edited on the web page < the TOML file < "
               "ATTUNE_* environment variables < these flags. The access token is set with "
               "ATTUNE_ACCESS_TOKEN (or access_token in the file), never a flag. Ctrl-C or SIGTERM "
               "stops the service cleanly. API documentation: http://127.0.0.1:5317/api/v1/openapi.json",
    )
    add_settings_flags(parser)
    parser.add_argument("--lan", action="store_true", default=None,
                        help="also listen on the home network over HTTPS for paired phones (setting lan = true)")
    parser.set_defaults(handler=serve)

