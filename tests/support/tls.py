"""A throw-away certificate authority and the demo endpoint served over HTTPS on 127.0.0.1.

For checking trust from the outside: the CA exists only for one run, so a client accepts the
server only if it reads the CA from where it was put (the system bundle path, a CA file).
Run ``python -m tests.support.tls DIR`` to write ``DIR/ca.pem``, serve, and print the base URL.
"""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import ssl
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from desktop_chat.demo_server import _DemoHTTPServer


def make_certificates(directory: Path) -> tuple[Path, Path, Path]:
    """Write a new CA and a server certificate for 127.0.0.1 and localhost it signed.

    Returns the paths of the CA's PEM, the server's certificate and its key.
    """
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    signing_only = x509.KeyUsage(
        digital_signature=True, content_commitment=False, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=True,
        crl_sign=True, encipher_only=False, decipher_only=False,
    )  # fmt: skip
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Desktop Chat test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(signing_only, critical=True)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    server = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    ca_path, cert_path, key_path = (directory / n for n in ("ca.pem", "server.pem", "key.pem"))
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(server.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return ca_path, cert_path, key_path


@contextlib.contextmanager
def https_demo(directory: Path) -> Iterator[str]:
    """Serve the demo endpoint over HTTPS with a new CA in `directory`; yield its base URL."""
    _, cert, key = make_certificates(directory)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    httpd = _DemoHTTPServer(tokens_per_second=0)
    # The handshake runs in accept(): a client that refuses the certificate just goes away.
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    httpd.start()
    try:
        yield f"https://127.0.0.1:{httpd.port}/v1"
    finally:
        httpd.close()


def main() -> None:
    """Serve until stdin closes, so the caller's exit ends it too."""
    with https_demo(Path(sys.argv[1])) as base_url:
        print(base_url, flush=True)
        done = threading.Event()
        threading.Thread(target=lambda: (sys.stdin.read(), done.set()), daemon=True).start()
        done.wait(600)  # bounded: a forgotten server does not outlive a CI run


if __name__ == "__main__":
    main()
