import http.client
import json
import socket
import time
from urllib.parse import urlsplit

import pytest
import requests

from conftest import (ALLOWED_ORIGIN, REPO_ROOT, api, assert_error, create_chat, expect, new_session, register, send, start_server,
                      stop_process, stop_server)

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


def raw(server, method, path, **kwargs):
    return requests.request(method, server.url + path, timeout=30, **kwargs)


def test_health_and_readiness(server):
    assert expect(raw(server, "GET", "/healthz"), 200)
    assert expect(raw(server, "GET", "/readyz"), 200)


def test_api_documents_are_served_as_generated(server):
    generated = REPO_ROOT / "Generated"
    for path, name, ctype in [("/openapi.json", "openapi.json", "application/json; charset=utf-8"),
                              ("/asyncapi.json", "asyncapi.json", "application/json; charset=utf-8"),
                              ("/docs", "reference.html", "text/html; charset=utf-8")]:
        r = raw(server, "GET", path)
        assert r.status_code == 200, (path, r.status_code)
        assert r.headers["Content-Type"] == ctype, (path, r.headers["Content-Type"])
        assert r.headers.get("X-Content-Type-Options") == "nosniff"
        assert r.text == (generated / name).read_text(), f"{path} differs from Generated/{name}"
    assert json.loads(raw(server, "GET", "/openapi.json").text)["openapi"].startswith("3.1")
    page = raw(server, "GET", "/docs").text
    for needle in ("/api/auth/register", "message:send", "VALIDATION_FAILED", 'id="type-Message"'):
        assert needle in page, needle
    assert "<script" not in page
    assert_error(raw(server, "POST", "/docs"), 405)


def test_unknown_path_is_404(server):
    _, token, _ = register(server, "gw404")
    assert_error(raw(server, "GET", "/api/nothing/here"), 404)
    assert_error(raw(server, "GET", "/api/nothing/here", headers={"Authorization": f"Bearer {token}"}), 404)
    assert_error(raw(server, "GET", "/definitely-not-a-route"), 404)
    assert_error(raw(server, "POST", "/api/auth/nope", json={}), 404)


def test_wrong_method_is_405_with_allow(server):
    r = raw(server, "DELETE", "/api/auth/login")
    assert_error(r, 405)
    assert "POST" in [m.strip() for m in r.headers["Allow"].split(",")], r.headers["Allow"]
    r = raw(server, "PUT", "/api/auth/register", json={})
    assert_error(r, 405)
    assert "POST" in r.headers["Allow"]
    r = raw(server, "POST", "/healthz")
    assert_error(r, 405)
    assert "GET" in r.headers["Allow"]


def test_malformed_json_is_400(server):
    headers = {"Content-Type": "application/json"}
    assert_error(raw(server, "POST", "/api/auth/login", data=b'{"email": "a@example.com", ', headers=headers), 400)
    assert_error(raw(server, "POST", "/api/auth/login", data=b"[1, 2, 3]", headers=headers), 400)
    assert_error(raw(server, "POST", "/api/auth/login", data=b"\xff\xfe", headers=headers), 400)
    s, token, _ = register(server, "badjson")
    r = raw(server, "PATCH", "/api/users/me", data=b"{nope}",
            headers={**headers, "Authorization": f"Bearer {token}"})
    assert_error(r, 400)


def test_body_over_one_mebibyte_is_413(server):
    big = json.dumps({"email": "a@example.com", "password": "x" * (1024 * 1024 + 10)}).encode()
    r = raw(server, "POST", "/api/auth/login", data=big, headers={"Content-Type": "application/json"})
    assert_error(r, 413)
    assert r.headers.get("X-Request-Id")
    # just under the limit is not a 413 (the validator rejects the long password instead)
    ok_size = json.dumps({"email": "a@example.com", "password": "x" * (1024 * 1024 - 100)}).encode()
    assert len(ok_size) < 1024 * 1024
    r = raw(server, "POST", "/api/auth/login", data=ok_size, headers={"Content-Type": "application/json"})
    assert r.status_code != 413, r.text[:200]


