import time

from conftest import api, assert_chat, assert_error, create_chat, expect, register, send, unknown_id


def get_chat(s, token, chat_id) -> dict:
    body = expect(api(s, "GET", f"/api/chats/{chat_id}", token), 200)
    assert set(body) == {"chat"}
    assert_chat(body["chat"])
    return body["chat"]


def list_chats(s, token, **params) -> dict:
    body = expect(api(s, "GET", "/api/chats", token, params=params), 200)
    assert set(body) == {"chats", "nextCursor"}
    for chat in body["chats"]:
        assert_chat(chat)
    return body


def all_chats(s, token, **params) -> list[dict]:
    out, cursor = [], None
    for _ in range(100):
        body = list_chats(s, token, **params, **({"cursor": cursor} if cursor else {}))
        out.extend(body["chats"])
        cursor = body["nextCursor"]
        if not cursor:
            return out
    raise AssertionError("chat pagination does not end")


def test_direct_chat_is_unique_per_pair(server):
    sa, ta, a = register(server, "dir_a")
    sb, tb, b = register(server, "dir_b")
    r = api(sa, "POST", "/api/chats", ta, json={"type": "direct", "participantIds": [b["_id"]]})
    body = expect(r, 201)
    assert set(body) == {"chat"}
    chat = body["chat"]
    assert_chat(chat)
    assert chat["type"] == "direct"
    assert sorted(chat["participants"]) == sorted([a["_id"], b["_id"]])
    assert chat["pinned"] is False and chat["archived"] is False and chat["unreadCount"] == 0

    again = expect(api(sa, "POST", "/api/chats", ta, json={"type": "direct", "participantIds": [b["_id"]]}), 200)
    assert again["chat"]["_id"] == chat["_id"]
    other_side = expect(api(sb, "POST", "/api/chats", tb, json={"type": "direct", "participantIds": [a["_id"]]}), 200)
    assert other_side["chat"]["_id"] == chat["_id"]
    assert get_chat(sb, tb, chat["_id"])["_id"] == chat["_id"]


def test_create_validation(server):
    sa, ta, a = register(server, "val_a")
    _, _, b = register(server, "val_b")
    _, _, c = register(server, "val_c")
    bad = [
        {"type": "direct", "participantIds": []},
        {"type": "direct", "participantIds": [b["_id"], c["_id"]]},
        {"type": "group", "participantIds": [b["_id"]]},
        {"type": "group", "participantIds": [b["_id"]], "title": ""},
        {"type": "group", "participantIds": [b["_id"]], "title": "t" * 101},
        {"type": "group", "participantIds": [], "title": "Lonely"},
        {"type": "channel", "participantIds": [b["_id"]], "title": "x"},
        {"type": "group", "participantIds": ["not-an-id"], "title": "x"},
        {"type": "group", "participantIds": [b["_id"]], "title": "x", "extra": 1},
    ]
    for payload in bad:
        assert_error(api(sa, "POST", "/api/chats", ta, json=payload), 400)
    group = create_chat(sa, ta, [b, c], title="t" * 100, status=201)
    assert group["type"] == "group" and group["title"] == "t" * 100
    assert sorted(group["participants"]) == sorted([a["_id"], b["_id"], c["_id"]])
    assert group["admins"] == [a["_id"]]

    assert_error(api(sa, "POST", "/api/chats", ta, json={"type": "direct", "participantIds": [unknown_id()]}), 404)
    assert_error(api(sa, "POST", "/api/chats", ta,
                     json={"type": "group", "participantIds": [b["_id"], unknown_id()], "title": "G"}), 404)
    assert_error(api(sa, "POST", "/api/chats", json={"type": "direct", "participantIds": [b["_id"]]}), 401)


def test_blocked_users_cannot_open_a_direct_chat(server):
    sa, ta, a = register(server, "blk_a")
    sb, tb, b = register(server, "blk_b")
    expect(api(sb, "POST", "/api/users/block", tb, json={"userId": a["_id"]}), 200)
    assert_error(api(sa, "POST", "/api/chats", ta, json={"type": "direct", "participantIds": [b["_id"]]}), 403)
    assert_error(api(sb, "POST", "/api/chats", tb, json={"type": "direct", "participantIds": [a["_id"]]}), 403)
    expect(api(sb, "POST", "/api/users/unblock", tb, json={"userId": a["_id"]}), 200)
    create_chat(sa, ta, [b], status=201)


