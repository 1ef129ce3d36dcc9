"""The split deployment's own promises: a service process serves only callers with the internal secret, the gateway
never routes internal routes, and a service that is down is a prompt 503 for its routes alone."""

from __future__ import annotations

import secrets
import signal
import time

import pytest
import requests

from conftest import (HTTP_TIMEOUT, INTERNAL_SECRET, api, assert_error, expect, new_session, register, start_server,
                      stop_server, unique_username)


@pytest.fixture(scope="module")
def split(parley_bin):
    srv = start_server(parley_bin, "split")
    yield srv
    stop_server(srv)


def direct(service, method: str, path: str, headers: dict | None = None, **kwargs) -> requests.Response:
    return requests.request(method, service.url + path, headers=headers or {}, timeout=HTTP_TIMEOUT, **kwargs)


def two_friends(server):
    sa, ta, a = register(server, "ann")
    sb, tb, b = register(server, "ben")
    chat = expect(api(sa, "POST", "/api/chats", ta, json={"type": "direct", "participantIds": [b["_id"]]}), 201)["chat"]
    return (sa, ta, a), (sb, tb, b), chat


def test_a_service_serves_only_callers_with_the_internal_secret(split):
    (sa, ta, a), _, chat = two_friends(split)
    messages = split.services["messages"]
    path = f"/api/messages/{chat['_id']}"
    # A valid user token is not enough: only the gateway may call a service.
    assert_error(direct(messages, "GET", path, {"Authorization": f"Bearer {ta}"}), 401)
    assert_error(direct(messages, "GET", path, {"X-Internal-Secret": "x" * len(INTERNAL_SECRET), "X-Parley-User-Id": a["_id"]}), 401)
    # With the secret, the service believes the caller the gateway forwards, and only that.
    body = expect(direct(messages, "GET", path, {"X-Internal-Secret": INTERNAL_SECRET, "X-Parley-User-Id": a["_id"]}), 200)
    assert body["messages"] == []
    assert_error(direct(messages, "GET", path, {"X-Internal-Secret": INTERNAL_SECRET}), 401)
    # Health checks answer anyone (orchestrators probe them).
    assert direct(messages, "GET", "/healthz").status_code == 200
    # A service answers its own routes only.
    assert_error(direct(messages, "GET", "/api/chats", {"X-Internal-Secret": INTERNAL_SECRET, "X-Parley-User-Id": a["_id"]}), 404)


def test_the_gateway_in_front_of_every_service_needs_no_store(split):
    # The fixture gave the gateway a MongoDB URI nothing answers and a data folder of its own.
    assert split.services and all(name in split.services for name in ("auth", "users", "chats", "messages", "media"))
    ready = new_session(split).get(split.url + "/readyz", timeout=10)
    assert ready.status_code == 200, ready.text
    assert not any((split.data_dir.parent / "gateway-data").iterdir()), "the gateway wrote into its data folder"


def test_internal_routes_are_served_by_their_service_and_never_by_the_gateway(split):
    _, token, me = register(split, "pushy")
    send = {"userId": me["_id"], "title": "hello", "body": "there", "data": {}}
    notifications = split.services["notifications"]
    expect(direct(notifications, "POST", "/internal/notifications/send", {"X-Internal-Secret": INTERNAL_SECRET}, json=send), 200)
    assert_error(direct(notifications, "POST", "/internal/notifications/send", json=send), 401)
    session = new_session(split)
    for headers in ({"X-Internal-Secret": INTERNAL_SECRET}, {"X-Internal-Secret": INTERNAL_SECRET, "Authorization": f"Bearer {token}"}):
        assert_error(api(session, "POST", "/internal/notifications/send", json=send, headers=headers), 404)