def test_cors(server):
    pre = raw(server, "OPTIONS", "/api/auth/login", headers={
        "Origin": ALLOWED_ORIGIN, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, authorization"})
    assert pre.status_code in (200, 204), pre.status_code
    assert pre.headers.get("Access-Control-Allow-Origin") == ALLOWED_ORIGIN
    assert pre.headers.get("Access-Control-Allow-Credentials") == "true"
    assert "POST" in pre.headers.get("Access-Control-Allow-Methods", "")
    allowed_headers = pre.headers.get("Access-Control-Allow-Headers", "").lower()
    assert "authorization" in allowed_headers and "content-type" in allowed_headers
    assert pre.headers.get("X-Request-Id")

    evil = raw(server, "OPTIONS", "/api/auth/login", headers={
        "Origin": "https://evil.example.com", "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in evil.headers
    assert "Access-Control-Allow-Credentials" not in evil.headers

    r = raw(server, "GET", "/healthz", headers={"Origin": ALLOWED_ORIGIN})
    assert r.headers.get("Access-Control-Allow-Origin") == ALLOWED_ORIGIN
    assert r.headers.get("Access-Control-Allow-Credentials") == "true"
    r = raw(server, "POST", "/api/auth/login", json={"email": "x@example.com", "password": "whatever-1"},
            headers={"Origin": ALLOWED_ORIGIN})
    assert_error(r, 401)
    assert r.headers.get("Access-Control-Allow-Origin") == ALLOWED_ORIGIN
    r = raw(server, "GET", "/healthz", headers={"Origin": "https://evil.example.com"})
    assert "Access-Control-Allow-Origin" not in r.headers
    # the default development origins are replaced by ALLOWED_ORIGINS
    r = raw(server, "GET", "/healthz", headers={"Origin": "http://localhost:5173"})
    assert "Access-Control-Allow-Origin" not in r.headers


def test_security_headers_and_request_id_everywhere(server):
    s, token, user = register(server, "headers")
    responses = [
        raw(server, "GET", "/healthz"),
        raw(server, "GET", "/readyz"),
        raw(server, "GET", "/api/auth/me", headers={"Authorization": f"Bearer {token}"}),
        raw(server, "GET", "/api/auth/me"),
        raw(server, "GET", "/api/nowhere"),
        raw(server, "DELETE", "/api/auth/login"),
        raw(server, "POST", "/api/auth/login", data=b"{", headers={"Content-Type": "application/json"}),
        raw(server, "OPTIONS", "/api/auth/login", headers={"Origin": ALLOWED_ORIGIN, "Access-Control-Request-Method": "POST"}),
        api(s, "POST", "/api/auth/refresh"),
    ]
    ids = []
    for r in responses:
        where = f"{r.request.method} {r.request.url} -> {r.status_code}"
        for name, value in SECURITY_HEADERS.items():
            assert r.headers.get(name) == value, f"{where}: {name}={r.headers.get(name)!r}"
        assert r.headers.get("Referrer-Policy"), f"{where}: no Referrer-Policy"
        csp = r.headers.get("Content-Security-Policy", "")
        assert "default-src" in csp, f"{where}: Content-Security-Policy {csp!r}"
        assert "Strict-Transport-Security" not in r.headers, f"{where}: HSTS only in production"
        rid = r.headers.get("X-Request-Id")
        assert rid, f"{where}: no X-Request-Id"
        ids.append(rid)
    assert len(set(ids)) == len(ids), f"request ids repeat: {ids}"


def test_allow_header_matches_the_routes(server):
    """For every route path: an unused method is 405 with an Allow listing each accepted method once, including the
    contract's; and every method the Allow header offers is really routed (neither 404 nor 405)."""
    sa, ta, a = register(server, "allow_a")
    sb, tb, b = register(server, "allow_b")
    group = create_chat(sa, ta, [b], title="Allow", status=201)
    g, m = group["_id"], send(sa, ta, group["_id"], "x")["_id"]
    routes = {
        "/api/auth/register": {"POST"}, "/api/auth/login": {"POST"}, "/api/auth/refresh": {"POST"},
        "/api/auth/password/forgot": {"POST"}, "/api/auth/password/reset": {"POST"}, "/api/auth/me": {"GET"},
        "/api/users/search": {"GET"}, "/api/users/me": {"PATCH"}, "/api/users/block": {"POST"},
        "/api/users/unblock": {"POST"}, f"/api/users/{b['_id']}": {"GET"}, f"/api/users/presence/{b['_id']}": {"GET"},
        "/api/chats": {"GET", "POST"}, f"/api/chats/{g}": {"GET", "PATCH"}, f"/api/chats/{g}/members": {"POST"},
        f"/api/chats/{g}/pin": {"POST"}, f"/api/chats/{g}/archive": {"POST"},
        f"/api/messages/{m}/react": {"POST"}, f"/api/messages/{m}/read": {"POST"},
        "/healthz": {"GET"}, "/readyz": {"GET"},
    }
    problems = []
    for path, methods in routes.items():
        shown = path.replace(b["_id"], ":userId").replace(g, ":chatId").replace(m, ":messageId")
        r = api(sa, "PUT", path, ta)
        assert_error(r, 405)
        allow = [x.strip() for x in r.headers["Allow"].split(",")]
        if len(allow) != len(set(allow)):
            problems.append(f"PUT {shown}: Allow repeats a method: {r.headers['Allow']!r}")
        if not methods <= set(allow):
            problems.append(f"PUT {shown}: Allow {r.headers['Allow']!r} lacks {sorted(methods - set(allow))}")
        for method in sorted(set(allow) - {"PUT", "OPTIONS", "HEAD"}):
            answer = api(sa, method, path, ta)
            if answer.status_code in (404, 405):
                problems.append(f"{method} {shown}: Allow offers {method}, but it answers {answer.status_code} "
                                f"{answer.text[:120]}")
        for method in sorted({"GET", "POST", "PATCH", "DELETE"} - set(allow)):
            answer = api(sa, method, path, ta)
            if answer.status_code != 405:
                problems.append(f"{method} {shown}: not in Allow {r.headers['Allow']!r}, expected 405, "
                                f"got {answer.status_code} {answer.text[:120]}")
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------------------------- rate limits

@pytest.fixture(scope="module")
def strict_server(parley_bin):
    srv = start_server(parley_bin, "embedded", {"RATE_LIMIT_SCALE": "1"})
    yield srv
    stop_server(srv)


def test_login_rate_limit(strict_server):
    s = new_session(strict_server)
    statuses = []
    limited = None
    for _ in range(15):
        r = api(s, "POST", "/api/auth/login", json={"email": "nobody@example.com", "password": "wrong-password"})
        statuses.append(r.status_code)
        if r.status_code == 429:
            limited = r
            break
    assert limited is not None, f"no 429 after {len(statuses)} logins: {statuses}"
    assert statuses[:10] == [401] * 10, f"the first 10 logins in a minute are allowed: {statuses}"
    assert_error(limited, 429)
    retry = int(limited.headers["Retry-After"])
    assert 0 < retry <= 60, retry
    assert limited.headers.get("X-Request-Id")
    # still limited on the next try; other routes are not limited by the login counter
    assert_error(api(s, "POST", "/api/auth/login", json={"email": "nobody@example.com", "password": "x" * 8}), 429)
    expect(requests.get(strict_server.url + "/healthz", timeout=30), 200)
    assert_error(api(s, "GET", "/api/auth/me"), 401)


# Each strict route with its limit per address (RATE_LIMIT_SCALE=1), and other spellings of its path that the
# router normalises to the same route: every one must count against the same limit.
STRICT_ROUTES = {
    "/api/auth/login": 10,
    "/api/auth/register": 5,
    "/api/auth/password/forgot": 5,
    "/api/auth/password/reset": 10,
    "/api/auth/refresh": 30,
}


def spellings(path: str) -> list[str]:
    last = path.rsplit("/", 1)[1]
    encoded = path[: -len(last)] + "%" + format(ord(last[0]), "02X") + last[1:]
    return [path + "/", "/" + path.replace("/auth/", "//auth//"), encoded, path + "?x=1", path + "/?"]


_next_address = iter(range(2, 250))


def post_from(server, source: str, path: str) -> int:
    """POST an empty JSON object from a loopback source address of our own, so each case has a fresh bucket."""
    conn = http.client.HTTPConnection("127.0.0.1", urlsplit(server.url).port, timeout=30, source_address=(source, 0))
    try:
        conn.request("POST", path, body=b"{}", headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


@pytest.mark.parametrize("route", sorted(STRICT_ROUTES))
def test_strict_limit_counts_every_spelling_of_the_route(strict_server, route):
    limit = STRICT_ROUTES[route]
    routed = []
    for spelling in spellings(route):
        source = f"127.0.0.{next(_next_address)}"
        statuses = [post_from(strict_server, source, spelling) for _ in range(limit)]
        if statuses == [404] * limit:
            continue  # the router does not route this spelling at all: it reaches no handler
        routed.append(spelling)
        assert 429 not in statuses and 404 not in statuses, f"{spelling}: {statuses}"
        # The spelling spent the route's own budget: the canonical path and the spelling are both refused now.
        after = [post_from(strict_server, source, route), post_from(strict_server, source, spelling)]
        assert after == [429, 429], f"{route} after {limit} × {spelling}: {statuses} then {after}"
    assert route + "/" in routed, f"the trailing slash is routed, so it must be tested: {routed}"


# ------------------------------------------------------------------------------------------ backing outage

@pytest.fixture(scope="module")
def outage_server(parley_bin):
    srv = start_server(parley_bin, "scaled")
    yield srv
    stop_server(srv)


def test_redis_outage_is_503_not_500(outage_server):
    """With Redis gone: liveness stays up, readiness and the API answer 503 UNAVAILABLE (never a bare 500)."""
    srv = outage_server
    s, token, user = register(srv, "outage")
    expect(requests.get(srv.url + "/readyz", timeout=30), 200)
    redis = [b for b in srv.backing if "redis" in " ".join(b.proc.args)][0]
    stop_process(redis.proc)
    expect(requests.get(srv.url + "/healthz", timeout=30), 200)
    # Readiness answers are reused for a second; within two the outage shows, each answer within about one.
    deadline = time.monotonic() + 2.5
    while True:
        started = time.monotonic()
        ready = requests.get(srv.url + "/readyz", timeout=30)
        assert time.monotonic() - started < 1.5
        if ready.status_code != 200 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert_error(ready, 503)
    assert_error(api(s, "GET", "/api/auth/me", token), 503)
    assert_error(api(new_session(srv), "POST", "/api/auth/login", json={"email": user["email"], "password": s.password}), 503)
    # An operator sees it in /metrics: Redis connection errors are counted.
    metrics = requests.get(srv.url + "/metrics", timeout=30).text
    counted = [line for line in metrics.splitlines() if line.startswith('parley_redis_errors{kind="connection"}')]
    assert counted and float(counted[0].split()[-1]) >= 1, counted


# ------------------------------------------------------------------------------------------ connection level

@pytest.fixture(scope="module")
def impatient_server(parley_bin):
    srv = start_server(parley_bin, "embedded", {"HTTP_IDLE_TIMEOUT": "1", "HTTP_BODY_TIMEOUT": "1"})
    yield srv
    stop_server(srv)


def raw_exchange(server, payload: bytes, wait: float = 10.0) -> bytes:
    """Sends bytes as they are and reads until the server closes the connection."""
    with socket.create_connection(("127.0.0.1", urlsplit(server.url).port), timeout=wait) as conn:
        conn.sendall(payload)
        chunks = []
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)


def parse_raw_response(raw_bytes: bytes) -> tuple[int, dict, bytes]:
    head, _, body = raw_bytes.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(lines[0].split(" ")[1]), headers, body


@pytest.mark.parametrize("request_bytes,status", [
    (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n", 431),
    (b"GET /api/users/search?q=" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 431),
    (b"BREW /healthz HTCPCP/1.0\r\n\r\n", 400),
    (b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n", 400),
])
def test_requests_that_do_not_parse_get_the_error_shape(server, request_bytes, status):
    code, headers, body = parse_raw_response(raw_exchange(server, request_bytes))
    assert code == status, (code, headers, body[:200])
    assert headers.get("content-type") == "application/json; charset=utf-8", headers
    assert headers.get("x-content-type-options") == "nosniff", headers
    error = json.loads(body)["error"]
    assert error["statusCode"] == status and error["message"], error
    assert error["code"] == ("PAYLOAD_TOO_LARGE" if status == 431 else "VALIDATION_FAILED"), error


def test_an_idle_connection_is_closed(impatient_server):
    started = time.monotonic()
    assert raw_exchange(impatient_server, b"") == b""
    assert time.monotonic() - started < 5


def test_a_stalled_body_is_cut_off(impatient_server):
    started = time.monotonic()
    partial = (b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               b"Content-Length: 1000\r\n\r\n{\"email\":")
    answer = raw_exchange(impatient_server, partial)
    assert time.monotonic() - started < 5
    # Closed without a handler ever seeing the request (or with a 400 for the cut-off body): never a 500.
    assert b" 500 " not in answer.split(b"\r\n", 1)[0], answer[:200]
    assert "unhandled" not in impatient_server.log_tail().lower()