def test_listing_order_filters_and_pagination(server):
    s, t, me = register(server, "lister")
    peers = [register(server, f"peer{i}")[2] for i in range(5)]
    chats = []
    for p in peers:
        chats.append(create_chat(s, t, [p], status=201))
        time.sleep(0.005)
    ids = [c["_id"] for c in chats]

    listed = list_chats(s, t)["chats"]
    assert [c["_id"] for c in listed] == list(reversed(ids)), "updatedAt descending"

    expect(api(s, "POST", f"/api/chats/{ids[1]}/pin", t, json={"pinned": True}), 200)
    expect(api(s, "POST", f"/api/chats/{ids[3]}/archive", t, json={}), 200)  # archived defaults to true
    send(s, t, ids[0], "bump")  # a new message moves the chat up

    listed = list_chats(s, t)["chats"]
    order = [c["_id"] for c in listed]
    assert ids[3] not in order, "archived chats are not in the default list"
    assert order[0] == ids[1], "pinned first"
    assert listed[0]["pinned"] is True
    assert order[1:] == [ids[0], ids[4], ids[2]], order
    rest = listed[1:]
    assert all(not c["pinned"] for c in rest)
    stamps = [c["updatedAt"] for c in rest]
    assert stamps == sorted(stamps, reverse=True)

    archived = list_chats(s, t, archived="true")["chats"]
    assert [c["_id"] for c in archived] == [ids[3]]
    assert archived[0]["archived"] is True
    expect(api(s, "POST", f"/api/chats/{ids[3]}/archive", t, json={"archived": False}), 200)
    assert list_chats(s, t, archived="true")["chats"] == []
    expect(api(s, "POST", f"/api/chats/{ids[1]}/pin", t, json={"pinned": False}), 200)
    full = [c["_id"] for c in list_chats(s, t)["chats"]]
    assert sorted(full) == sorted(ids)

    # pagination: limit 2, no repeats, same order as the full list
    pages, cursor = [], None
    while True:
        body = list_chats(s, t, limit=2, **({"cursor": cursor} if cursor else {}))
        assert len(body["chats"]) <= 2
        pages.append([c["_id"] for c in body["chats"]])
        cursor = body["nextCursor"]
        if not cursor:
            break
        assert len(pages) < 10
    flat = [i for page in pages for i in page]
    assert len(flat) == len(set(flat)), "a chat repeats across pages"
    assert flat == full
    assert list_chats(s, t, limit=100)["nextCursor"] is None

    assert_error(api(s, "GET", "/api/chats", t, params={"limit": 101}), 400)
    assert_error(api(s, "GET", "/api/chats", t, params={"limit": 0}), 400)
    assert_error(api(s, "GET", "/api/chats", t, params={"cursor": "%%%garbage"}), 400)


def test_get_chat_only_for_participants(server):
    sa, ta, a = register(server, "get_a")
    _, _, b = register(server, "get_b")
    so, to, _ = register(server, "get_outsider")
    chat = create_chat(sa, ta, [b], status=201)
    assert get_chat(sa, ta, chat["_id"])["_id"] == chat["_id"]
    assert_error(api(so, "GET", f"/api/chats/{chat['_id']}", to), 404)
    assert_error(api(sa, "GET", f"/api/chats/{unknown_id()}", ta), 404)
    assert_error(api(sa, "GET", "/api/chats/nope", ta), 400)


