import os
import stat
import threading
import time
from email.utils import parsedate_to_datetime

import requests

from conftest import (api, assert_error, assert_user, expect, forge_jwt, jwt_parts, new_session, refresh_cookie,
                      register, set_cookie_headers, unique_username, b64url, b64url_decode)


def cookie_request(server, path, cookie):
    """A request carrying exactly this refresh cookie (no session jar)."""
    headers = {"Cookie": f"refreshToken={cookie}"} if cookie is not None else {}
    return requests.post(server.url + path, headers=headers, timeout=30)


def test_register_returns_me_token_and_cookie(server):
    s = new_session(server)
    username = unique_username("alice")
    email = f"{username}@Example.com"
    r = api(s, "POST", "/api/auth/register",
            json={"username": username, "email": email, "password": "correct-horse-1", "name": "Alice Liddell"})
    body = expect(r, 201)
    assert set(body) == {"user", "accessToken"}
    user = body["user"]
    assert_user(user, me=True)
    assert user["username"] == username
    assert user["name"] == "Alice Liddell"
    assert user["email"].lower() == email.lower()
    assert "passwordHash" not in r.text and "correct-horse-1" not in r.text

    cookies = [c for c in set_cookie_headers(r) if c.strip().startswith("refreshToken=")]
    assert len(cookies) == 1, set_cookie_headers(r)
    attrs = [a.strip() for a in cookies[0].split(";")]
    assert attrs[0].split("=", 1)[1], "empty refresh token"
    lowered = {a.lower() for a in attrs[1:]}
    assert "httponly" in lowered
    assert "samesite=lax" in lowered
    assert "path=/api/auth" in lowered
    assert "max-age=2592000" in lowered
    assert "secure" not in lowered, "Secure only in production mode"

    header, claims = jwt_parts(body["accessToken"])
    assert header["alg"] == "HS256"
    assert claims["sub"] == user["_id"]
    assert claims["email"].lower() == email.lower()
    assert claims["exp"] - claims["iat"] == 15 * 60
    assert abs(claims["iat"] - time.time()) < 120

    me = expect(api(s, "GET", "/api/auth/me", body["accessToken"]), 200)
    assert set(me) == {"user"}
    assert me["user"] == user


def test_register_validation(server):
    s = new_session(server)
    good = {"username": unique_username("val"), "email": f"{unique_username('val')}@example.com",
            "password": "correct-horse-1", "name": "Val"}
    cases = [
        ({**good, "username": "ab"}, "body.username"),
        ({**good, "username": "Has Space"}, "body.username"),
        ({**good, "username": "x" * 33}, "body.username"),
        ({**good, "email": "not-an-email"}, "body.email"),
        ({**good, "password": "short"}, "body.password"),
        ({**good, "password": "p" * 129}, "body.password"),
        ({**good, "name": ""}, "body.name"),
        ({**good, "name": "n" * 65}, "body.name"),
        ({k: v for k, v in good.items() if k != "password"}, "body.password"),
    ]
    for payload, path in cases:
        assert_error(api(s, "POST", "/api/auth/register", json=payload), 400, details_path=path)
    # unknown fields are rejected
    assert_error(api(s, "POST", "/api/auth/register", json={**good, "isAdmin": True}), 400)


def test_duplicate_username_and_email(server):
    _, _, user = register(server, "dup")
    s = new_session(server)
    r = api(s, "POST", "/api/auth/register", json={
        "username": user["username"], "email": f"{unique_username('other')}@example.com",
        "password": "correct-horse-1", "name": "Other"})
    assert_error(r, 409)
    r = api(s, "POST", "/api/auth/register", json={
        "username": unique_username("other"), "email": user["email"].upper(),
        "password": "correct-horse-1", "name": "Other"})
    assert_error(r, 409)


