"""Web Push: subscriptions, and pushes of new messages to a local push service that checks the VAPID JWT
(RFC 8292) and decrypts each payload (RFC 8291) with the subscriber's private key, as a browser would."""

from __future__ import annotations

import json
import time

import pytest

from conftest import api, assert_error, b64url_decode, create_chat, expect, register, send, start_server, stop_server
from push_service import PushService, PushSubscriber
from test_realtime import Client


@pytest.fixture(scope="module")
def push():
    service = PushService().start()
    yield service
    service.stop()


@pytest.fixture(scope="module")
def srv(parley_bin, push):
    # The push service lives on 127.0.0.1 with its own CA: the server may reach that address and trust that CA.
    server = start_server(parley_bin, "embedded", {"OUTBOUND_ALLOW_PRIVATE": "127.0.0.1", "OUTBOUND_CA_FILE": push.ca_file})
    yield server
    stop_server(server)


def vapid_key(server) -> str:
    session, _, _ = register(server, "keyreader")
    return expect(api(session, "GET", "/api/notifications/vapid-public-key"), 200)["publicKey"]


def subscribe(server, push, name: str, who=None):
    """A user (new unless given) with one push subscription; returns (session, token, user, subscriber, endpoint name)."""
    session, token, user = who or register(server, name)
    subscriber = PushSubscriber()
    endpoint = f"{name}-{time.monotonic_ns()}"
    r = api(session, "POST", "/api/notifications/push/subscribe", token,
            json={"subscription": {**subscriber.subscription(push.endpoint(endpoint)), "expirationTime": None}})
    assert expect(r, 200) == {"success": True}
    return session, token, user, subscriber, endpoint


def test_the_vapid_key_is_a_p256_point_kept_in_the_data_folder(srv):
    key = vapid_key(srv)
    point = b64url_decode(key)
    assert len(point) == 65 and point[0] == 4
    kept = srv.data_dir / "vapid.json"
    assert json.loads(kept.read_text())["publicKey"] == key
    assert kept.stat().st_mode & 0o077 == 0, "the private key is readable by its owner only"


def test_subscriptions_are_checked(srv, push):
    session, token, _ = register(srv, "checker")
    good = PushSubscriber().subscription(push.endpoint("checked"))
    cases = [
        {**good, "endpoint": "http://push.example.com/x"},
        {**good, "keys": {**good["keys"], "p256dh": "AAAA"}},
        {**good, "keys": {**good["keys"], "p256dh": good["keys"]["p256dh"][:-4] + "AAAA"}},  # not on the curve
        {**good, "keys": {**good["keys"], "auth": "c2hvcnQ"}},
        {"endpoint": good["endpoint"]},
    ]
    for subscription in cases:
        assert_error(api(session, "POST", "/api/notifications/push/subscribe", token, json={"subscription": subscription}), 400)
    assert_error(api(session, "POST", "/api/notifications/push/subscribe", None, json={"subscription": good}), 401)


def test_a_new_message_is_pushed_encrypted_and_signed(srv, push):
    key = vapid_key(srv)
    alice_s, alice, alice_user, alice_sub, alice_ep = subscribe(srv, push, "alice")
    _, _, bob, bob_sub, bob_ep = subscribe(srv, push, "bob")
    chat = create_chat(alice_s, alice, [bob])
    message = send(alice_s, alice, chat["_id"], "Dinner at eight? 🍝")
    [received] = push.wait_for(bob_ep)
    payload = push.verify(received, bob_sub, key)
    assert payload == {"title": alice_user["name"], "body": "Dinner at eight? 🍝", "icon": "/icons/icon-192.png",
                       "badge": "/icons/badge-72.png", "data": {"chatId": chat["_id"], "messageId": message["_id"]}}
    assert received.headers["urgency"] == "high" and int(received.headers["ttl"]) > 0
    assert received.headers["topic"] == f"chat-{chat['_id']}"
    time.sleep(1)
    assert push.received(alice_ep) == [], "the sender is never pushed"


def test_a_recipient_with_an_open_socket_gets_no_push(srv, push):
    alice_s, alice, _ = register(srv, "alice")
    bob_s, bob_token, bob, _, bob_ep = subscribe(srv, push, "bob")
    chat = create_chat(alice_s, alice, [bob])
    client = Client(srv, bob_token)
    try:
        send(alice_s, alice, chat["_id"], "you are here")
        client.next("message:new")
        time.sleep(1.5)
        assert push.received(bob_ep) == []
    finally:
        client.close()
    time.sleep(0.5)
    send(alice_s, alice, chat["_id"], "and now you are not")
    assert len(push.wait_for(bob_ep)) == 1


