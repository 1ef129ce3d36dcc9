"""A fake Web Push service (RFC 8030) for black-box tests, plus a browser-side subscriber.

`PushService` is an HTTPS server that records every push it receives and answers with scripted statuses, so
tests can drive the server's retry / expiry handling. `verify` checks a received push the way a real push
service and browser would (RFC 8292 VAPID, RFC 8291 aes128gcm) and returns the decrypted JSON payload.
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import ipaddress
import json
import os
import re
import shutil
import socket
import ssl
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import http_ece
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

URGENCIES = {"very-low", "low", "normal", "high"}
MAX_BODY = 4096  # RFC 8030 §7.2 minimum every push service accepts; FCM and autopush reject larger bodies.
MAX_VAPID_LIFETIME = 24 * 3600  # RFC 8292 §2
CLOCK_LEEWAY = 5  # seconds: the sender may round `exp` up to the next whole second.


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class PushSubscriber:
    """The browser side of a subscription: holds the keys the server encrypts to (RFC 8291 §2)."""

    def __init__(self) -> None:
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.auth_secret = os.urandom(16)
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        self.p256dh = b64url(point)
        self.auth = b64url(self.auth_secret)

    def subscription(self, endpoint: str) -> dict:
        """The PushSubscription JSON a browser would hand to the application."""
        return {"endpoint": endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}

    def decrypt(self, body: bytes) -> bytes:
        return http_ece.decrypt(body, private_key=self.private_key, auth_secret=self.auth_secret,
                                version="aes128gcm")


@dataclass
class Received:
    name: str
    status_returned: int
    headers: dict[str, str]  # keys lower-cased
    body: bytes
    received_at: float  # time.monotonic()


def _make_certificates(directory: Path) -> tuple[Path, Path, Path]:
    """A throwaway CA plus a leaf for 127.0.0.1/localhost: some TLS stacks refuse a leaf as its own trust anchor."""
    now = datetime.datetime.now(datetime.timezone.utc)
    validity = (now - datetime.timedelta(minutes=5), now + datetime.timedelta(days=1))

    def issue(subject: str, key: ec.EllipticCurvePrivateKey, issuer: x509.Name,
              issuer_key: ec.EllipticCurvePrivateKey, ca: bool) -> x509.Certificate:
        builder = (x509.CertificateBuilder()
                   .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
                   .issuer_name(issuer).public_key(key.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(validity[0]).not_valid_after(validity[1])
                   .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
                   .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
                   .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
                                  critical=False))
        if ca:
            builder = builder.add_extension(x509.KeyUsage(
                digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                key_encipherment=False, data_encipherment=False, key_agreement=False,
                encipher_only=False, decipher_only=False), critical=True)
        else:
            builder = (builder
                       .add_extension(x509.SubjectAlternativeName([
                           x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
                           critical=False)
                       .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False))
        return builder.sign(issuer_key, hashes.SHA256())

    ca_key, leaf_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Parley test push CA")])
    ca_cert = issue("Parley test push CA", ca_key, ca_name, ca_key, ca=True)
    leaf_cert = issue("127.0.0.1", leaf_key, ca_name, ca_key, ca=False)
    pem = serialization.Encoding.PEM
    paths = directory / "ca.pem", directory / "server.pem", directory / "server.key"
    paths[0].write_bytes(ca_cert.public_bytes(pem))
    paths[1].write_bytes(leaf_cert.public_bytes(pem) + ca_cert.public_bytes(pem))
    paths[2].write_bytes(leaf_key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                                serialization.NoEncryption()))
    return paths


class PushService:
    """HTTPS push service on 127.0.0.1; POST /push/<name> is recorded and answered from that name's script."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._scripts: dict[str, list[tuple[int, dict[str, str]]]] = {}
        self._received: dict[str, list[Received]] = {}
        self._connections: set[socket.socket] = set()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._dir: Path | None = None
        self.ca_file = ""
        self.port = 0

    # ------------------------------------------------------------------------------------------ lifecycle

    def start(self) -> PushService:
        self._dir = Path(tempfile.mkdtemp(prefix="push-service-"))
        ca, chain, key = _make_certificates(self._dir)
        self.ca_file = str(ca)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(chain, key)
        context.set_alpn_protocols(["http/1.1"])
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        # Handshake lazily in the request thread, so a stalled client cannot block accept().
        server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
        self._server, self.port = server, server.server_address[1]
        self._thread = threading.Thread(target=server.serve_forever, name="push-service", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            with self._lock:  # idle keep-alive connections would otherwise outlive the service
                for connection in self._connections:
                    with contextlib.suppress(OSError):
                        connection.shutdown(socket.SHUT_RDWR)
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = self._thread = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def __enter__(self) -> PushService:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------------------------------ test API

    @property
    def origin(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def endpoint(self, name: str) -> str:
        return f"{self.origin}/push/{name}"

    def script(self, name: str, responses: list[tuple[int, dict[str, str]]]) -> None:
        """Answer the next POSTs to `name` with these (status, headers) in order; 201 Created afterwards."""
        with self._lock:
            self._scripts[name] = list(responses)

    def received(self, name: str) -> list[Received]:
        with self._lock:
            return list(self._received.get(name, []))

    def wait_for(self, name: str, count: int = 1, timeout: float = 10) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(got := self.received(name)) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        if len(got) >= count:
            return got
        summary = [(r.status_returned, r.headers, len(r.body)) for r in got]
        raise AssertionError(f"push endpoint {name!r}: wanted {count} POST(s) within {timeout}s, got {summary}")

    def verify(self, received: Received, subscriber: PushSubscriber, vapid_public_key_b64url: str) -> dict:
        """Check a push as a real push service + browser would; return its decrypted JSON payload."""
        h, where = received.headers, f"push to {received.name!r}"
        assert h.get("content-encoding", "").strip().lower() == "aes128gcm", \
            f"{where}: Content-Encoding {h.get('content-encoding')!r}, want aes128gcm"
        assert re.fullmatch(r"\d+", h.get("ttl", "").strip()), f"{where}: TTL {h.get('ttl')!r} is not an integer >= 0"
        assert "urgency" not in h or h["urgency"].strip() in URGENCIES, f"{where}: bad Urgency {h['urgency']!r}"
        assert len(received.body) <= MAX_BODY, f"{where}: body is {len(received.body)} bytes, max {MAX_BODY}"
        self._verify_vapid(h.get("authorization", ""), vapid_public_key_b64url, where)
        try:
            plaintext = subscriber.decrypt(received.body)
        except Exception as error:  # http_ece raises ECEException, struct.error, ... on malformed input
            raise AssertionError(f"{where}: cannot decrypt aes128gcm body: {error!r}") from error
        try:
            return json.loads(plaintext)
        except ValueError as error:
            raise AssertionError(f"{where}: payload is not JSON: {plaintext[:200]!r}") from error

    def _verify_vapid(self, authorization: str, public_key_b64url: str, where: str) -> None:
        """RFC 8292 §3: `vapid t=<ES256 JWT>, k=<uncompressed P-256 key>`."""
        scheme, _, rest = authorization.strip().partition(" ")
        assert scheme.lower() == "vapid", f"{where}: Authorization {authorization!r} is not the vapid scheme"
        params = dict(p.strip().partition("=")[::2] for p in rest.split(","))
        assert set(params) == {"t", "k"}, f"{where}: vapid params {sorted(params)}, want t and k"
        assert b64url_decode(params["k"]) == b64url_decode(public_key_b64url), \
            f"{where}: k={params['k']!r}, want {public_key_b64url!r}"
        parts = params["t"].split(".")
        assert len(parts) == 3, f"{where}: JWT has {len(parts)} parts"
        try:
            header, claims = (json.loads(b64url_decode(p)) for p in parts[:2])
            signature = b64url_decode(parts[2])
        except ValueError as error:  # binascii.Error and JSONDecodeError are both ValueErrors
            raise AssertionError(f"{where}: JWT {params['t']!r} is not base64url JSON parts: {error}") from error
        assert header.get("alg") == "ES256" and header.get("typ") == "JWT", f"{where}: JWT header {header}"
        assert len(signature) == 64, f"{where}: ES256 signature is {len(signature)} bytes, want raw r||s (64)"
        key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(public_key_b64url))
        der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
        try:
            key.verify(der, f"{parts[0]}.{parts[1]}".encode("ascii"), ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            raise AssertionError(f"{where}: JWT signature does not verify against k") from None
        assert claims.get("aud") == self.origin, f"{where}: aud {claims.get('aud')!r}, want {self.origin!r}"
        exp, now = claims.get("exp"), time.time()
        assert type(exp) is int and now < exp <= now + MAX_VAPID_LIFETIME + CLOCK_LEEWAY, \
            f"{where}: exp {exp!r} not within 24h from now ({int(now)})"
        sub = claims.get("sub")
        assert isinstance(sub, str) and sub.startswith(("mailto:", "https:")), f"{where}: sub {sub!r}"


def _handler_for(service: PushService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as HTTP clients pool connections to push services

        def setup(self) -> None:
            super().setup()
            with service._lock:
                service._connections.add(self.connection)

        def finish(self) -> None:
            with service._lock:
                service._connections.discard(self.connection)
            super().finish()

        def do_POST(self) -> None:
            body = self._read_body()
            name = self.path.removeprefix("/push/")
            if not self.path.startswith("/push/") or not name:
                return self._reply(404, {})
            with service._lock:
                script = service._scripts.get(name, [])
                status, headers = script.pop(0) if script else (201, {})
                if status == 201:
                    headers = {"Location": f"{service.origin}/message/{uuid.uuid4()}", **headers}
                service._received.setdefault(name, []).append(Received(
                    name, status, {k.lower(): v for k, v in self.headers.items()}, body, time.monotonic()))
            self._reply(status, headers)

        def _read_body(self) -> bytes:
            if self.headers.get("Transfer-Encoding", "").lower() != "chunked":
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0], 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):  # trailers
                pass
            return b"".join(chunks)

        def _reply(self, status: int, headers: dict[str, str]) -> None:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            """Silence per-request logging on stderr."""

    return Handler