def test_login_success_and_uniform_failure(server):
    _, _, user = register(server, "login", password="secret-pass-9")
    s = new_session(server)
    r = api(s, "POST", "/api/auth/login", json={"email": user["email"], "password": "secret-pass-9"})
    body = expect(r, 200)
    assert set(body) == {"user", "accessToken"}
    assert_user(body["user"], me=True)
    assert body["user"]["_id"] == user["_id"]
    assert refresh_cookie(r)
    expect(api(s, "GET", "/api/auth/me", body["accessToken"]), 200)

    wrong = api(new_session(server), "POST", "/api/auth/login", json={"email": user["email"], "password": "nope-nope-nope"})
    unknown = api(new_session(server), "POST", "/api/auth/login",
                  json={"email": f"{unique_username('ghost')}@example.com", "password": "secret-pass-9"})
    e1 = assert_error(wrong, 401)
    e2 = assert_error(unknown, 401)
    assert e1 == e2, "login must answer the same for an unknown email and a wrong password"
    assert refresh_cookie(wrong) is None and refresh_cookie(unknown) is None
    assert_error(api(s, "POST", "/api/auth/login", json={"email": user["email"]}), 400)


def test_refresh_rotation_and_reuse_detection(server):
    s, token, user = register(server, "refresh")
    first = s.cookies.get("refreshToken")
    assert first

    r = api(s, "POST", "/api/auth/refresh")
    body = expect(r, 200)
    assert set(body) == {"accessToken"}
    second = refresh_cookie(r)
    assert second and second != first, "the refresh cookie must rotate"
    assert jwt_parts(body["accessToken"])[1]["sub"] == user["_id"]
    me = expect(api(s, "GET", "/api/auth/me", body["accessToken"]), 200)
    assert me["user"]["_id"] == user["_id"]

    # The new cookie works once more (rotation continues) ...
    r = cookie_request(server, "/api/auth/refresh", second)
    expect(r, 200)
    third = refresh_cookie(r)
    assert third and third not in (first, second)

    # ... and replaying an already-rotated one revokes the whole session.
    assert_error(cookie_request(server, "/api/auth/refresh", first), 401)
    assert_error(cookie_request(server, "/api/auth/refresh", third), 401)

    # Another session of the same user is not affected.
    s2 = new_session(server)
    expect(api(s2, "POST", "/api/auth/login", json={"email": user["email"], "password": s.password}), 200)
    expect(api(s2, "POST", "/api/auth/refresh"), 200)


def test_refresh_without_or_with_bogus_cookie(server):
    assert_error(cookie_request(server, "/api/auth/refresh", None), 401)
    assert_error(cookie_request(server, "/api/auth/refresh", "not-a-real-token"), 401)


def test_logout_clears_cookie(server):
    s, token, _ = register(server, "logout")
    cookie = s.cookies.get("refreshToken")
    r = api(s, "POST", "/api/auth/logout")
    assert expect(r, 200) == {"success": True}
    cleared = [c for c in set_cookie_headers(r) if c.strip().startswith("refreshToken=")]
    assert cleared, "logout must clear the refresh cookie"
    attrs = [a.strip().lower() for a in cleared[0].split(";")]
    expired = [a for a in attrs if a.startswith("expires=")
               and parsedate_to_datetime(a.split("=", 1)[1]).timestamp() < time.time()]
    assert "max-age=0" in attrs or expired, f"the cookie is not expired: {cleared}"
    assert "path=/api/auth" in attrs, cleared
    assert_error(cookie_request(server, "/api/auth/refresh", cookie), 401)
    # idempotent
    assert expect(cookie_request(server, "/api/auth/logout", cookie), 200) == {"success": True}
    assert expect(cookie_request(server, "/api/auth/logout", None), 200) == {"success": True}


