"""Media: presigned uploads to the server itself (embedded default) and to S3 (moto behind a SigV4 gate),
the files served back, and media attached to messages."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
import socket
import struct
import tempfile
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from conftest import (api, assert_error, assert_message, b64url, create_chat, expect, register, send, start_server,
                      stop_server)
from s3_gate import ACCESS_KEY, BUCKET, SECRET_KEY, S3Gate

PNG = b"\x89PNG\r\n\x1a\n" + secrets.token_bytes(1226)


def presign(session, token, name="photo.png", type_="image/png", size=len(PNG)) -> dict:
    r = api(session, "POST", "/api/media/presign", token, json={"fileName": name, "fileType": type_, "fileSize": size})
    body = expect(r, 200)
    assert set(body) == {"uploadUrl", "mediaId", "expiresIn"} and body["expiresIn"] == 300, body
    return body


def put(url: str, data, type_: str = "image/png", **headers) -> requests.Response:
    return requests.put(url, data=data, headers={"Content-Type": type_, **headers}, timeout=60)


def raw_get(url: str, path: str) -> bytes:
    """A GET whose path goes out exactly as written (requests would normalise `..`)."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


# ---------------------------------------------------------------------------------------------- presign

def test_presign_checks_type_size_and_name(server):
    session, token, _ = register(server, "uploader")
    for body, path in [
        ({"fileName": "a.html", "fileType": "text/html", "fileSize": 10}, "body.fileType"),
        ({"fileName": "a.png", "fileType": "image/png", "fileSize": 10 * 1024 * 1024 + 1}, "body.fileSize"),
        ({"fileName": "a.mp3", "fileType": "audio/mpeg", "fileSize": 20 * 1024 * 1024 + 1}, "body.fileSize"),
        ({"fileName": "a.pdf", "fileType": "application/pdf", "fileSize": 50 * 1024 * 1024 + 1}, "body.fileSize"),
        ({"fileName": "a.png", "fileType": "image/png", "fileSize": 0}, "body.fileSize"),
        ({"fileName": "virus.exe", "fileType": "image/png", "fileSize": 10}, "body.fileName"),
        ({"fileName": "photo.jpg", "fileType": "image/png", "fileSize": 10}, "body.fileName"),
        ({"fileName": "bad\u0007name.png", "fileType": "image/png", "fileSize": 10}, "body.fileName"),
    ]:
        assert_error(api(session, "POST", "/api/media/presign", token, json=body), 400, details_path=path)
    assert_error(api(session, "POST", "/api/media/presign", None,
                     json={"fileName": "a.png", "fileType": "image/png", "fileSize": 1}), 401)
    # At the limits, and with the path of the name dropped.
    for name, type_, size in [("a.png", "image/png", 10 * 1024 * 1024), ("../../x/doc.docx",
                              "application/vnd.openxmlformats-officedocument.wordprocessingml.document", 50 * 1024 * 1024)]:
        presign(session, token, name, type_, size)


# ------------------------------------------------------------------------------------- embedded uploads

