"""The simulator's TLS certificate: self-signed and made at start, like a gateway's."""

from __future__ import annotations

from dataclasses import dataclass
import datetime as dt
import hashlib
import ipaddress
from pathlib import Path
import ssl
import tempfile
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass(frozen=True)
class Certificate:
    """A PEM certificate and its private key."""

    cert_pem: bytes
    key_pem: bytes

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the DER certificate: lowercase hex, no colons."""
        der = x509.load_pem_x509_certificate(self.cert_pem).public_bytes(serialization.Encoding.DER)
        return hashlib.sha256(der).hexdigest()

    def server_context(self) -> ssl.SSLContext:
        """Return a server-side SSL context serving this certificate."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.load_into(context)
        return context

    def load_into(self, context: ssl.SSLContext) -> None:
        """Serve this certificate from ``context``: every handshake from now on presents it."""
        # load_cert_chain only reads files; the folder is gone when this returns.
        with tempfile.TemporaryDirectory(prefix="gateway-sim-") as folder:
            cert_path = Path(folder, "cert.pem")
            key_path = Path(folder, "key.pem")
            cert_path.write_bytes(self.cert_pem)
            key_path.write_bytes(self.key_pem)
            context.load_cert_chain(cert_path, key_path)


def generate_certificate(common_name: str = "teg") -> Certificate:
    """Make a fresh self-signed certificate for 127.0.0.1, valid for ten years."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    # The datetime class is looked up at call time and the clock read with time.time():
    # under a test's freezegun, cryptography accepts only the patched class, while
    # the simulator (on freezegun's ignore list) must keep the real time.
    now = dt.datetime.fromtimestamp(time.time(), dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName(common_name),
                    x509.DNSName("powerwall"),
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                ]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    return Certificate(
        cert_pem=cert.public_bytes(serialization.Encoding.PEM),
        key_pem=key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )


def load_certificate(cert_file: str | Path, key_file: str | Path) -> Certificate:
    """Read a certificate and its key from PEM files given by the user."""
    return Certificate(cert_pem=Path(cert_file).read_bytes(), key_pem=Path(key_file).read_bytes())
