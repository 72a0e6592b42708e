"""HTTPS to a receiver: the connection goes to the address checked after resolving, and TLS still verifies
the certificate against the URL's host name (SNI and hostname check), never the address."""

from __future__ import annotations

import datetime
import socket
import ssl

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from api.webhooks import egress
from tests.api import webhook_receiver

HOST = "hooks.partnerhub-test.example"


def _certificate(subject: str, issuer_key, issuer_name, key, *, ca: bool, names=()):
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(issuer_name or x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


@pytest.fixture
def tls_receiver(tmp_path, settings, monkeypatch):
    """A receiver serving HTTPS on 127.0.0.1 with a certificate for HOST, signed by a CA the test trusts; HOST
    resolves to 127.0.0.1 (DNS is the boundary)."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _certificate("Test CA", ca_key, None, ca_key, ca=True)
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = _certificate(HOST, ca_key, ca.subject, key, ca=False, names=[HOST])
    (tmp_path / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "leaf.pem").write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption()))  # fmt: skip
    settings.WEBHOOK_CA_BUNDLE = str(tmp_path / "ca.pem")
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    receiver, server = webhook_receiver.start()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "leaf.pem", tmp_path / "key.pem")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    real = socket.getaddrinfo

    def resolve(host, port, *args, **kwargs):
        if host in (HOST, "other.partnerhub-test.example"):
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    yield receiver, server.server_address[1]
    server.shutdown()
    server.server_close()


def test_https_verifies_the_certificate_of_the_host_name_while_connecting_to_the_checked_address(tls_receiver):
    receiver, port = tls_receiver
    answer = egress.post(f"https://{HOST}:{port}/hooks", b"{}", {"webhook-id": "evt_1"})
    assert (answer.status, answer.error) == (204, "")
    assert receiver.requests[0].headers["host"] == f"{HOST}:{port}"


def test_a_certificate_for_another_name_is_refused(tls_receiver):
    receiver, port = tls_receiver
    answer = egress.post(f"https://other.partnerhub-test.example:{port}/hooks", b"{}", {})
    assert answer.status is None
    assert "certificate" in answer.error.lower() or "hostname" in answer.error.lower()
    assert receiver.requests == []


def test_an_address_that_is_not_the_checked_one_is_never_dialled(tls_receiver, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    receiver, port = tls_receiver
    answer = egress.post(f"https://{HOST}:{port}/hooks", b"{}", {})
    assert "127.0.0.1 is not a public address" in answer.error
    assert receiver.requests == []