def test_an_embedded_upload_is_served_back_and_attached_to_a_message(server):
    alice_s, alice, _ = register(server, "alice")
    _, _, bob = register(server, "bob")
    chat = create_chat(alice_s, alice, [bob])
    grant = presign(alice_s, alice)
    assert grant["uploadUrl"].startswith(server.url + "/media/upload/")

    # Not uploaded yet: a message cannot carry it.
    r = api(alice_s, "POST", f"/api/messages/{chat['_id']}", alice, json={"body": "", "mediaId": grant["mediaId"]})
    assert_error(r, 400, details_path="body.mediaId")

    r = put(grant["uploadUrl"], PNG)
    assert r.status_code == 200, r.text
    assert_error(put(grant["uploadUrl"], PNG), 409)  # exactly one upload per URL

    message = send(alice_s, alice, chat["_id"], "", mediaId=grant["mediaId"])
    assert_message(message)
    media = message["media"]
    assert media["type"] == "image" and media["mediaId"] == grant["mediaId"]
    assert media["url"].startswith(server.url + "/media/")

    got = requests.get(media["url"], timeout=10)
    assert got.status_code == 200 and got.content == PNG
    assert got.headers["Content-Type"] == "image/png"
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert got.headers["Accept-Ranges"] == "bytes"
    assert "Content-Disposition" not in got.headers
    assert "sandbox" in got.headers["Content-Security-Policy"]

    part = requests.get(media["url"], headers={"Range": "bytes=8-17"}, timeout=10)
    assert part.status_code == 206 and part.content == PNG[8:18]
    assert part.headers["Content-Range"] == f"bytes 8-17/{len(PNG)}"
    tail = requests.get(media["url"], headers={"Range": "bytes=-4"}, timeout=10)
    assert tail.status_code == 206 and tail.content == PNG[-4:]
    beyond = requests.get(media["url"], headers={"Range": f"bytes={len(PNG)}-"}, timeout=10)
    assert beyond.status_code == 416 and beyond.headers["Content-Range"] == f"bytes */{len(PNG)}"

    # Someone else's upload, or an id never presigned, is refused.
    carol_s, carol, _ = register(server, "carol")
    carol_chat = create_chat(carol_s, carol, [bob])
    r = api(carol_s, "POST", f"/api/messages/{carol_chat['_id']}", carol, json={"body": "x", "mediaId": grant["mediaId"]})
    assert_error(r, 400, details_path="body.mediaId")
    r = api(carol_s, "POST", f"/api/messages/{carol_chat['_id']}", carol, json={"body": "x", "mediaId": secrets.token_hex(12)})
    assert_error(r, 400, details_path="body.mediaId")


def test_an_upload_is_looked_up_by_its_owner_once_it_arrived(server):
    session, token, _ = register(server, "owner")
    grant = presign(session, token)
    assert_error(api(session, "GET", f"/api/media/{grant['mediaId']}", token), 404)  # not uploaded yet
    assert put(grant["uploadUrl"], PNG).status_code == 200
    media = expect(api(session, "GET", f"/api/media/{grant['mediaId']}", token), 200)["media"]
    assert media["type"] == "image" and media["mediaId"] == grant["mediaId"]
    assert requests.get(media["url"], timeout=10).content == PNG
    # It can be a profile picture (a profile keeps https URLs or paths; this server's own file is its path).
    path = urllib.parse.urlsplit(media["url"]).path
    me = expect(api(session, "PATCH", "/api/users/me", token, json={"avatarUrl": path}), 200)["user"]
    assert me["avatarUrl"] == path and requests.get(server.url + path, timeout=10).content == PNG
    other_session, other, _ = register(server, "stranger")
    assert_error(api(other_session, "GET", f"/api/media/{grant['mediaId']}", other), 404)
    assert_error(api(other_session, "GET", f"/api/media/{secrets.token_hex(12)}", other), 404)
    assert_error(api(other_session, "GET", "/api/media/not-an-id", other), 400)


def test_documents_download_under_their_name(server):
    session, token, _ = register(server, "writer")
    pdf = b"%PDF-1.4\n" + secrets.token_bytes(500)
    grant = presign(session, token, "Rapport été.pdf", "application/pdf", len(pdf))
    assert put(grant["uploadUrl"], pdf, "application/pdf").status_code == 200
    chat = create_chat(session, token, [register(server, "reader")[2]])
    message = send(session, token, chat["_id"], "the report", mediaId=grant["mediaId"])
    assert message["media"]["type"] == "document"
    got = requests.get(message["media"]["url"], timeout=10)
    assert got.content == pdf and got.headers["Content-Type"] == "application/pdf"
    assert got.headers["Content-Disposition"] == \
        "attachment; filename=\"Rapport _t_.pdf\"; filename*=UTF-8''Rapport%20%C3%A9t%C3%A9.pdf"


