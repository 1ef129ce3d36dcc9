import secrets
import string

from conftest import api, assert_error, assert_user, expect, register, unknown_id


def letters(n: int) -> str:
    return "".join(secrets.choice(string.ascii_lowercase) for _ in range(n))


def search(s, token, q, **params):
    body = expect(api(s, "GET", "/api/users/search", token, params={"q": q, **params}), 200)
    assert set(body) == {"users"}
    for u in body["users"]:
        assert_user(u)
        assert "email" not in u, "search returns public users"
    return body["users"]


def test_get_user_by_id(server):
    s, token, me = register(server, "getter")
    _, _, other = register(server, "gotten", display_name="Gotten Person")
    body = expect(api(s, "GET", f"/api/users/{other['_id']}", token), 200)
    assert set(body) == {"user"}
    assert_user(body["user"])
    assert "email" not in body["user"], "a public User carries no email"
    assert body["user"]["_id"] == other["_id"]
    assert body["user"]["username"] == other["username"]
    assert body["user"]["name"] == "Gotten Person"

    assert_error(api(s, "GET", f"/api/users/{unknown_id()}", token), 404)
    assert_error(api(s, "GET", "/api/users/not-an-id", token), 400)
    assert_error(api(s, "GET", f"/api/users/{other['_id'].upper()}", token), 400)


def test_search_prefix_case_and_blocks(server):
    prefix = "q" + letters(7)
    word = letters(9)
    s, token, me = register(server, username=f"{prefix}_me", display_name="Searching Caller")
    _, _, by_username = register(server, username=f"{prefix}_bob", display_name="Bob Builder")
    _, _, by_name = register(server, "carol", display_name=f"Carol {word.capitalize()}")
    s_blocker, t_blocker, blocker = register(server, username=f"{prefix}_blocker", display_name="Blocks Caller")
    _, _, blocked = register(server, username=f"{prefix}_blocked", display_name="Blocked By Caller")

    ids = {u["_id"] for u in search(s, token, prefix)}
    assert by_username["_id"] in ids and blocker["_id"] in ids and blocked["_id"] in ids
    assert me["_id"] not in ids, "search excludes the caller"

    ids = {u["_id"] for u in search(s, token, prefix.upper())}
    assert by_username["_id"] in ids, "search is case-insensitive"
    ids = {u["_id"] for u in search(s, token, f"{prefix}_B")}
    assert by_username["_id"] in ids

    # prefix of a word of the name (not the first word), any case
    ids = {u["_id"] for u in search(s, token, word[:5].upper())}
    assert by_name["_id"] in ids, "prefix of a name word"
    ids = {u["_id"] for u in search(s, token, word)}
    assert by_name["_id"] in ids

    expect(api(s_blocker, "POST", "/api/users/block", t_blocker, json={"userId": me["_id"]}), 200)
    expect(api(s, "POST", "/api/users/block", token, json={"userId": blocked["_id"]}), 200)
    ids = {u["_id"] for u in search(s, token, prefix)}
    assert blocker["_id"] not in ids, "users who blocked the caller are hidden"
    assert blocked["_id"] not in ids, "users the caller blocked are hidden"
    assert by_username["_id"] in ids
    # and the other way round
    ids = {u["_id"] for u in search(s_blocker, t_blocker, prefix)}
    assert me["_id"] not in ids and by_username["_id"] in ids

    expect(api(s, "POST", "/api/users/unblock", token, json={"userId": blocked["_id"]}), 200)
    ids = {u["_id"] for u in search(s, token, prefix)}
    assert blocked["_id"] in ids and blocker["_id"] not in ids

    assert len(search(s, token, prefix, limit=1)) == 1
    assert_error(api(s, "GET", "/api/users/search", token, params={"q": ""}), 400)
    assert_error(api(s, "GET", "/api/users/search", token), 400)
    assert_error(api(s, "GET", "/api/users/search", token, params={"q": "x" * 65}), 400)
    assert_error(api(s, "GET", "/api/users/search", token, params={"q": prefix, "limit": 51}), 400)
    assert_error(api(s, "GET", "/api/users/search", token, params={"q": prefix, "limit": 0}), 400)
    assert_error(api(s, "GET", "/api/users/search", params={"q": prefix}), 401)


