"""A self-signed serving certificate for the simulator (IP SAN 127.0.0.1, DNS SAN localhost).

Made with the ``cryptography`` package when it is installed, else with the ``openssl`` command.
The certificate is its own CA (basicConstraints CA:TRUE), so the kubeconfig's
``certificate-authority-data`` is the certificate itself. One pair per process is enough.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CertPair", "self_signed"]

_OPENSSL_CONFIG = """\
[req]
distinguished_name = dn
x509_extensions = v3
prompt = no
[dn]
CN = rhcos-runbooks-simulator
[v3]
basicConstraints = critical,CA:TRUE
keyUsage = critical,digitalSignature,keyEncipherment,keyCertSign
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:localhost
subjectKeyIdentifier = hash
"""


@dataclass(frozen=True)
class CertPair:
    """PEM certificate and key."""

    cert_pem: bytes
    key_pem: bytes


@functools.cache
def self_signed() -> CertPair:
    """The process's simulator certificate (made on first use)."""
    try:
        return _with_cryptography()
    except ImportError:
        return _with_openssl()


def _with_cryptography() -> CertPair:
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "rhcos-runbooks-simulator")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_encipherment=True,
                key_cert_sign=True,
                content_commitment=False,
                data_encipherment=False,
                key_agreement=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return CertPair(
        cert_pem=cert.public_bytes(serialization.Encoding.PEM),
        key_pem=key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )


def _with_openssl() -> CertPair:
    openssl = shutil.which("openssl")
    if openssl is None:
        raise RuntimeError(
            "TLS simulator needs the cryptography package or the openssl command; install one"
        )
    with tempfile.TemporaryDirectory(prefix="rhcos-sim-tls-") as tmp:
        d = Path(tmp)
        (d / "openssl.cnf").write_text(_OPENSSL_CONFIG)
        subprocess.run(
            [
                openssl, "req", "-x509", "-nodes", "-newkey", "ec",
                "-pkeyopt", "ec_paramgen_curve:prime256v1", "-days", "2",
                "-config", str(d / "openssl.cnf"),
                "-keyout", str(d / "key.pem"), "-out", str(d / "cert.pem"),
            ],
            check=True,
            capture_output=True,
        )  # fmt: skip
        return CertPair((d / "cert.pem").read_bytes(), (d / "key.pem").read_bytes())