def test_password_forgot_and_reset(server):
    s, token, user = register(server, "forgot", password="old-password-1")
    old_cookie = s.cookies.get("refreshToken")
    # a second session, also to be revoked
    s2 = new_session(server)
    expect(api(s2, "POST", "/api/auth/login", json={"email": user["email"], "password": "old-password-1"}), 200)
    other_cookie = s2.cookies.get("refreshToken")

    ghost = f"{unique_username('ghost')}@example.com"
    anon = new_session(server)
    assert expect(api(anon, "POST", "/api/auth/password/forgot", json={"email": user["email"]}), 200) == {"success": True}
    assert expect(api(anon, "POST", "/api/auth/password/forgot", json={"email": ghost}), 200) == {"success": True}
    assert_error(api(anon, "POST", "/api/auth/password/forgot", json={"email": "nope"}), 400)

    lines = server.outbox_lines()
    mine = [line for line in lines if line.get("to", "").lower() == user["email"].lower()]
    assert len(mine) == 1, mine
    assert not [line for line in lines if line.get("to", "").lower() == ghost.lower()]
    assert {"to", "kind", "token", "createdAt"} <= set(mine[0])
    reset_token = mine[0]["token"]
    assert reset_token

    assert_error(api(anon, "POST", "/api/auth/password/reset", json={"token": reset_token, "newPassword": "short"}), 400)
    assert_error(api(anon, "POST", "/api/auth/password/reset",
                     json={"token": "definitely-not-a-token", "newPassword": "new-password-2"}), 400)
    r = api(anon, "POST", "/api/auth/password/reset", json={"token": reset_token, "newPassword": "new-password-2"})
    assert expect(r, 200) == {"success": True}

    assert_error(api(new_session(server), "POST", "/api/auth/login",
                     json={"email": user["email"], "password": "old-password-1"}), 401)
    expect(api(new_session(server), "POST", "/api/auth/login",
               json={"email": user["email"], "password": "new-password-2"}), 200)
    # every session of the user is revoked
    assert_error(cookie_request(server, "/api/auth/refresh", old_cookie), 401)
    assert_error(cookie_request(server, "/api/auth/refresh", other_cookie), 401)
    # single use
    r = api(anon, "POST", "/api/auth/password/reset", json={"token": reset_token, "newPassword": "third-password-3"})
    assert_error(r, 400)
    expect(api(new_session(server), "POST", "/api/auth/login",
               json={"email": user["email"], "password": "new-password-2"}), 200)


def test_me_requires_a_valid_token(server):
    s, token, user = register(server, "me")
    body = expect(api(s, "GET", "/api/auth/me", token), 200)
    assert body["user"]["_id"] == user["_id"]
    assert_user(body["user"], me=True)

    assert_error(api(s, "GET", "/api/auth/me"), 401)
    assert_error(api(s, "GET", "/api/auth/me", "garbage"), 401)
    assert_error(api(s, "GET", "/api/auth/me", headers={"Authorization": f"Basic {token}"}), 401)
    assert_error(api(s, "GET", "/api/auth/me", headers={"Authorization": "Bearer"}), 401)

    header, payload, signature = token.split(".")
    # alg none, keeping the real claims
    none_header = b64url(b'{"alg":"none","typ":"JWT"}')
    assert_error(api(s, "GET", "/api/auth/me", f"{none_header}.{payload}."), 401)
    assert_error(api(s, "GET", "/api/auth/me", f"{none_header}.{payload}.{signature}"), 401)
    # tampered signature
    sig = bytearray(b64url_decode(signature))
    sig[0] ^= 0x01
    assert_error(api(s, "GET", "/api/auth/me", f"{header}.{payload}.{b64url(bytes(sig))}"), 401)
    # tampered claims with the original signature
    claims = jwt_parts(token)[1]
    other = b64url(('{"sub":"%s","email":"x@example.com","iat":%d,"exp":%d}'
                    % ("0" * 24, claims["iat"], claims["exp"])).encode())
    assert_error(api(s, "GET", "/api/auth/me", f"{header}.{other}.{signature}"), 401)

    now = int(time.time())
    good_claims = {"sub": user["_id"], "email": user["email"], "iat": now, "exp": now + 600}
    # sanity: the test's own HS256 token with the server's secret is accepted
    expect(api(s, "GET", "/api/auth/me", forge_jwt(good_claims)), 200)
    # another algorithm, even correctly signed with the secret
    assert_error(api(s, "GET", "/api/auth/me", forge_jwt(good_claims, alg="HS512")), 401)
    assert_error(api(s, "GET", "/api/auth/me", forge_jwt(good_claims, alg="HS384")), 401)
    # expired
    assert_error(api(s, "GET", "/api/auth/me", forge_jwt({**good_claims, "iat": now - 3600, "exp": now - 1800})), 401)
    # signed with another secret
    assert_error(api(s, "GET", "/api/auth/me", forge_jwt(good_claims, secret="x" * 40)), 401)
    # protected routes outside /api/auth too
    assert_error(api(s, "GET", f"/api/users/{user['_id']}"), 401)
    assert_error(api(s, "GET", "/api/chats", "garbage"), 401)


def assert_refresh_cookie_attributes(resp):
    cookies = [c for c in set_cookie_headers(resp) if c.strip().startswith("refreshToken=")]
    assert len(cookies) == 1, set_cookie_headers(resp)
    lowered = {a.strip().lower() for a in cookies[0].split(";")[1:]}
    assert {"httponly", "samesite=lax", "path=/api/auth", "max-age=2592000"} <= lowered, cookies[0]


