import threading
import time
import uuid

from conftest import (all_messages, api, assert_date, assert_error, assert_message, create_chat, expect,
                      list_messages, new_session, register, send, unknown_id)


def trio(server, tag):
    """Three users, a direct chat a–b and a group a+b+c."""
    a = register(server, f"{tag}_a")
    b = register(server, f"{tag}_b")
    c = register(server, f"{tag}_c")
    direct = create_chat(a[0], a[1], [b[2]], status=201)
    group = create_chat(a[0], a[1], [b[2], c[2]], title=f"{tag} group", status=201)
    return a, b, c, direct["_id"], group["_id"]


def ids_of(messages):
    return [m["_id"] for m in messages]


def find(messages, mid):
    found = [m for m in messages if m["_id"] == mid]
    assert found, f"message {mid} not listed"
    return found[0]


def test_send_and_temp_id_dedup(server):
    (sa, ta, a), (sb, tb, b), _, cid, _ = trio(server, "send")
    temp = str(uuid.uuid4())
    r = api(sa, "POST", f"/api/messages/{cid}", ta, json={"body": "hello there", "tempId": temp})
    body = expect(r, 201)
    assert set(body) == {"message"}
    msg = body["message"]
    assert_message(msg)
    assert msg["tempId"] == temp
    assert msg["body"] == "hello there"
    assert msg["chatId"] == cid and msg["senderId"] == a["_id"]
    assert msg["reactions"] == [] and msg["status"] == "sent"
    assert "editedAt" not in msg or msg["editedAt"] is None

    count = len(all_messages(sa, ta, cid))
    again = api(sa, "POST", f"/api/messages/{cid}", ta, json={"body": "hello there", "tempId": temp})
    assert expect(again, 200)["message"]["_id"] == msg["_id"]
    changed = api(sa, "POST", f"/api/messages/{cid}", ta, json={"body": "different body", "tempId": temp})
    repeat = expect(changed, 200)["message"]
    assert repeat["_id"] == msg["_id"] and repeat["body"] == "hello there", "the first message is returned"
    assert len(all_messages(sa, ta, cid)) == count, "a repeated tempId stores nothing"
    assert len(all_messages(sb, tb, cid)) == count

    # tempIds are per sender
    theirs = send(sb, tb, cid, "same temp, other sender", tempId=temp)
    assert theirs["_id"] != msg["_id"]
    assert len(all_messages(sa, ta, cid)) == count + 1

    # b's listing shows a's message without a's tempId being required; newest first
    listed = list_messages(sb, tb, cid)
    assert set(listed) == {"messages", "nextCursor"}
    assert ids_of(listed["messages"])[:2] == [theirs["_id"], msg["_id"]]
    for m in listed["messages"]:
        assert_message(m)


def test_send_validation(server):
    (sa, ta, a), _, (sc, tc, c), cid, gid = trio(server, "sval")
    so, to, _ = register(server, "sval_out")
    assert_error(api(sa, "POST", f"/api/messages/{cid}", ta, json={"body": ""}), 400)
    assert_error(api(sa, "POST", f"/api/messages/{cid}", ta, json={}), 400)
    assert_error(api(sa, "POST", f"/api/messages/{cid}", ta, json={"body": "x" * 10001}), 400)
    assert_error(api(sa, "POST", f"/api/messages/{cid}", ta, json={"body": "hi", "senderId": a["_id"]}), 400)
    send(sa, ta, cid, "x" * 10000)

    assert_error(api(so, "POST", f"/api/messages/{cid}", to, json={"body": "let me in"}), 404)
    assert_error(api(so, "GET", f"/api/messages/{cid}", to), 404)
    assert_error(api(sc, "GET", f"/api/messages/{cid}", tc), 404)
    assert_error(api(sa, "POST", f"/api/messages/{unknown_id()}", ta, json={"body": "nowhere"}), 404)
    assert_error(api(sa, "GET", f"/api/messages/{unknown_id()}", ta), 404)
    assert_error(api(sa, "GET", f"/api/messages/{cid}", ta, params={"limit": 0}), 400)
    assert_error(api(sa, "GET", f"/api/messages/{cid}", ta, params={"limit": 101}), 400)
    assert_error(api(sa, "POST", f"/api/messages/{cid}", json={"body": "anon"}), 401)