def test_the_users_service_answers_what_others_ask_of_its_data(split):
    """Chats, messages and pushes ask the users service who exists and who blocked whom instead of reading its data."""
    (sa, ta, a), (sb, tb, b), direct_chat = two_friends(split)
    _, _, c = register(split, "cat")
    expect(api(sb, "POST", "/api/users/block", tb, json={"userId": a["_id"]}), 200)
    users = split.services["users"]
    secret = {"X-Internal-Secret": INTERNAL_SECRET}
    unknown = "0" * 24
    ask = {"userId": a["_id"], "otherIds": [b["_id"], c["_id"], unknown]}
    relations = expect(direct(users, "POST", "/internal/users/relations", secret, json=ask), 200)
    assert sorted(relations["known"]) == sorted([b["_id"], c["_id"]])
    assert relations["blocking"] == [] and relations["blockedBy"] == [b["_id"]]
    reverse = expect(direct(users, "POST", "/internal/users/relations", secret, json={"userId": b["_id"], "otherIds": [a["_id"]]}), 200)
    assert reverse["blocking"] == [a["_id"]] and reverse["blockedBy"] == []
    assert_error(direct(users, "POST", "/internal/users/relations", secret, json={"userId": a["_id"], "otherIds": []}), 400)
    profiles = expect(direct(users, "POST", "/internal/users/profiles", secret, json={"ids": [c["_id"], unknown]}), 200)
    assert [u["username"] for u in profiles["users"]] == [c["username"]] and "email" not in profiles["users"][0]
    # lastSeen never moves back, so a late or repeated call changes nothing.
    for at in ("2026-01-02T03:04:05.000Z", "2025-01-01T00:00:00.000Z", "2026-01-02T03:04:05.000Z"):
        expect(direct(users, "POST", "/internal/users/seen", secret, json={"userId": c["_id"], "at": at}), 200)
    assert expect(api(sa, "GET", f"/api/users/{c['_id']}", ta), 200)["user"]["lastSeen"] == "2026-01-02T03:04:05.000Z"
    # Without the secret, or through the gateway, none of it answers.
    assert_error(direct(users, "POST", "/internal/users/relations", json=ask), 401)
    assert_error(api(sa, "POST", "/internal/users/relations", ta, json=ask, headers=secret), 404)
    # What the services ask shows through the public API: a blocked user cannot be messaged nor added.
    assert_error(api(sa, "POST", f"/api/messages/{direct_chat['_id']}", ta, json={"body": "hi"}), 403)
    assert_error(api(sa, "POST", "/api/chats", ta, json={"type": "group", "title": "g", "participantIds": [c["_id"], b["_id"]]}), 403)
    assert_error(api(sa, "POST", "/api/chats", ta, json={"type": "group", "title": "g", "participantIds": [unknown]}), 404)


def test_the_chats_service_records_messages_once_whoever_asks_twice(split):
    """Messages asks chats for membership and to record each message; a retried record changes nothing."""
    (sa, ta, a), (sb, tb, b), chat = two_friends(split)
    _, _, stranger = register(split, "eve")
    chats = split.services["chats"]
    secret = {"X-Internal-Secret": INTERNAL_SECRET}
    base = f"/internal/chats/{chat['_id']}"
    membership = expect(direct(chats, "POST", f"{base}/member", secret, json={"userId": a["_id"]}), 200)
    assert membership["type"] == "direct"
    assert sorted(m["userId"] for m in membership["members"]) == sorted([a["_id"], b["_id"]])
    assert_error(direct(chats, "POST", f"{base}/member", secret, json={"userId": stranger["_id"]}), 404)
    sent = expect(api(sa, "POST", f"/api/messages/{chat['_id']}", ta, json={"body": "hello", "tempId": "t-once"}), 201)["message"]
    unread = lambda: next(c for c in expect(api(sb, "GET", "/api/chats", tb), 200)["chats"] if c["_id"] == chat["_id"])["unreadCount"]
    assert unread() == 1
    ref = {"messageId": sent["_id"], "body": sent["body"], "senderId": a["_id"], "createdAt": sent["createdAt"]}
    stored = {"messages": [{"chatId": chat["_id"], "message": ref}]}
    for _ in range(2):
        expect(direct(chats, "POST", "/internal/chats/messages-stored", secret, json=stored), 200)
    assert unread() == 1, "a message recorded again is not counted again"
    # Several in one call, the same one twice among them: each new one counts once.
    second = expect(api(sa, "POST", f"/api/messages/{chat['_id']}", ta, json={"body": "again"}), 201)["message"]
    ref2 = {"messageId": second["_id"], "body": second["body"], "senderId": a["_id"], "createdAt": second["createdAt"]}
    both = {"messages": [{"chatId": chat["_id"], "message": ref}, {"chatId": chat["_id"], "message": ref2}, {"chatId": chat["_id"], "message": ref2}]}
    expect(direct(chats, "POST", "/internal/chats/messages-stored", secret, json=both), 200)
    assert unread() == 2
    # A resend with the same tempId records it again too (completing a send whose record failed), and counts nothing.
    assert expect(api(sa, "POST", f"/api/messages/{chat['_id']}", ta, json={"body": "hello", "tempId": "t-once"}), 200)["message"]["_id"] == sent["_id"]
    assert unread() == 2
    assert_error(direct(chats, "POST", "/internal/chats/messages-stored", json=stored), 401)
    assert_error(api(sa, "POST", "/internal/chats/messages-stored", ta, json=stored, headers=secret), 404)
    assert_error(direct(chats, "POST", "/internal/chats/messages-stored", secret, json={"messages": []}), 400)


