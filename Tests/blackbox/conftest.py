"""Black-box fixtures: start `parley serve` and talk HTTP to it.

Every test module gets one server per param: `embedded` (one process, SQLite), `scaled` (one process over
secantusd-py + redis-server) and `split` (the seed's seven processes over those: a gateway and one
`serve --service NAME` per service); tests register fresh users with random names so they never interfere
with each other.
"""

from __future__ import annotations

import base64
import errno
import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

REPO_ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = REPO_ROOT / ".venv" / "bin"
ALLOWED_ORIGIN = "https://chat.example.com"
# Known secrets, so tests can forge tokens with other algorithms or past expiry dates.
JWT_ACCESS_SECRET = "blackbox-access-secret-0123456789abcdef"
JWT_REFRESH_SECRET = "blackbox-refresh-secret-0123456789abcdef"
INTERNAL_SECRET = "blackbox-internal-secret-0123456789abcdef"
SERVICES = ["auth", "users", "chats", "messages", "media", "notifications"]
START_TIMEOUT = 30.0
HTTP_TIMEOUT = 30.0

ERROR_CODES = {
    400: "VALIDATION_FAILED",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    429: "RATE_LIMITED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}
JSON_TYPE = "application/json; charset=utf-8"
OBJECT_ID = re.compile(r"^[0-9a-f]{24}$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


# --------------------------------------------------------------------------------------------- processes

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def stop_process(proc: subprocess.Popen | None, grace: float = 5.0) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=grace)


def wait_for_port(proc: subprocess.Popen, port: int, what: str, log: Path, timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"{what} exited with {proc.returncode} before listening on {port}:\n{_tail(log)}", pytrace=False)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    stop_process(proc)
    pytest.fail(f"{what} did not listen on {port} within {timeout:.0f} s:\n{_tail(log)}", pytrace=False)


@dataclass
class Backing:
    """A process the scaled server depends on (secantusd-py or redis-server)."""

    proc: subprocess.Popen
    port: int


def start_secantus(workdir: Path) -> Backing:
    exe = VENV_BIN / "secantusd-py"
    if not exe.exists():
        found = shutil.which("secantusd-py")
        if not found:
            pytest.fail(f"secantusd-py not found (looked at {exe} and PATH)", pytrace=False)
        exe = Path(found)
    port = free_port()
    log = workdir / "secantusd.log"
    proc = subprocess.Popen(
        [str(exe), "--host", "127.0.0.1", "--port", str(port), "--storage-path", ":memory:"],
        stdout=log.open("wb"), stderr=subprocess.STDOUT, cwd=workdir,
    )
    wait_for_port(proc, port, "secantusd-py", log)
    return Backing(proc, port)


def start_redis(workdir: Path, port: int | None = None) -> Backing:
    """A fresh redis-server, on `port` when given (a restart), else on a free one."""
    exe = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(exe).exists():
        pytest.fail("redis-server not found", pytrace=False)
    port = port or free_port()
    log = workdir / "redis.log"
    proc = subprocess.Popen(
        [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=log.open("wb"), stderr=subprocess.STDOUT, cwd=workdir,
    )
    wait_for_port(proc, port, "redis-server", log)
    return Backing(proc, port)


@dataclass
class Server:
    mode: str
    url: str
    outbox: Path
    data_dir: Path
    log: Path
    proc: subprocess.Popen
    backing: list[Backing] = field(default_factory=list)
    # split mode: each service's process, its log, port and how it was started (to restart it)
    services: dict = field(default_factory=dict)

    @property
    def internal_secret(self) -> str:
        if self.mode == "split":
            return INTERNAL_SECRET
        return json.loads((self.data_dir / "secrets.json").read_text())["internalSecret"]

    def outbox_lines(self) -> list[dict]:
        if not self.outbox.exists():
            return []
        return [json.loads(line) for line in self.outbox.read_text().splitlines() if line.strip()]

    def log_tail(self) -> str:
        return _tail(self.log)


# Nothing listens on port 1: a process that opened this store would fail to start.
UNREACHABLE_MONGO = "mongodb://127.0.0.1:1/parley?serverSelectionTimeoutMS=500"


def spawn_parley(argv: list[str], log: Path, cwd: Path, env: dict) -> subprocess.Popen:
    """Starts the binary; while another build rewrites it (missing or "text file busy"), waits and retries."""
    deadline = time.monotonic() + 120
    while True:
        try:
            return subprocess.Popen(argv, stdout=log.open("wb"), stderr=subprocess.STDOUT, cwd=cwd, env=env)
        except OSError as e:
            if e.errno not in (errno.ETXTBSY, errno.ENOENT, errno.EACCES) or time.monotonic() > deadline:
                raise
            time.sleep(1)


def start_server(parley_bin: Path, mode: str, extra_env: dict | None = None) -> Server:
    workdir = Path(tempfile.mkdtemp(prefix=f"parley-bb-{mode}-"))
    data_dir = workdir / "data"
    data_dir.mkdir()
    outbox = workdir / "outbox.jsonl"
    env = {k: v for k, v in os.environ.items()
           if k not in ("MONGO_URI", "REDIS_URL", "PARLEY_ENV", "DATA_DIR", "HOST", "PORT", "MAIL_OUTBOX")}
    env.update({
        "MAIL_OUTBOX": str(outbox),
        "RATE_LIMIT_SCALE": "200",
        "ALLOWED_ORIGINS": ALLOWED_ORIGIN,
        "JWT_ACCESS_SECRET": JWT_ACCESS_SECRET,
        "JWT_REFRESH_SECRET": JWT_REFRESH_SECRET,
        "PARLEY_ENV": "development",
        "LOG_LEVEL": "warning",
    })
    backing: list[Backing] = []
    try:
        if mode in ("scaled", "split"):
            mongo = start_secantus(workdir)
            backing.append(mongo)
            redis = start_redis(workdir)
            backing.append(redis)
            env["MONGO_URI"] = f"mongodb://127.0.0.1:{mongo.port}/parley_{secrets.token_hex(6)}"
            env["REDIS_URL"] = f"redis://127.0.0.1:{redis.port}/0"
        elif mode != "embedded":
            raise ValueError(mode)
        if extra_env:
            env.update(extra_env)
        port = free_port()
        log = workdir / "parley.log"
        services: dict = {}
        if mode == "split":
            # Every process gets the same environment, as in docker-compose.dev.yml: each service's URL, the shared
            # secrets, and the gateway's address for the URLs handed to browsers.
            ports = {name: free_port() for name in SERVICES}
            env.update({f"{name.upper()}_URL": f"http://127.0.0.1:{p}" for name, p in ports.items()})
            env.update({"INTERNAL_SECRET": INTERNAL_SECRET, "PUBLIC_URL": f"http://127.0.0.1:{port}"})
            for name in SERVICES:
                services[name] = start_service(parley_bin, name, ports[name], workdir, data_dir, env)
        gateway_dir, gateway_env = data_dir, env
        if mode == "split":
            # The gateway, in front of all six, holds no data: a folder of its own (media it streams through to
            # the media service), and a store it could not reach, were it to open one.
            gateway_dir = workdir / "gateway-data"
            gateway_dir.mkdir()
            gateway_env = {**env, "MONGO_URI": UNREACHABLE_MONGO}
        # cwd is the temp folder so that no .env of the repository leaks in.
        proc = spawn_parley(
            [str(parley_bin), "serve", "--host", "127.0.0.1", "--port", str(port), "--data-dir", str(gateway_dir)]
            + (["--service", "gateway"] if mode == "split" else []),
            log, workdir, gateway_env)
        server = Server(mode, f"http://127.0.0.1:{port}", outbox, data_dir, log, proc, backing, services)
        wait_healthy(proc, server.url, f"parley ({mode})", log)
        return server
    except BaseException:
        for service in services.values():
            stop_process(service.proc)
        for b in reversed(backing):
            stop_process(b.proc)
        raise


@dataclass
class ServiceProcess:
    """One `serve --service NAME` of a split server."""

    name: str
    port: int
    proc: subprocess.Popen
    log: Path
    argv: list
    env: dict
    cwd: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def restart(self) -> None:
        stop_process(self.proc)
        self.proc = spawn_parley(self.argv, self.log, self.cwd, self.env)
        wait_healthy(self.proc, self.url, f"parley --service {self.name}", self.log)


def wait_healthy(proc: subprocess.Popen, url: str, what: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if proc.poll() is not None:
            pytest.fail(f"{what} exited with {proc.returncode}:\n{_tail(log)}", pytrace=False)
        try:
            if requests.get(url + "/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            stop_process(proc)
            pytest.fail(f"{what} not healthy within {START_TIMEOUT:.0f} s:\n{_tail(log)}", pytrace=False)
        time.sleep(0.1)


def start_service(parley_bin: Path, name: str, port: int, workdir: Path, data_dir: Path, env: dict) -> ServiceProcess:
    argv = [str(parley_bin), "serve", "--service", name, "--host", "127.0.0.1", "--port", str(port),
            "--data-dir", str(data_dir)]
    log = workdir / f"parley-{name}.log"
    service = ServiceProcess(name, port, spawn_parley(argv, log, workdir, env), log, argv, env, workdir)
    wait_healthy(service.proc, service.url, f"parley --service {name}", log)
    return service


def stop_server(server: Server) -> None:
    stop_process(server.proc)
    for service in server.services.values():
        stop_process(service.proc)
    for b in reversed(server.backing):
        stop_process(b.proc)
    shutil.rmtree(server.outbox.parent, ignore_errors=True)


@pytest.fixture(scope="session")
def parley_bin() -> Path:
    configured = os.environ.get("PARLEY_BIN")
    path = Path(configured) if configured else REPO_ROOT / ".build" / "debug" / "parley"
    if not path.is_absolute():
        path = REPO_ROOT / path
    deadline = time.monotonic() + 120  # a concurrent build may be relinking it
    while not (path.exists() and os.access(path, os.X_OK)) and time.monotonic() < deadline:
        time.sleep(1)
    if not (path.exists() and os.access(path, os.X_OK)):
        pytest.fail(f"parley binary not found at {path} (set PARLEY_BIN or run `swift build --product parley`)",
                    pytrace=False)
    return path


@pytest.fixture(scope="module", params=["embedded", "scaled", "split"])
def server(request, parley_bin) -> Server:
    srv = start_server(parley_bin, request.param)
    yield srv
    stop_server(srv)


# ----------------------------------------------------------------------------------------------- helpers

def api(session: requests.Session, method: str, path: str, token: str | None = None, json=None, **kwargs) -> requests.Response:
    """One request to the server the session belongs to (`session.base_url`)."""
    headers = dict(kwargs.pop("headers", None) or {})
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if json is not None:
        kwargs["json"] = json
    return session.request(method, session.base_url + path, headers=headers, timeout=HTTP_TIMEOUT, **kwargs)


def new_session(server: Server) -> requests.Session:
    s = requests.Session()
    s.base_url = server.url
    return s


def rand(n: int = 8) -> str:
    return secrets.token_hex(n // 2 + 1)[:n]


def unique_username(name: str) -> str:
    base = re.sub(r"[^a-z0-9_.]", "", name.lower())[:18] or "user"
    return f"{base}_{rand(10)}"


def register(server: Server, name: str = "user", *, display_name: str | None = None, password: str = "correct-horse-1",
             username: str | None = None, email: str | None = None):
    """Registers a fresh user; returns (session holding the refresh cookie, access token, Me)."""
    session = new_session(server)
    username = username or unique_username(name)
    email = email or f"{username}@example.com"
    r = api(session, "POST", "/api/auth/register",
            json={"username": username, "email": email, "password": password, "name": display_name or name.title()})
    expect(r, 201)
    body = r.json()
    session.password = password
    session.email = email
    return session, body["accessToken"], body["user"]


def expect(resp: requests.Response, status: int) -> dict:
    """Asserts a success status and returns the JSON body."""
    assert resp.status_code == status, (
        f"{resp.request.method} {resp.request.url}: expected {status}, got {resp.status_code}: {resp.text[:500]}")
    ctype = resp.headers.get("Content-Type", "")
    assert ctype == JSON_TYPE, f"{resp.request.method} {resp.request.url}: Content-Type {ctype!r}"
    return resp.json()


def assert_error(resp: requests.Response, status: int, *, details_path: str | None = None) -> dict:
    """Asserts the contract's error shape exactly: {"error": {statusCode, code, message, details?}}."""
    where = f"{resp.request.method} {resp.request.url}"
    assert resp.status_code == status, f"{where}: expected {status}, got {resp.status_code}: {resp.text[:500]}"
    ctype = resp.headers.get("Content-Type", "")
    assert ctype == JSON_TYPE, f"{where}: error Content-Type {ctype!r}: {resp.text[:200]}"
    try:
        body = resp.json()
    except ValueError:
        raise AssertionError(f"{where}: error body is not JSON: {resp.text[:300]!r}")
    assert isinstance(body, dict) and set(body) == {"error"}, f"{where}: error body keys {body!r}"
    err = body["error"]
    assert isinstance(err, dict), f"{where}: {body!r}"
    keys = set(err)
    assert {"statusCode", "code", "message"} <= keys <= {"statusCode", "code", "message", "details"}, \
        f"{where}: error keys {sorted(keys)}"
    assert err["statusCode"] == status, f"{where}: statusCode {err['statusCode']} != {status}"
    assert err["code"] == ERROR_CODES[status], f"{where}: code {err['code']!r} for {status}"
    assert isinstance(err["message"], str) and err["message"], f"{where}: empty message"
    if "details" in err:
        assert status == 400, f"{where}: details on a {status}: {err!r}"
        assert isinstance(err["details"], list), f"{where}: details {err['details']!r}"
        for d in err["details"]:
            assert isinstance(d, dict) and set(d) == {"path", "message"}, f"{where}: detail {d!r}"
            assert isinstance(d["path"], str) and isinstance(d["message"], str)
    if details_path is not None:
        paths = [d["path"] for d in err.get("details", [])]
        assert details_path in paths, f"{where}: expected a detail at {details_path!r}, got {paths}"
    if status == 429:
        assert resp.headers.get("Retry-After", "").isdigit(), f"{where}: Retry-After {resp.headers.get('Retry-After')!r}"
    if status == 405:
        assert resp.headers.get("Allow"), f"{where}: 405 without Allow"
    return err


def assert_date(value) -> None:
    assert isinstance(value, str) and ISO_DATE.match(value), f"not an ISO date with milliseconds: {value!r}"


def assert_id(value) -> None:
    assert isinstance(value, str) and OBJECT_ID.match(value), f"not an ObjectId: {value!r}"


USER_REQUIRED = {"_id", "username", "name", "createdAt"}
USER_OPTIONAL = {"avatarUrl", "about", "lastSeen"}
NEVER = {"passwordHash", "contacts", "blocked", "password"}


def assert_user(user: dict, *, me: bool = False) -> None:
    keys = set(user)
    required = USER_REQUIRED | ({"email"} if me else set())
    allowed = required | USER_OPTIONAL
    assert required <= keys, f"missing {required - keys} in {user}"
    assert keys <= allowed, f"unexpected fields {keys - allowed} in {user}"
    assert not (keys & NEVER)
    assert_id(user["_id"])
    assert_date(user["createdAt"])
    if user.get("lastSeen") is not None:
        assert_date(user["lastSeen"])


CHAT_REQUIRED = {"_id", "type", "participants", "admins", "pinned", "archived", "unreadCount", "createdAt", "updatedAt"}
CHAT_OPTIONAL = {"title", "avatarUrl", "lastMessageRef"}


def assert_chat(chat: dict) -> None:
    keys = set(chat)
    assert CHAT_REQUIRED <= keys, f"missing {CHAT_REQUIRED - keys} in {chat}"
    assert keys <= CHAT_REQUIRED | CHAT_OPTIONAL, f"unexpected fields {keys - CHAT_REQUIRED - CHAT_OPTIONAL}"
    assert_id(chat["_id"])
    assert chat["type"] in ("direct", "group")
    for uid in chat["participants"] + chat["admins"]:
        assert_id(uid)
    assert isinstance(chat["pinned"], bool) and isinstance(chat["archived"], bool)
    assert isinstance(chat["unreadCount"], int) and not isinstance(chat["unreadCount"], bool)
    assert_date(chat["createdAt"])
    assert_date(chat["updatedAt"])
    ref = chat.get("lastMessageRef")
    if ref is not None:
        assert set(ref) == {"messageId", "body", "senderId", "createdAt"}, ref


MESSAGE_REQUIRED = {"_id", "chatId", "senderId", "body", "reactions", "status", "createdAt"}
MESSAGE_OPTIONAL = {"media", "replyTo", "tempId", "editedAt"}


def assert_message(msg: dict) -> None:
    keys = set(msg)
    assert MESSAGE_REQUIRED <= keys, f"missing {MESSAGE_REQUIRED - keys} in {msg}"
    assert keys <= MESSAGE_REQUIRED | MESSAGE_OPTIONAL, f"unexpected fields {keys - MESSAGE_REQUIRED - MESSAGE_OPTIONAL}"
    assert "deletedFor" not in msg
    assert_id(msg["_id"])
    assert_id(msg["chatId"])
    assert_id(msg["senderId"])
    assert msg["status"] in ("sent", "delivered", "read")
    assert_date(msg["createdAt"])
    if msg.get("editedAt") is not None:
        assert_date(msg["editedAt"])
    for reaction in msg["reactions"]:
        assert set(reaction) == {"userId", "emoji", "createdAt"}, reaction


def refresh_cookie(resp: requests.Response) -> str | None:
    """The refreshToken value a response sets, or None."""
    for header in set_cookie_headers(resp):
        m = re.match(r"\s*refreshToken=([^;]*)", header)
        if m:
            return m.group(1)
    return None


def set_cookie_headers(resp: requests.Response) -> list[str]:
    if hasattr(resp.raw.headers, "getlist"):
        return resp.raw.headers.getlist("Set-Cookie")
    value = resp.headers.get("Set-Cookie")
    return [value] if value else []


# ---------------------------------------------------------------------------------------------- tokens

def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def jwt_parts(token: str) -> tuple[dict, dict]:
    header, payload, _ = token.split(".")
    return json.loads(b64url_decode(header)), json.loads(b64url_decode(payload))


def forge_jwt(claims: dict, *, alg: str = "HS256", secret: str = JWT_ACCESS_SECRET) -> str:
    header = b64url(json.dumps({"alg": alg, "typ": "JWT"}, separators=(",", ":")).encode())
    payload = b64url(json.dumps(claims, separators=(",", ":")).encode())
    signing = f"{header}.{payload}".encode()
    if alg == "none":
        return f"{header}.{payload}."
    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[alg]
    return f"{header}.{payload}.{b64url(hmac.new(secret.encode(), signing, digest).digest())}"


# ------------------------------------------------------------------------------------------ domain helpers

def create_chat(session, token, others, *, type_=None, title=None, status=None) -> dict:
    body = {"type": type_ or ("direct" if len(others) == 1 and title is None else "group"),
            "participantIds": [o["_id"] if isinstance(o, dict) else o for o in others]}
    if title is not None:
        body["title"] = title
    r = api(session, "POST", "/api/chats", token, json=body)
    if status is None:
        assert r.status_code in (200, 201), f"POST /api/chats {body}: {r.status_code} {r.text[:300]}"
        return r.json()["chat"]
    return expect(r, status)["chat"]


def send(session, token, chat_id, body="hello", status=201, **extra) -> dict:
    r = api(session, "POST", f"/api/messages/{chat_id}", token, json={"body": body, **extra})
    return expect(r, status)["message"]


def list_messages(session, token, chat_id, limit=None, cursor=None) -> dict:
    params = {}
    if limit is not None:
        params["limit"] = limit
    if cursor is not None:
        params["cursor"] = cursor
    return expect(api(session, "GET", f"/api/messages/{chat_id}", token, params=params), 200)


def all_messages(session, token, chat_id, limit=100) -> list[dict]:
    out, cursor = [], None
    for _ in range(1000):
        page = list_messages(session, token, chat_id, limit=limit, cursor=cursor)
        assert set(page) == {"messages", "nextCursor"}, sorted(page)
        out.extend(page["messages"])
        cursor = page["nextCursor"]
        if not cursor:
            assert cursor is None, f"the last page's nextCursor is {cursor!r}, not null"
            return out
        assert isinstance(cursor, str)
    raise AssertionError("pagination does not end")


def unknown_id() -> str:
    return secrets.token_hex(12)