def test_patch_chat(server):
    sa, ta, a = register(server, "patch_a")
    sb, tb, b = register(server, "patch_b")
    so, to, _ = register(server, "patch_o")
    group = create_chat(sa, ta, [b], title="Old title", status=201)
    body = expect(api(sa, "PATCH", f"/api/chats/{group['_id']}", ta,
                      json={"title": "New title", "avatarUrl": "https://cdn.example.com/g.png"}), 200)
    assert_chat(body["chat"])
    assert body["chat"]["title"] == "New title"
    assert body["chat"]["avatarUrl"] == "https://cdn.example.com/g.png"
    assert get_chat(sb, tb, group["_id"])["title"] == "New title"

    assert_error(api(sb, "PATCH", f"/api/chats/{group['_id']}", tb, json={"title": "Mine now"}), 403)
    assert_error(api(so, "PATCH", f"/api/chats/{group['_id']}", to, json={"title": "x"}), 404)
    assert_error(api(sa, "PATCH", f"/api/chats/{group['_id']}", ta, json={"title": ""}), 400)
    assert_error(api(sa, "PATCH", f"/api/chats/{group['_id']}", ta, json={"type": "direct"}), 400)

    direct = create_chat(sa, ta, [b], status=201)
    assert_error(api(sa, "PATCH", f"/api/chats/{direct['_id']}", ta, json={"title": "Direct title"}), 400)


def test_members_add_remove_leave(server):
    sa, ta, a = register(server, "mem_a")
    sb, tb, b = register(server, "mem_b")
    sc, tc, c = register(server, "mem_c")
    sd, td, d = register(server, "mem_d")
    group = create_chat(sa, ta, [b], title="Members", status=201)
    gid = group["_id"]

    assert_error(api(sb, "POST", f"/api/chats/{gid}/members", tb, json={"userId": c["_id"]}), 403)
    body = expect(api(sa, "POST", f"/api/chats/{gid}/members", ta, json={"userId": c["_id"]}), 200)
    assert_chat(body["chat"])
    assert c["_id"] in body["chat"]["participants"]
    assert get_chat(sc, tc, gid)["_id"] == gid
    assert_error(api(sa, "POST", f"/api/chats/{gid}/members", ta, json={"userId": c["_id"]}), 409)
    assert_error(api(sa, "POST", f"/api/chats/{gid}/members", ta, json={"userId": b["_id"]}), 409)
    assert_error(api(sa, "POST", f"/api/chats/{gid}/members", ta, json={"userId": unknown_id()}), 404)
    assert_error(api(sd, "POST", f"/api/chats/{gid}/members", td, json={"userId": d["_id"]}), 404)

    # a non-admin cannot remove another member
    assert_error(api(sb, "DELETE", f"/api/chats/{gid}/members/{c['_id']}", tb), 403)
    # an admin can
    body = expect(api(sa, "DELETE", f"/api/chats/{gid}/members/{c['_id']}", ta), 200)
    assert c["_id"] not in body["chat"]["participants"]
    assert_error(api(sc, "GET", f"/api/chats/{gid}", tc), 404)
    # a member may leave
    expect(api(sa, "POST", f"/api/chats/{gid}/members", ta, json={"userId": d["_id"]}), 200)
    body = expect(api(sd, "DELETE", f"/api/chats/{gid}/members/{d['_id']}", td), 200)
    assert d["_id"] not in body["chat"]["participants"]
    assert_error(api(sd, "GET", f"/api/chats/{gid}", td), 404)
    assert d["_id"] not in get_chat(sa, ta, gid)["participants"]


def test_last_admin_leaving_promotes_oldest_member(server):
    sa, ta, a = register(server, "adm_a")
    sb, tb, b = register(server, "adm_b")
    sc, tc, c = register(server, "adm_c")
    group = create_chat(sa, ta, [b], title="Succession", status=201)
    gid = group["_id"]
    assert group["admins"] == [a["_id"]]
    time.sleep(0.01)
    expect(api(sa, "POST", f"/api/chats/{gid}/members", ta, json={"userId": c["_id"]}), 200)

    body = expect(api(sa, "DELETE", f"/api/chats/{gid}/members/{a['_id']}", ta), 200)
    assert a["_id"] not in body["chat"]["participants"]
    assert body["chat"]["admins"] == [b["_id"]], body["chat"]
    chat = get_chat(sc, tc, gid)
    assert chat["admins"] == [b["_id"]]
    assert sorted(chat["participants"]) == sorted([b["_id"], c["_id"]])
    # the new admin can act as one
    expect(api(sb, "PATCH", f"/api/chats/{gid}", tb, json={"title": "New era"}), 200)
    assert_error(api(sc, "PATCH", f"/api/chats/{gid}", tc, json={"title": "Nope"}), 403)