def test_reply_to_snapshot(server):
    (sa, ta, a), (sb, tb, b), _, cid, gid = trio(server, "reply")
    original = send(sa, ta, cid, "what time is it?")
    reply = send(sb, tb, cid, "noon", replyToId=original["_id"])
    assert reply["replyTo"] == {"messageId": original["_id"], "body": "what time is it?", "senderId": a["_id"]}
    listed = find(list_messages(sa, ta, cid)["messages"], reply["_id"])
    assert listed["replyTo"] == reply["replyTo"]
    # the snapshot does not follow later edits
    expect(api(sa, "PATCH", f"/api/messages/{original['_id']}", ta, json={"body": "edited question"}), 200)
    listed = find(list_messages(sb, tb, cid)["messages"], reply["_id"])
    assert listed["replyTo"]["body"] == "what time is it?"


def test_edit(server):
    (sa, ta, a), (sb, tb, b), (sc, tc, c), cid, gid = trio(server, "edit")
    msg = send(sa, ta, cid, "typo hre")
    body = expect(api(sa, "PATCH", f"/api/messages/{msg['_id']}", ta, json={"body": "typo here"}), 200)
    assert set(body) == {"message"}
    edited = body["message"]
    assert_message(edited)
    assert edited["_id"] == msg["_id"] and edited["body"] == "typo here"
    assert_date(edited.get("editedAt"))
    listed = find(list_messages(sb, tb, cid)["messages"], msg["_id"])
    assert listed["body"] == "typo here" and listed.get("editedAt") == edited["editedAt"]

    assert_error(api(sb, "PATCH", f"/api/messages/{msg['_id']}", tb, json={"body": "hijack"}), 403)
    assert_error(api(sc, "PATCH", f"/api/messages/{msg['_id']}", tc, json={"body": "outsider"}), 404)
    assert_error(api(sa, "PATCH", f"/api/messages/{msg['_id']}", ta, json={"body": ""}), 400)
    assert_error(api(sa, "PATCH", f"/api/messages/{unknown_id()}", ta, json={"body": "ghost"}), 404)
    assert_error(api(sa, "PATCH", "/api/messages/nope", ta, json={"body": "ghost"}), 400)
    assert find(list_messages(sa, ta, cid)["messages"], msg["_id"])["body"] == "typo here"


def test_delete_for_me_and_for_everyone(server):
    (sa, ta, a), (sb, tb, b), (sc, tc, c), cid, gid = trio(server, "del")
    m1 = send(sa, ta, cid, "delete me for a only")
    m2 = send(sa, ta, cid, "delete for everyone")
    m3 = send(sb, tb, cid, "b's message")

    assert expect(api(sa, "DELETE", f"/api/messages/{m1['_id']}", ta), 200) == {"success": True}
    assert m1["_id"] not in ids_of(all_messages(sa, ta, cid))
    assert m1["_id"] in ids_of(all_messages(sb, tb, cid)), "delete for me hides only for the caller"

    assert_error(api(sb, "DELETE", f"/api/messages/{m2['_id']}", tb, params={"forEveryone": "true"}), 403)
    assert_error(api(sc, "DELETE", f"/api/messages/{m2['_id']}", tc, params={"forEveryone": "true"}), 404)
    assert m2["_id"] in ids_of(all_messages(sb, tb, cid))
    r = api(sa, "DELETE", f"/api/messages/{m2['_id']}", ta, params={"forEveryone": "true"})
    assert expect(r, 200) == {"success": True}
    assert m2["_id"] not in ids_of(all_messages(sa, ta, cid))
    assert m2["_id"] not in ids_of(all_messages(sb, tb, cid))

    # a may delete b's message for themself, not for everyone
    assert_error(api(sa, "DELETE", f"/api/messages/{m3['_id']}", ta, params={"forEveryone": "true"}), 403)
    expect(api(sa, "DELETE", f"/api/messages/{m3['_id']}", ta), 200)
    assert m3["_id"] not in ids_of(all_messages(sa, ta, cid))
    assert m3["_id"] in ids_of(all_messages(sb, tb, cid))

    assert_error(api(sa, "DELETE", f"/api/messages/{unknown_id()}", ta), 404)
    for m in all_messages(sb, tb, cid):
        assert_message(m)