def test_cookie_attributes_on_login_and_refresh(server):
    s, _, user = register(server, "cookies")
    r = api(new_session(server), "POST", "/api/auth/login", json={"email": user["email"], "password": s.password})
    expect(r, 200)
    assert_refresh_cookie_attributes(r)
    r = api(s, "POST", "/api/auth/refresh")
    expect(r, 200)
    assert_refresh_cookie_attributes(r)


def test_logout_ends_only_that_session(server):
    s1, _, user = register(server, "twosessions")
    s2 = new_session(server)
    expect(api(s2, "POST", "/api/auth/login", json={"email": user["email"], "password": s1.password}), 200)
    cookie1 = s1.cookies.get("refreshToken")
    expect(api(s1, "POST", "/api/auth/logout"), 200)
    assert_error(cookie_request(server, "/api/auth/refresh", cookie1), 401)
    expect(api(s2, "POST", "/api/auth/refresh"), 200)


def test_concurrent_reuse_of_a_refresh_token_revokes_the_session(server):
    """The same refresh token presented several times at once is a reuse: one answer may succeed, but the session
    must end, so the cookie that answer issued is rejected afterwards (as for a sequential replay)."""
    problems = []
    for round_ in range(10):
        s, _, _ = register(server, "race")
        cookie = s.cookies.get("refreshToken")
        n = 5
        barrier = threading.Barrier(n)
        sessions = [requests.Session() for _ in range(n)]
        for sess in sessions:  # open the connections first so the refreshes really overlap
            sess.get(server.url + "/healthz", timeout=30)
        results = [None] * n

        def go(i):
            barrier.wait()
            results[i] = sessions[i].post(server.url + "/api/auth/refresh",
                                          headers={"Cookie": f"refreshToken={cookie}"}, timeout=30)

        threads = [threading.Thread(target=go, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        ok = [r for r in results if r.status_code == 200]
        for r in results:
            if r.status_code != 200:
                assert_error(r, 401)
        assert len(ok) <= 1, f"the same refresh token rotated {len(ok)} times"
        for r in ok:
            later = cookie_request(server, "/api/auth/refresh", refresh_cookie(r))
            if later.status_code != 401:
                problems.append(f"round {round_}: statuses {[r.status_code for r in results]}, "
                                f"then the issued cookie answered {later.status_code}")
    assert not problems, ("POST /api/auth/refresh presented concurrently with one refresh cookie: the losers got 401 "
                          "but the session was not revoked:\n" + "\n".join(problems))


def test_a_reset_voids_every_older_reset_token(server):
    _, _, user = register(server, "resettwice", password="first-password-1")
    anon = new_session(server)
    for _ in range(2):
        expect(api(anon, "POST", "/api/auth/password/forgot", json={"email": user["email"]}), 200)
    tokens = [line["token"] for line in server.outbox_lines() if line.get("to", "").lower() == user["email"].lower()]
    assert len(tokens) == 2, tokens
    assert all(line["kind"] == "password_reset" for line in server.outbox_lines())
    expect(api(anon, "POST", "/api/auth/password/reset", json={"token": tokens[1], "newPassword": "second-password-2"}), 200)
    # the first mail's token died with the reset made by the second
    assert_error(api(anon, "POST", "/api/auth/password/reset", json={"token": tokens[0], "newPassword": "third-password-3"}), 400)
    expect(api(new_session(server), "POST", "/api/auth/login",
               json={"email": user["email"], "password": "second-password-2"}), 200)


def test_data_files_are_private_from_creation(server):
    register(server, "private")
    expect(api(new_session(server), "POST", "/api/auth/password/forgot", json={"email": "nobody@example.com"}), 200)
    assert stat.S_IMODE(os.stat(server.data_dir).st_mode) == 0o700, oct(os.stat(server.data_dir).st_mode)
    files = [p for p in server.data_dir.iterdir() if p.is_file()] + ([server.outbox] if server.outbox.exists() else [])
    if server.mode != "split":  # there every secret comes from the environment: the processes share them
        assert any(p.name == "secrets.json" for p in files), files
    if server.mode == "embedded":
        assert any(p.name.startswith("parley.sqlite") for p in files), files
    loose = {p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in files if stat.S_IMODE(p.stat().st_mode) & 0o077}
    assert not loose, f"readable by others: {loose}"