def test_patch_me(server):
    s, token, me = register(server, "patcher")
    r = api(s, "PATCH", "/api/users/me", token,
            json={"name": "New Name", "about": "Hey there, I am using Parley", "avatarUrl": "https://cdn.example.com/a.png"})
    body = expect(r, 200)
    assert set(body) == {"user"}
    assert_user(body["user"], me=True)
    assert body["user"]["name"] == "New Name"
    assert body["user"]["about"] == "Hey there, I am using Parley"
    assert body["user"]["avatarUrl"] == "https://cdn.example.com/a.png"
    assert body["user"]["email"] == me["email"]

    body = expect(api(s, "PATCH", "/api/users/me", token, json={"avatarUrl": "/media/avatars/me.png"}), 200)
    assert body["user"]["avatarUrl"] == "/media/avatars/me.png"
    assert body["user"]["name"] == "New Name", "fields not sent are kept"
    assert expect(api(s, "GET", "/api/auth/me", token), 200)["user"]["avatarUrl"] == "/media/avatars/me.png"

    expect(api(s, "PATCH", "/api/users/me", token, json={"about": "a" * 140}), 200)
    assert_error(api(s, "PATCH", "/api/users/me", token, json={"about": "a" * 141}), 400, details_path="body.about")
    assert_error(api(s, "PATCH", "/api/users/me", token, json={"avatarUrl": "javascript:alert(1)"}), 400)
    assert_error(api(s, "PATCH", "/api/users/me", token, json={"avatarUrl": "http://insecure.example.com/a.png"}), 400)
    assert_error(api(s, "PATCH", "/api/users/me", token, json={"name": ""}), 400)
    assert_error(api(s, "PATCH", "/api/users/me", token, json={"email": "x@example.com"}), 400)
    assert_error(api(s, "PATCH", "/api/users/me", token, json={"passwordHash": "x"}), 400)
    assert_error(api(s, "PATCH", "/api/users/me", json={"name": "x"}), 401)
    assert expect(api(s, "GET", "/api/auth/me", token), 200)["user"]["about"] == "a" * 140


def test_block_unblock(server):
    s, token, me = register(server, "blocker")
    _, _, other = register(server, "blockee")
    assert expect(api(s, "POST", "/api/users/block", token, json={"userId": other["_id"]}), 200) == {"success": True}
    assert expect(api(s, "POST", "/api/users/block", token, json={"userId": other["_id"]}), 200) == {"success": True}
    assert expect(api(s, "POST", "/api/users/unblock", token, json={"userId": other["_id"]}), 200) == {"success": True}

    assert_error(api(s, "POST", "/api/users/block", token, json={"userId": me["_id"]}), 400)
    assert_error(api(s, "POST", "/api/users/unblock", token, json={"userId": me["_id"]}), 400)
    assert_error(api(s, "POST", "/api/users/block", token, json={"userId": unknown_id()}), 404)
    assert_error(api(s, "POST", "/api/users/unblock", token, json={"userId": unknown_id()}), 404)
    assert_error(api(s, "POST", "/api/users/block", token, json={"userId": "nope"}), 400)
    assert_error(api(s, "POST", "/api/users/block", token, json={}), 400)
    # the blocked list never leaks into the Me shape
    me_now = expect(api(s, "GET", "/api/auth/me", token), 200)["user"]
    assert_user(me_now, me=True)


def test_presence(server):
    s, token, _ = register(server, "watcher")
    _, _, other = register(server, "idle")
    body = expect(api(s, "GET", f"/api/users/presence/{other['_id']}", token), 200)
    # both keys always, lastSeen null for a user never seen online
    assert body == {"online": False, "lastSeen": None}, body
    assert_error(api(s, "GET", f"/api/users/presence/{unknown_id()}", token), 404)
    assert_error(api(s, "GET", "/api/users/presence/xyz", token), 400)


def test_the_caller_lists_whom_they_blocked(server):
    session, token, _ = register(server, "blocker")
    _, _, zed = register(server, "zed", display_name="Zed Blocked")
    _, _, amy = register(server, "amy", display_name="Amy Blocked")
    assert expect(api(session, "GET", "/api/users/me/blocked", token), 200) == {"users": []}
    for user in (zed, amy):
        expect(api(session, "POST", "/api/users/block", token, json={"userId": user["_id"]}), 200)
    listed = expect(api(session, "GET", "/api/users/me/blocked", token), 200)["users"]
    assert [u["_id"] for u in listed] == [amy["_id"], zed["_id"]]  # by name
    for user in listed:
        assert_user(user)
    expect(api(session, "POST", "/api/users/unblock", token, json={"userId": zed["_id"]}), 200)
    assert [u["_id"] for u in expect(api(session, "GET", "/api/users/me/blocked", token), 200)["users"]] == [amy["_id"]]
    assert_error(api(session, "GET", "/api/users/me/blocked", None), 401)