def test_reactions(server):
    (sa, ta, a), (sb, tb, b), (sc, tc, c), cid, gid = trio(server, "react")
    msg = send(sa, ta, gid, "react to me")
    body = expect(api(sb, "POST", f"/api/messages/{msg['_id']}/react", tb, json={"emoji": "👍"}), 200)
    assert set(body) == {"message"}
    assert_message(body["message"])
    assert [(r["userId"], r["emoji"]) for r in body["message"]["reactions"]] == [(b["_id"], "👍")]
    assert_date(body["message"]["reactions"][0]["createdAt"])

    body = expect(api(sb, "POST", f"/api/messages/{msg['_id']}/react", tb, json={"emoji": "❤️"}), 200)
    assert [(r["userId"], r["emoji"]) for r in body["message"]["reactions"]] == [(b["_id"], "❤️")], \
        "one reaction per user"
    body = expect(api(sc, "POST", f"/api/messages/{msg['_id']}/react", tc, json={"emoji": "😂"}), 200)
    assert sorted((r["userId"], r["emoji"]) for r in body["message"]["reactions"]) == \
        sorted([(b["_id"], "❤️"), (c["_id"], "😂")])

    body = expect(api(sb, "POST", f"/api/messages/{msg['_id']}/react", tb, json={"emoji": ""}), 200)
    assert [(r["userId"], r["emoji"]) for r in body["message"]["reactions"]] == [(c["_id"], "😂")]
    listed = find(list_messages(sa, ta, gid)["messages"], msg["_id"])
    assert [(r["userId"], r["emoji"]) for r in listed["reactions"]] == [(c["_id"], "😂")]

    so, to, _ = register(server, "react_out")
    assert_error(api(so, "POST", f"/api/messages/{msg['_id']}/react", to, json={"emoji": "👍"}), 404)
    assert_error(api(sb, "POST", f"/api/messages/{unknown_id()}/react", tb, json={"emoji": "👍"}), 404)
    assert_error(api(sb, "POST", f"/api/messages/{msg['_id']}/react", tb, json={}), 400)


def test_read_receipts_direct(server):
    (sa, ta, a), (sb, tb, b), _, cid, _ = trio(server, "rrd")
    m1 = send(sa, ta, cid, "one")
    m2 = send(sa, ta, cid, "two")
    assert find(list_messages(sa, ta, cid)["messages"], m2["_id"])["status"] in ("sent", "delivered")
    r = api(sb, "POST", f"/api/messages/{m2['_id']}/read", tb, json={"messageIds": [m1["_id"], m2["_id"]]})
    assert expect(r, 200) == {"success": True}
    listed = list_messages(sa, ta, cid)["messages"]
    assert find(listed, m1["_id"])["status"] == "read"
    assert find(listed, m2["_id"])["status"] == "read"
    assert find(list_messages(sb, tb, cid)["messages"], m2["_id"])["status"] == "read"


def test_read_receipts_group_need_everyone(server):
    (sa, ta, a), (sb, tb, b), (sc, tc, c), cid, gid = trio(server, "rrg")
    msg = send(sa, ta, gid, "group news")
    expect(api(sb, "POST", f"/api/messages/{msg['_id']}/read", tb, json={"messageIds": [msg["_id"]]}), 200)
    assert find(list_messages(sa, ta, gid)["messages"], msg["_id"])["status"] != "read", \
        "read only once every other participant read it"
    expect(api(sc, "POST", f"/api/messages/{msg['_id']}/read", tc, json={"messageIds": [msg["_id"]]}), 200)
    assert find(list_messages(sa, ta, gid)["messages"], msg["_id"])["status"] == "read"


def test_read_validation(server):
    (sa, ta, a), (sb, tb, b), (sc, tc, c), cid, gid = trio(server, "rrv")
    in_direct = send(sa, ta, cid, "direct")
    in_group = send(sa, ta, gid, "group")
    r = api(sb, "POST", f"/api/messages/{in_direct['_id']}/read", tb,
            json={"messageIds": [in_direct["_id"], in_group["_id"]]})
    assert_error(r, 400)
    assert_error(api(sb, "POST", f"/api/messages/{in_direct['_id']}/read", tb, json={"messageIds": [in_group["_id"]]}), 400)
    assert_error(api(sb, "POST", f"/api/messages/{in_direct['_id']}/read", tb, json={"messageIds": []}), 400)
    assert_error(api(sb, "POST", f"/api/messages/{in_direct['_id']}/read", tb,
                     json={"messageIds": [unknown_id() for _ in range(501)]}), 400)
    assert_error(api(sb, "POST", f"/api/messages/{in_direct['_id']}/read", tb, json={"messageIds": ["bad"]}), 400)
    assert_error(api(sc, "POST", f"/api/messages/{in_direct['_id']}/read", tc, json={"messageIds": [in_direct["_id"]]}), 404)
    assert_error(api(sb, "POST", f"/api/messages/{unknown_id()}/read", tb, json={"messageIds": [unknown_id()]}), 404)
    assert find(list_messages(sa, ta, cid)["messages"], in_direct["_id"])["status"] != "read"