def test_pushes_for_one_chat_are_spaced(srv, push):
    alice_s, alice, _ = register(srv, "alice")
    _, _, bob, _, bob_ep = subscribe(srv, push, "bob")
    chat = create_chat(alice_s, alice, [bob])
    for n in range(3):
        send(alice_s, alice, chat["_id"], f"burst {n}")
    push.wait_for(bob_ep)
    time.sleep(1.5)
    assert len(push.received(bob_ep)) == 1, "three messages within seconds: one push"


def test_a_group_push_names_the_group_and_skips_who_blocked_the_sender(srv, push):
    key = vapid_key(srv)
    alice_s, alice, alice_user = register(srv, "alice")
    _, _, bob, bob_sub, bob_ep = subscribe(srv, push, "bob")
    carol_s, carol, carol_user, _, carol_ep = subscribe(srv, push, "carol")
    chat = create_chat(alice_s, alice, [bob, carol_user], title="Book club")
    # Blocked after the group began: the group goes on, Carol just hears nothing of Alice.
    expect(api(carol_s, "POST", "/api/users/block", carol, json={"userId": alice_user["_id"]}), 200)
    send(alice_s, alice, chat["_id"], "Chapter 3 tonight")
    [received] = push.wait_for(bob_ep)
    payload = push.verify(received, bob_sub, key)
    assert payload["title"] == "Book club" and payload["body"] == f"{alice_user['name']}: Chapter 3 tonight"
    time.sleep(1)
    assert push.received(carol_ep) == []


def test_a_gone_subscription_is_deleted(srv, push):
    alice_s, alice, _ = register(srv, "alice")
    who = register(srv, "bob")
    _, _, bob, _, gone = subscribe(srv, push, "gone", who)
    _, _, _, _, kept = subscribe(srv, push, "kept", who)
    push.script(gone, [(410, {})])
    first = create_chat(alice_s, alice, [bob])
    send(alice_s, alice, first["_id"], "one")
    push.wait_for(gone)
    push.wait_for(kept)
    # The server deletes the subscription once it has read the 410, after the push service answered, which nothing
    # outside shows: a moment for it (a loaded CI machine once sent the next push first).
    time.sleep(1.0)
    # Another chat (no spacing between chats): only the live subscription is pushed.
    second = create_chat(alice_s, alice, [bob], title="second", type_="group")
    send(alice_s, alice, second["_id"], "two")
    push.wait_for(kept, count=2)
    time.sleep(0.5)
    assert len(push.received(gone)) == 1


@pytest.mark.parametrize("status", [503, 429])
def test_a_busy_push_service_is_retried_after_its_retry_after(srv, push, status):
    key = vapid_key(srv)
    alice_s, alice, _ = register(srv, "alice")
    _, _, bob, bob_sub, bob_ep = subscribe(srv, push, "bob")
    push.script(bob_ep, [(status, {"Retry-After": "1"})])
    chat = create_chat(alice_s, alice, [bob])
    send(alice_s, alice, chat["_id"], "are you there")
    refused, accepted = push.wait_for(bob_ep, count=2)
    assert refused.status_returned == status and accepted.status_returned == 201
    assert accepted.received_at - refused.received_at >= 0.9, "Retry-After was not honoured"
    assert push.verify(accepted, bob_sub, key)["body"] == "are you there"


def test_only_its_owner_unsubscribes_an_endpoint(srv, push):
    alice_s, alice, _ = register(srv, "alice")
    bob_s, bob_token, bob, _, bob_ep = subscribe(srv, push, "bob")
    mallory_s, mallory, _ = register(srv, "mallory")
    r = api(mallory_s, "POST", "/api/notifications/push/unsubscribe", mallory, json={"endpoint": push.endpoint(bob_ep)})
    assert expect(r, 200) == {"success": True}
    chat = create_chat(alice_s, alice, [bob])
    send(alice_s, alice, chat["_id"], "still subscribed")
    push.wait_for(bob_ep)
    r = api(bob_s, "POST", "/api/notifications/push/unsubscribe", bob_token, json={"endpoint": push.endpoint(bob_ep)})
    assert expect(r, 200) == {"success": True}
    other = create_chat(alice_s, alice, [bob], title="after", type_="group")
    send(alice_s, alice, other["_id"], "gone now")
    time.sleep(1.5)
    assert len(push.received(bob_ep)) == 1