def test_pin_and_archive(server):
    sa, ta, a = register(server, "pin_a")
    sb, tb, b = register(server, "pin_b")
    so, to, _ = register(server, "pin_o")
    chat = create_chat(sa, ta, [b], status=201)
    cid = chat["_id"]
    assert expect(api(sa, "POST", f"/api/chats/{cid}/pin", ta, json={"pinned": True}), 200) == {"success": True}
    assert expect(api(sa, "POST", f"/api/chats/{cid}/archive", ta, json={"archived": True}), 200) == {"success": True}
    mine = get_chat(sa, ta, cid)
    assert mine["pinned"] is True and mine["archived"] is True
    theirs = get_chat(sb, tb, cid)
    assert theirs["pinned"] is False and theirs["archived"] is False, "pin and archive are per user"
    expect(api(sa, "POST", f"/api/chats/{cid}/pin", ta, json={"pinned": False}), 200)
    expect(api(sa, "POST", f"/api/chats/{cid}/pin", ta, json={}), 200)  # defaults to true
    assert get_chat(sa, ta, cid)["pinned"] is True

    assert_error(api(so, "POST", f"/api/chats/{cid}/pin", to, json={"pinned": True}), 404)
    assert_error(api(so, "POST", f"/api/chats/{cid}/archive", to, json={"archived": True}), 404)
    assert_error(api(sa, "POST", f"/api/chats/{unknown_id()}/pin", ta, json={"pinned": True}), 404)
    assert_error(api(sa, "POST", f"/api/chats/{cid}/pin", ta, json={"pinned": "yes"}), 400)


def test_unread_count(server):
    sa, ta, a = register(server, "unr_a")
    sb, tb, b = register(server, "unr_b")
    chat = create_chat(sa, ta, [b], status=201)
    cid = chat["_id"]
    send(sa, ta, cid, "mine")
    assert get_chat(sa, ta, cid)["unreadCount"] == 0, "own messages are not unread"
    assert get_chat(sb, tb, cid)["unreadCount"] == 1
    sent = [send(sb, tb, cid, f"m{i}") for i in range(3)]
    assert get_chat(sa, ta, cid)["unreadCount"] == 3
    listed = [c for c in list_chats(sa, ta)["chats"] if c["_id"] == cid]
    assert listed and listed[0]["unreadCount"] == 3
    assert listed[0]["lastMessageRef"]["messageId"] == sent[-1]["_id"]
    assert listed[0]["lastMessageRef"]["body"] == "m2"
    assert listed[0]["lastMessageRef"]["senderId"] == b["_id"]

    last = sent[-1]["_id"]
    r = api(sa, "POST", f"/api/messages/{last}/read", ta, json={"messageIds": [m["_id"] for m in sent]})
    assert expect(r, 200) == {"success": True}
    assert get_chat(sa, ta, cid)["unreadCount"] == 0
    send(sb, tb, cid, "one more")
    assert get_chat(sa, ta, cid)["unreadCount"] == 1


def test_removed_member_loses_access(server):
    sa, ta, a = register(server, "rm_a")
    sb, tb, b = register(server, "rm_b")
    sc, tc, c = register(server, "rm_c")
    group = create_chat(sa, ta, [b, c], title="Removal", status=201)
    gid = group["_id"]
    send(sc, tc, gid, "still here")
    expect(api(sa, "DELETE", f"/api/chats/{gid}/members/{c['_id']}", ta), 200)
    assert gid not in [ch["_id"] for ch in list_chats(sc, tc)["chats"]]
    assert_error(api(sc, "POST", f"/api/messages/{gid}", tc, json={"body": "let me back"}), 404)
    assert_error(api(sc, "GET", f"/api/messages/{gid}", tc), 404)
    assert_error(api(sc, "POST", f"/api/chats/{gid}/pin", tc, json={"pinned": True}), 404)
    assert_error(api(sc, "DELETE", f"/api/chats/{gid}/members/{c['_id']}", tc), 404)


