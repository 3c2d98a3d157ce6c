"""The home-network listener (`attune serve --lan`): HTTPS with a self-signed certificate made here.

The certificate and its key are generated on this machine at first start (an EC P-256 key,
`cryptography`'s x509), kept next to the database with mode 0600, and made again only when
the LAN address is no longer in it. Users check the SHA-256 fingerprint shown by `attune
serve` and the settings page against what their phone shows. Requests that arrive here carry
`attune.lan` in their WSGI environment, which no client can set; server.privacy guards them.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import socket
import ssl
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

LAN_ENVIRON_KEY = "attune.lan"
CERT_DAYS = 3650


def lan_address() -> str | None:
    """This machine's address on the home network (the one its default route uses), or None.

    A UDP "connect" sends nothing; it only asks the kernel which local address it would use."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: never routed anywhere real
            address = probe.getsockname()[0]
    except OSError:
        return None
    return None if address.startswith("127.") or address == "0.0.0.0" else address


def cert_paths(data_dir: Path) -> tuple[Path, Path]:
    return data_dir / "lan-cert.pem", data_dir / "lan-key.pem"


def _covers(cert: x509.Certificate, host: str) -> bool:
    try:
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    return ipaddress.ip_address(host) in names.get_values_for_type(x509.IPAddress)


def ensure_certificate(data_dir: Path, host: str) -> tuple[Path, Path, bool]:
    """(cert path, key path, made now): a certificate for `host`, made if missing or for another address."""
    cert_path, key_path = cert_paths(data_dir)
    if cert_path.exists() and key_path.exists():
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        if _covers(cert, host):
            return cert_path, key_path, False
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "attune on this home network")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=CERT_DAYS))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    _write_private(key_path, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
    _write_private(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path, True


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(path, 0o600)


def fingerprint(cert_path: Path) -> str:
    """SHA-256 fingerprint as browsers show it (AB:CD:...)."""
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    return cert.fingerprint(hashes.SHA256()).hex(":").upper()


class _MarkLan:
    """WSGI wrapper: every request through the LAN listener is marked as such."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        environ[LAN_ENVIRON_KEY] = True
        return self.app(environ, start_response)


def make_lan_server(app, host: str, port: int, cert_path: Path, key_path: Path):
    """A cheroot HTTPS server for `app` on host:port (bound when started; port 0 picks one)."""
    from cheroot import wsgi
    from cheroot.ssl.builtin import BuiltinSSLAdapter

    server = wsgi.Server((host, port), _MarkLan(app), numthreads=8, server_name="attune")
    adapter = BuiltinSSLAdapter(str(cert_path), str(key_path))
    adapter.context.minimum_version = ssl.TLSVersion.TLSv1_2
    server.ssl_adapter = adapter
    return server