def test_an_embedded_upload_must_be_what_was_declared(server):
    session, token, _ = register(server, "strict")
    grant = presign(session, token)
    url = grant["uploadUrl"]
    assert_error(put(url, PNG, "image/gif"), 400)  # another type
    assert_error(put(url, PNG + b"x"), 413)  # longer than declared
    assert_error(put(url, PNG[:-1]), 400)  # shorter than declared

    def chunks(total):
        for _ in range(total // 1000):
            yield b"x" * 1000
    assert_error(put(url, chunks(len(PNG) + 4000)), 413)  # chunked, without a length, beyond the size
    token_part = url.rsplit("/", 1)[1]
    tampered = url[:-len(token_part)] + token_part[:10] + ("A" if token_part[10] != "A" else "B") + token_part[11:]
    assert_error(put(tampered, PNG), 403)
    assert_error(put(server.url + "/media/upload/not-a-token", PNG), 403)
    # None of those consumed the URL.
    assert put(url, PNG).status_code == 200


def test_an_expired_upload_url_is_refused(server):
    """A URL signed by the server whose five minutes have passed (signed here with the server's own key)."""
    session, token, _ = register(server, "late")
    grant = presign(session, token)
    secret = server.internal_secret
    key = hashlib.sha256(b"parley media upload\x00" + secret.encode()).digest()
    signed = bytes.fromhex(grant["mediaId"]) + struct.pack(">I", int(time.time()) - 1)
    expired = b64url(signed + hmac.new(key, signed, hashlib.sha256).digest()[:16])
    err = assert_error(put(f"{server.url}/media/upload/{expired}", PNG), 403)
    assert "expired" in err["message"]


def test_no_path_reaches_outside_the_media(server):
    session, token, me = register(server, "prober")
    grant = presign(session, token)
    put(grant["uploadUrl"], PNG)
    owner = me["_id"]
    for path in ["/media/../secrets.json", "/media/%2e%2e/secrets.json", f"/media/{owner}/..%2f..%2fsecrets.json",
                 f"/media/{owner}/%2e%2e%2fparley.sqlite", "/media/..%2f..%2fdata/secrets.json", f"/media/{owner}/",
                 f"/media/{owner}/../../secrets.json", "/media/upload/..%2f..%2fsecrets.json"]:
        raw = raw_get(server.url, path)
        status = int(raw.split(b" ", 2)[1])
        assert status in (400, 404, 405), f"{path}: {raw[:200]!r}"
        assert b"internalSecret" not in raw and b"SQLite" not in raw, path


def test_a_fifty_megabyte_upload_streams_to_disk(server):
    if server.mode != "embedded":
        pytest.skip("the same code path; measured once")
    session, token, _ = register(server, "big")
    size = 50 * 1024 * 1024
    grant = presign(session, token, "big.pdf", "application/pdf", size)

    def rss_kib() -> int:
        status = Path(f"/proc/{server.proc.pid}/status").read_text()
        return int(next(line for line in status.splitlines() if line.startswith("VmRSS")).split()[1])

    block = secrets.token_bytes(1 << 20)
    digest = hashlib.sha256()
    before = rss_kib()

    class Body:
        """50 MiB read in 1 MiB blocks, sampling the server's memory as it goes."""
        sent, peak = 0, before

        def __len__(self) -> int:
            return size

        def read(self, _: int = -1) -> bytes:
            if self.sent >= size:
                return b""
            self.sent += len(block)
            self.peak = max(self.peak, rss_kib())
            digest.update(block)
            return block

    body = Body()
    r = put(grant["uploadUrl"], body, "application/pdf")
    assert r.status_code == 200, r.text
    peak = [max(body.peak, rss_kib())]
    growth_mib = (peak[0] - before) / 1024
    # Held whole, the body alone would add 50 MiB.
    assert growth_mib < 24, f"the server grew {growth_mib:.1f} MiB while receiving 50 MiB"
    chat = create_chat(session, token, [register(server, "peer")[2]])
    message = send(session, token, chat["_id"], "", mediaId=grant["mediaId"])
    got = requests.get(message["media"]["url"], timeout=60)
    assert len(got.content) == size and hashlib.sha256(got.content).digest() == digest.digest()


# ------------------------------------------------------------------------------------------------- S3

class CredentialsEndpoint:
    """The container credentials endpoint of an ECS task: a task role's keys, for the caller with the token."""

    def __init__(self, token: str):
        self.served = 0
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                if self.headers.get("Authorization") != token:
                    self.send_response(403)
                    self.end_headers()
                    return
                endpoint.served += 1
                expiry = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M:%SZ")
                body = json.dumps({"AccessKeyId": ACCESS_KEY, "SecretAccessKey": SECRET_KEY, "Token": "task-role-session",
                                   "Expiration": expiry}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v2/credentials"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def s3(parley_bin):
    gate = S3Gate(Path(tempfile.mkdtemp(prefix="parley-s3-")))
    srv = start_server(parley_bin, "embedded", {**gate.env, "MEDIA_BASE_URL": "https://cdn.parley.test/"})
    yield srv, gate
    stop_server(srv)
    gate.stop()


def test_s3_presigned_uploads_are_bound_to_type_size_and_time(s3):
    srv, gate = s3
    session, token, me = register(srv, "s3user")
    grant = presign(session, token)
    url = grant["uploadUrl"]
    assert url.startswith(f"{gate.endpoint}/{BUCKET}/{me['_id']}/")
    assert "X-Amz-Expires=300" in url and "X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost" in url

    assert put(url, PNG, "image/gif").status_code == 403  # another type
    assert put(url, PNG + b"!").status_code == 403  # another size
    key_start = url.index(me["_id"])
    assert put(url[:key_start] + "someone/else.png" + url[url.index("?"):], PNG).status_code == 403  # tampered
    gate.skew = 301
    try:
        assert put(url, PNG).status_code == 403  # five minutes later
    finally:
        gate.skew = 0

    chat = create_chat(session, token, [register(srv, "s3peer")[2]])
    r = api(session, "POST", f"/api/messages/{chat['_id']}", token, json={"body": "", "mediaId": grant["mediaId"]})
    assert_error(r, 400, details_path="body.mediaId")  # S3 has no object yet

    r = put(url, PNG)
    assert r.status_code == 200, r.text
    key = url[len(f"{gate.endpoint}/{BUCKET}/"):url.index("?")]
    stored = gate.client.get_object(Bucket=BUCKET, Key=key)
    assert stored["Body"].read() == PNG and stored["ContentType"] == "image/png"

    message = send(session, token, chat["_id"], "", mediaId=grant["mediaId"])
    assert message["media"] == {"type": "image", "url": f"https://cdn.parley.test/{key}", "mediaId": grant["mediaId"]}


def test_s3_with_the_credentials_of_an_ecs_task_role(parley_bin):
    """No keys in the environment: the server reads a task role's session credentials from the endpoint ECS gives."""
    gate = S3Gate(Path(tempfile.mkdtemp(prefix="parley-s3-role-")))
    endpoint = CredentialsEndpoint("secret-token")
    env = {k: v for k, v in gate.env.items() if not k.startswith("AWS_")}
    env.update({"AWS_CONTAINER_CREDENTIALS_FULL_URI": endpoint.url, "AWS_CONTAINER_AUTHORIZATION_TOKEN": "secret-token"})
    srv = start_server(parley_bin, "embedded", env)
    try:
        session, token, _ = register(srv, "taskrole")
        grant = presign(session, token)
        assert "X-Amz-Security-Token=task-role-session" in grant["uploadUrl"]
        assert put(grant["uploadUrl"], PNG).status_code == 200  # the gate checks the signature with the session token
        chat = create_chat(session, token, [register(srv, "rolepeer")[2]])
        message = send(session, token, chat["_id"], "", mediaId=grant["mediaId"])  # the HEAD is signed with it too
        assert message["media"]["mediaId"] == grant["mediaId"]
        presign(session, token)
        assert endpoint.served == 1, "the credentials are kept until they near their expiry"
    finally:
        stop_server(srv)
        endpoint.server.shutdown()
        gate.stop()