def test_blocked_users_cannot_send_in_direct_chat(server):
    (sa, ta, a), (sb, tb, b), (sc, tc, c), cid, gid = trio(server, "bsend")
    send(sa, ta, cid, "before the block")
    expect(api(sb, "POST", "/api/users/block", tb, json={"userId": a["_id"]}), 200)
    assert_error(api(sa, "POST", f"/api/messages/{cid}", ta, json={"body": "are you there?"}), 403)
    assert_error(api(sb, "POST", f"/api/messages/{cid}", tb, json={"body": "I blocked you"}), 403)
    # groups are unaffected
    send(sa, ta, gid, "group still works")
    expect(api(sb, "POST", "/api/users/unblock", tb, json={"userId": a["_id"]}), 200)
    send(sa, ta, cid, "after the unblock")


def test_pagination_under_concurrent_sends(server):
    (sa, ta, a), (sb, tb, b), (sc, tc, c), cid, gid = trio(server, "page")
    seeded = []
    for i in range(70):
        s, t = (sa, ta) if i % 2 == 0 else (sb, tb)
        seeded.append(send(s, t, gid, f"seed {i}")["_id"])
    expected = list(reversed(seeded))

    default = list_messages(sc, tc, gid)
    assert ids_of(default["messages"]) == expected[:50], "the default page is the newest 50"
    assert isinstance(default["nextCursor"], str) and default["nextCursor"]

    first = list_messages(sc, tc, gid, limit=7)
    assert ids_of(first["messages"]) == expected[:7]
    assert first["nextCursor"]

    errors: list[str] = []
    sent: dict[str, list[str]] = {"a": [], "b": []}

    def writer(label, token):
        session = new_session(server)
        try:
            for i in range(60):
                r = api(session, "POST", f"/api/messages/{gid}", token,
                        json={"body": f"{label} live {i}", "tempId": f"{label}-{i}-{uuid.uuid4()}"})
                if r.status_code != 201:
                    errors.append(f"{label} send {i}: {r.status_code} {r.text[:200]}")
                    return
                sent[label].append(r.json()["message"]["_id"])
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(f"{label}: {e!r}")

    threads = [threading.Thread(target=writer, args=("a", ta)), threading.Thread(target=writer, args=("b", tb))]
    for th in threads:
        th.start()
    try:
        pages = [ids_of(first["messages"])]
        cursor = first["nextCursor"]
        while cursor:
            page = list_messages(sc, tc, gid, limit=7, cursor=cursor)
            assert len(page["messages"]) <= 7
            pages.append(ids_of(page["messages"]))
            cursor = page["nextCursor"]
            time.sleep(0.01)
            assert len(pages) < 100, "pagination does not end"
    finally:
        for th in threads:
            th.join(timeout=120)
    assert not errors, errors
    seen = [i for p in pages for i in p]
    assert len(seen) == len(set(seen)), "a message repeats across pages"
    missing = [i for i in expected if i not in seen]
    assert not missing, f"{len(missing)} messages skipped"
    assert seen == expected, "pages are newest first, exactly the messages that existed when paging began"

    everything = all_messages(sc, tc, gid, limit=100)
    all_ids = ids_of(everything)
    assert len(all_ids) == len(set(all_ids)) == 70 + 120
    stamps = [m["createdAt"] for m in everything]
    assert stamps == sorted(stamps, reverse=True), "newest first"
    for label in ("a", "b"):
        positions = [all_ids.index(i) for i in sent[label]]
        assert positions == sorted(positions, reverse=True), f"{label}'s messages out of order"
    assert all_ids[-70:] == expected