def test_the_messages_service_records_deliveries_and_reads_for_the_gateway(split):
    """The realtime layer holds no store: deliveries and socket reads go to the messages service."""
    (sa, ta, a), (sb, tb, b), chat = two_friends(split)
    _, _, stranger = register(split, "mallory")
    messages = split.services["messages"]
    secret = {"X-Internal-Secret": INTERNAL_SECRET}
    sent = expect(api(sa, "POST", f"/api/messages/{chat['_id']}", ta, json={"body": "reach me"}), 201)["message"]
    status = lambda: next(m for m in expect(api(sa, "GET", f"/api/messages/{chat['_id']}", ta), 200)["messages"] if m["_id"] == sent["_id"])["status"]
    assert status() == "sent"
    delivery = {"deliveries": [{"messageId": sent["_id"], "userId": b["_id"]}]}
    for _ in range(2):  # recorded once, however often the gateway says it
        expect(direct(messages, "POST", "/internal/messages/delivered", secret, json=delivery), 200)
    assert status() == "delivered"
    assert_error(direct(messages, "POST", "/internal/messages/delivered", secret, json={"deliveries": []}), 400)
    read = {"userId": stranger["_id"], "chatId": chat["_id"], "messageIds": [sent["_id"]]}
    assert_error(direct(messages, "POST", "/internal/messages/read", secret, json=read), 404)
    expect(direct(messages, "POST", "/internal/messages/read", secret, json=dict(read, userId=b["_id"])), 200)
    assert status() == "read"
    assert_error(api(sa, "POST", "/internal/messages/read", ta, json=read, headers=secret), 404)


def test_a_service_that_is_down_is_a_prompt_503_for_its_routes_only(split):
    (sa, ta, a), (sb, tb, b), chat = two_friends(split)
    path = f"/api/messages/{chat['_id']}"
    expect(api(sa, "POST", path, ta, json={"body": "before", "tempId": "t-before"}), 201)
    messages = split.services["messages"]
    messages.proc.send_signal(signal.SIGKILL)
    messages.proc.wait(timeout=10)
    try:
        for method, body in (("GET", None), ("POST", {"body": "while down", "tempId": "t-down"})):
            started = time.monotonic()
            r = api(sa, method, path, ta, json=body)
            took = time.monotonic() - started
            assert_error(r, 503)
            assert took < 2.0, f"{method} {path} took {took:.2f} s to fail"
        # Every other service still answers.
        chats = expect(api(sa, "GET", "/api/chats", ta), 200)["chats"]
        assert [c["_id"] for c in chats] == [chat["_id"]]
        expect(api(sb, "GET", "/api/auth/me", tb), 200)
        expect(api(sb, "GET", f"/api/users/{a['_id']}", tb), 200)
    finally:
        messages.restart()
    page = expect(api(sb, "GET", path, tb), 200)
    assert [m["body"] for m in page["messages"]] == ["before"], "nothing was stored while the service was down"
    expect(api(sa, "POST", path, ta, json={"body": "after", "tempId": "t-after"}), 201)


def test_auth_keeps_credentials_and_asks_the_users_service_for_profiles(split):
    """Auth stores how a user signs in, the users service the profile; a registration cut between the two keeps the
    address for its registrant."""
    users = split.services["users"]
    secret = {"X-Internal-Secret": INTERNAL_SECRET}
    username = unique_username("once")
    profile = {"_id": secrets.token_hex(12), "username": username, "email": f"{username}@example.com", "name": "Once",
               "createdAt": "2026-01-02T03:04:05.000Z"}
    created = expect(direct(users, "POST", "/internal/users/create", secret, json=profile), 200)["user"]
    assert created["_id"] == profile["_id"] and created["email"] == profile["email"]
    assert expect(direct(users, "POST", "/internal/users/create", secret, json=profile), 200)["user"] == created, \
        "creating it again is the same profile"
    assert_error(direct(users, "POST", "/internal/users/create", secret, json=dict(profile, _id=secrets.token_hex(12))), 409)
    assert expect(direct(users, "POST", "/internal/users/account", secret, json={"userId": profile["_id"]}), 200)["user"] == created
    assert_error(direct(users, "POST", "/internal/users/account", secret, json={"userId": secrets.token_hex(12)}), 404)
    assert_error(direct(users, "POST", "/internal/users/create", json=profile), 401)
    # A profile is not an account: only auth's credentials sign in.
    assert_error(api(new_session(split), "POST", "/api/auth/login", json={"email": profile["email"], "password": "correct-horse-1"}), 401)

    name = unique_username("cut")
    signup = {"username": name, "email": f"{name}@example.com", "password": "correct-horse-1", "name": "Cut"}
    users.proc.send_signal(signal.SIGKILL)
    users.proc.wait(timeout=10)
    try:
        assert_error(api(new_session(split), "POST", "/api/auth/register", json=signup), 503)
    finally:
        users.restart()
    assert_error(api(new_session(split), "POST", "/api/auth/register", json=dict(signup, password="someone-else-1")), 409)
    me = expect(api(new_session(split), "POST", "/api/auth/register", json=signup), 201)["user"]
    assert me["username"] == name
    login = expect(api(new_session(split), "POST", "/api/auth/login", json={"email": signup["email"], "password": "correct-horse-1"}), 200)
    assert login["user"] == me