def test_last_message_ref_follows_edits(server):
    sa, ta, a = register(server, "lmr_a")
    sb, tb, b = register(server, "lmr_b")
    cid = create_chat(sa, ta, [b], status=201)["_id"]
    msg = send(sb, tb, cid, "before edit")
    expect(api(sb, "PATCH", f"/api/messages/{msg['_id']}", tb, json={"body": "after edit"}), 200)
    for s, t in ((sa, ta), (sb, tb)):
        ref = get_chat(s, t, cid)["lastMessageRef"]
        assert ref["messageId"] == msg["_id"]
        assert ref["body"] == "after edit", (
            f"PATCH /api/messages/{msg['_id']} edited the chat's last message, but GET /api/chats/{cid} still "
            f"previews {ref['body']!r}")


def test_a_member_who_deleted_the_latest_message_for_themselves_sees_the_one_before(server):
    sa, ta, a = register(server, "hid_a")
    sb, tb, b = register(server, "hid_b")
    cid = create_chat(sa, ta, [b], status=201)["_id"]
    first = send(sb, tb, cid, "first")
    second = send(sb, tb, cid, "second")

    def previews(s, t):
        listed = [ch for ch in list_chats(s, t)["chats"] if ch["_id"] == cid][0].get("lastMessageRef")
        single = get_chat(s, t, cid).get("lastMessageRef")
        assert listed == single, f"GET /api/chats shows {listed}, GET /api/chats/:id {single}"
        return (listed or {}).get("messageId"), (listed or {}).get("body")

    expect(api(sa, "DELETE", f"/api/messages/{second['_id']}", ta), 200)
    assert previews(sa, ta) == (first["_id"], "first"), "a sees the newest message they did not delete"
    assert previews(sb, tb) == (second["_id"], "second"), "b deleted nothing"
    # An edit of the message a sees in its place shows there too.
    expect(api(sb, "PATCH", f"/api/messages/{first['_id']}", tb, json={"body": "first, edited"}), 200)
    assert previews(sa, ta) == (first["_id"], "first, edited")
    # Deleted for everyone, it leaves a with no message to see; b still sees the latest.
    expect(api(sb, "DELETE", f"/api/messages/{first['_id']}", tb, params={"forEveryone": "true"}), 200)
    assert previews(sa, ta) == (None, None)
    assert previews(sb, tb) == (second["_id"], "second")
    # A new message is the latest for both.
    third = send(sb, tb, cid, "third")
    assert previews(sa, ta) == (third["_id"], "third")
    assert previews(sb, tb) == (third["_id"], "third")
    # Deleting the latest for oneself again falls back past every message one deleted.
    expect(api(sa, "DELETE", f"/api/messages/{third['_id']}", ta), 200)
    assert previews(sa, ta) == (None, None)


def test_last_message_ref_drops_a_message_deleted_for_everyone(server):
    sa, ta, a = register(server, "lmd_a")
    sb, tb, b = register(server, "lmd_b")
    cid = create_chat(sa, ta, [b], status=201)["_id"]
    kept = send(sa, ta, cid, "this one stays")
    gone = send(sb, tb, cid, "oops, wrong chat")
    expect(api(sb, "DELETE", f"/api/messages/{gone['_id']}", tb, params={"forEveryone": "true"}), 200)
    for s, t in ((sa, ta), (sb, tb)):
        chat = get_chat(s, t, cid)
        listed = [ch for ch in list_chats(s, t)["chats"] if ch["_id"] == cid][0]
        for where, ref in (("GET /api/chats/:id", chat.get("lastMessageRef")), ("GET /api/chats", listed.get("lastMessageRef"))):
            assert ref is None or (ref["messageId"] != gone["_id"] and ref["body"] != "oops, wrong chat"), (
                f"{where}: lastMessageRef still shows the message deleted for everyone: {ref}")
            if ref is not None:
                assert ref["messageId"] == kept["_id"]
