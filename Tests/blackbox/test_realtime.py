"""The chat in real time: python-socketio clients (WebSocket transport) against `parley serve`, embedded and on
MongoDB + Redis, as the contract's socket section says."""

from __future__ import annotations

import json
import queue
import signal
import socket
import time
import uuid

import pytest
import requests
import socketio
import websocket

from conftest import ALLOWED_ORIGIN, api, create_chat, expect, forge_jwt, register, send, start_server, stop_server

WAIT = 5.0


class Client:
    """A python-socketio client that records every server event in order."""

    def __init__(self, server, token: str):
        self.events: "queue.Queue[tuple[str, object]]" = queue.Queue()
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("*", lambda event, *args: self.events.put((event, args[0] if len(args) == 1 else args)))
        self.sio.connect(server.url, transports=["websocket"], auth={"token": token}, wait_timeout=WAIT)

    def call(self, event: str, payload) -> dict:
        return self.sio.call(event, payload, timeout=WAIT)

    def next(self, event: str, where=lambda payload: True):
        """The next `event` whose payload satisfies `where`; other events are skipped."""
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            try:
                name, payload = self.events.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            if name == event and where(payload):
                return payload
        raise AssertionError(f"no {event} within {WAIT} s")

    def nothing(self, event: str, where=lambda payload: True, within: float = 0.5) -> None:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            try:
                name, payload = self.events.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                return
            assert not (name == event and where(payload)), f"unexpected {event}: {payload}"

    def close(self) -> None:
        self.sio.disconnect()


class RawSocket:
    """Socket.IO at the frame level over WebSocket, for what python-socketio does not do: connection state recovery."""

    def __init__(self, url: str, auth: dict):
        self.ws = websocket.create_connection(url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket", timeout=WAIT)
        assert self.ws.recv().startswith("0{")
        self.ws.send("40" + json.dumps(auth))
        answer = self.ws.recv()
        assert answer.startswith("40{"), answer
        self.session = json.loads(answer[2:])
        self.offset = auth.get("offset")

    def next(self, event: str, where=lambda payload: True) -> list:
        """The arguments of the next `event` whose first satisfies `where`; remembers the offset of every event."""
        while True:
            text = self.ws.recv()
            if text == "2":
                self.ws.send("3")
                continue
            assert text.startswith("42"), text
            name, *arguments = json.loads(text[2:])
            if self.session.get("pid"):
                self.offset = arguments[-1]
            if name == event and where(arguments[0]):
                return arguments

    def drop(self) -> None:
        """The transport goes away without a Socket.IO DISCONNECT: the session is kept for recovery."""
        self.ws.close()


@pytest.fixture
def pair(server):
    """Alice and Bob, a direct chat between them, and a connected client for each."""
    alice_session, alice_token, alice = register(server, "alice")
    bob_session, bob_token, bob = register(server, "bob")
    chat = create_chat(alice_session, alice_token, [bob["_id"]])
    clients = [Client(server, alice_token), Client(server, bob_token)]
    yield {"server": server, "alice": (alice_session, alice_token, alice, clients[0]),
           "bob": (bob_session, bob_token, bob, clients[1]), "chat": chat}
    for client in clients:
        client.close()


def test_a_bad_token_is_refused_with_unauthorized(server):
    expired = forge_jwt({"sub": "0" * 24, "email": "", "iat": 1, "exp": 2})
    for auth in [{"token": "garbage"}, {"token": expired}, {}, None]:
        refusals = []
        client = socketio.Client(reconnection=False)
        client.on("connect_error", lambda data: refusals.append(data))
        with pytest.raises(socketio.exceptions.ConnectionError):
            client.connect(server.url, transports=["websocket"], auth=auth, wait_timeout=WAIT)
        assert refusals and refusals[0]["data"] == {"code": "UNAUTHORIZED"} and refusals[0]["message"], refusals
    # The frame itself: CONNECT_ERROR with {message, data}.
    ws = websocket.create_connection(server.url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket", timeout=WAIT)
    assert ws.recv().startswith("0{")
    ws.send('40{"token":"garbage"}')
    refusal = ws.recv()
    assert refusal.startswith("44{") and json.loads(refusal[2:])["data"] == {"code": "UNAUTHORIZED"}
    ws.close()


def test_hello_answers_the_account(pair):
    _, _, alice, client = pair["alice"]
    assert client.call("auth:hello", {})["user"]["_id"] == alice["_id"]


def test_a_message_is_acknowledged_once_stored_and_reaches_both_sides(pair):
    alice_session, alice_token, alice, alice_client = pair["alice"]
    _, _, bob, bob_client = pair["bob"]
    chat = pair["chat"]
    temp = str(uuid.uuid4())
    ack = alice_client.call("message:send", {"chatId": chat["_id"], "body": "hi Bob", "tempId": temp})
    assert ack["ok"] is True and ack["tempId"] == temp and ack["message"]["body"] == "hi Bob"
    stored = ack["message"]
    received = bob_client.next("message:new")
    assert received["_id"] == stored["_id"] and received["body"] == "hi Bob" and "tempId" not in received
    assert alice_client.next("message:new")["tempId"] == temp, "the sender's copy carries the tempId"
    # Stored: the history has it.
    page = expect(api(alice_session, "GET", f"/api/messages/{chat['_id']}", alice_token), 200)
    assert page["messages"][0]["_id"] == stored["_id"]
    # The same tempId again: the same message, nothing new stored or pushed.
    again = alice_client.call("message:send", {"chatId": chat["_id"], "body": "hi Bob", "tempId": temp})
    assert again["ok"] is True and again["message"]["_id"] == stored["_id"]
    bob_client.nothing("message:new")


def test_rest_writes_are_pushed_on_the_socket(pair):
    bob_session, bob_token, bob, bob_client = pair["bob"]
    _, _, alice, alice_client = pair["alice"]
    chat = pair["chat"]
    message = send(bob_session, bob_token, chat["_id"], "from REST")
    assert alice_client.next("message:new")["_id"] == message["_id"]
    expect(api(bob_session, "PATCH", f"/api/messages/{message['_id']}", bob_token, json={"body": "edited"}), 200)
    assert alice_client.next("message:edit", lambda m: m["_id"] == message["_id"])["body"] == "edited"


def test_typing_reactions_and_read_receipts(pair):
    _, _, alice, alice_client = pair["alice"]
    _, _, bob, bob_client = pair["bob"]
    chat = pair["chat"]
    sent = alice_client.call("message:send", {"chatId": chat["_id"], "body": "read me", "tempId": str(uuid.uuid4())})["message"]
    bob_client.sio.emit("typing:start", {"chatId": chat["_id"]})
    typing = alice_client.next("typing:update")
    assert typing == {"chatId": chat["_id"], "userId": bob["_id"], "isTyping": True}
    bob_client.sio.emit("typing:stop", {"chatId": chat["_id"]})
    assert alice_client.next("typing:update")["isTyping"] is False
    alice_client.nothing("typing:update", lambda t: t["userId"] == alice["_id"])  # nobody sees their own typing

    reacted = bob_client.call("reaction:set", {"messageId": sent["_id"], "emoji": "👍"})
    assert reacted["ok"] is True and reacted["message"]["reactions"][0]["emoji"] == "👍"
    assert alice_client.next("message:edit", lambda m: m["_id"] == sent["_id"])["reactions"][0]["userId"] == bob["_id"]

    assert bob_client.call("message:read", {"chatId": chat["_id"], "messageIds": [sent["_id"]]}) == {"ok": True}
    receipt = alice_client.next("receipt:read")
    assert receipt["chatId"] == chat["_id"] and receipt["userId"] == bob["_id"] and sent["_id"] in receipt["messageIds"]


def test_typing_that_is_never_stopped_lapses_after_five_seconds(pair):
    _, _, alice, alice_client = pair["alice"]
    _, _, bob, bob_client = pair["bob"]
    chat = pair["chat"]
    bob_client.sio.emit("typing:start", {"chatId": chat["_id"]})
    assert alice_client.next("typing:update")["isTyping"] is True
    time.sleep(3)
    bob_client.sio.emit("typing:start", {"chatId": chat["_id"]})  # renewed: five seconds from now
    assert alice_client.next("typing:update")["isTyping"] is True
    started = time.monotonic()
    alice_client.nothing("typing:update", within=4)
    lapsed = alice_client.next("typing:update")
    assert lapsed == {"chatId": chat["_id"], "userId": bob["_id"], "isTyping": False}
    assert 4.5 < time.monotonic() - started < 6.5


def test_failures_are_acknowledged_never_dropped(pair):
    _, _, _, alice_client = pair["alice"]
    chat = pair["chat"]
    invalid = alice_client.call("message:send", {"chatId": chat["_id"]})
    assert invalid["ok"] is False and invalid["error"]["code"] == "VALIDATION_FAILED"
    stranger = alice_client.call("message:send", {"chatId": "0" * 24, "body": "x", "tempId": "t"})
    assert stranger == {"ok": False, "error": {"code": "NOT_FOUND", "message": stranger["error"]["message"]}}
    unknown = alice_client.call("no:such:event", {})
    assert unknown["ok"] is False and unknown["error"]["code"] == "VALIDATION_FAILED"
    assert alice_client.call("chat:join", {"chatId": "0" * 24})["error"]["code"] == "NOT_FOUND"
    assert alice_client.sio.connected, "a bad payload never closes the connection"


def test_membership_changes_reach_live_sockets(server):
    owner_session, owner_token, owner = register(server, "owner")
    _, member_token, member = register(server, "member")
    owner_client, member_client = Client(server, owner_token), Client(server, member_token)
    try:
        # A group made over the socket: the member's live socket joins its room at once.
        created = owner_client.call("chat:create", {"type": "group", "title": "Team", "participantIds": [member["_id"]]})
        assert created["ok"] is True
        group = created["chat"]
        assert member_client.next("chat:updated", lambda c: c["_id"] == group["_id"])["title"] == "Team"
        send(owner_session, owner_token, group["_id"], "welcome")
        assert member_client.next("message:new")["body"] == "welcome"
        # Removed: the member hears about it, then nothing more of the chat.
        expect(api(owner_session, "DELETE", f"/api/chats/{group['_id']}/members/{member['_id']}", owner_token), 200)
        assert member["_id"] not in member_client.next("chat:updated", lambda c: c["_id"] == group["_id"])["participants"]
        send(owner_session, owner_token, group["_id"], "after you left")
        member_client.nothing("message:new", lambda m: m["chatId"] == group["_id"])
        # chat:leave stops a socket's copy of a chat it is still in; chat:join brings it back.
        chat = create_chat(owner_session, owner_token, [member["_id"]])
        assert member_client.call("chat:leave", {"chatId": chat["_id"]}) == {"ok": True}
        send(owner_session, owner_token, chat["_id"], "unheard")
        member_client.nothing("message:new", lambda m: m["chatId"] == chat["_id"])
        assert member_client.call("chat:join", {"chatId": chat["_id"]}) == {"ok": True}
        send(owner_session, owner_token, chat["_id"], "heard")
        assert member_client.next("message:new", lambda m: m["chatId"] == chat["_id"])["body"] == "heard"
    finally:
        owner_client.close()
        member_client.close()


def test_a_quiet_socket_outlives_the_http_idle_timeout(parley_bin):
    """HTTP_IDLE_TIMEOUT closes idle HTTP connections; an upgraded socket is Engine.IO's heartbeat's to watch."""
    server = start_server(parley_bin, "embedded", {"HTTP_IDLE_TIMEOUT": "1"})
    try:
        _, token, me = register(server, "quiet")
        client = Client(server, token)
        time.sleep(2.5)
        assert client.sio.connected
        assert client.call("auth:hello", {})["user"]["_id"] == me["_id"]
        client.close()
    finally:
        stop_server(server)


def test_sigterm_closes_sockets_and_exits_cleanly(parley_bin):
    """An orchestrator replacing the process: sockets are closed (clients reconnect elsewhere), the process exits 0."""
    server = start_server(parley_bin, "embedded")
    try:
        _, token, _ = register(server, "leaving")
        socket = RawSocket(server.url, {"token": token})
        started = time.monotonic()
        server.proc.send_signal(signal.SIGTERM)
        closed = False
        while time.monotonic() - started < 10 and not closed:
            try:
                frame = socket.ws.recv()
            except (websocket.WebSocketConnectionClosedException, ConnectionError):
                closed = True
            else:
                closed = frame in ("", "1")  # a close frame, or Engine.IO's close packet
        assert closed, "the socket stayed open after SIGTERM"
        assert server.proc.wait(timeout=25) == 0
        assert time.monotonic() - started < 25
    finally:
        stop_server(server)


def test_default_transports_poll_then_upgrade_and_polling_honours_cors(server):
    _, token, me = register(server, "poller")
    client = socketio.Client(reconnection=False)
    client.connect(server.url, auth={"token": token}, wait_timeout=WAIT)
    try:
        assert client.call("auth:hello", {}, timeout=WAIT)["user"]["_id"] == me["_id"]
        deadline = time.monotonic() + WAIT
        while client.transport() != "websocket" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert client.transport() == "websocket"
    finally:
        client.disconnect()
    # A browser on the web app's origin may poll with credentials; another origin is granted nothing.
    handshake = requests.get(server.url + "/socket.io/?EIO=4&transport=polling", headers={"Origin": ALLOWED_ORIGIN}, timeout=WAIT)
    assert handshake.status_code == 200 and handshake.text.startswith("0{")
    assert handshake.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    assert handshake.headers["Access-Control-Allow-Credentials"] == "true"
    stranger = requests.get(server.url + "/socket.io/?EIO=4&transport=polling", headers={"Origin": "https://evil.example"}, timeout=WAIT)
    assert "Access-Control-Allow-Origin" not in stranger.headers


def test_presence_follows_the_first_and_last_socket(server):
    watcher_session, watcher_token, watcher = register(server, "watcher")
    _, user_token, user = register(server, "present")
    _, stranger_token, _ = register(server, "stranger")
    create_chat(watcher_session, watcher_token, [user["_id"]])
    watcher_client, stranger_client = Client(server, watcher_token), Client(server, stranger_token)
    try:
        first = Client(server, user_token)
        online = watcher_client.next("presence:update", lambda p: p["userId"] == user["_id"])
        assert online["online"] is True
        second = Client(server, user_token)  # a second socket changes nothing
        first.close()
        watcher_client.nothing("presence:update", lambda p: p["userId"] == user["_id"])
        presence = expect(api(watcher_session, "GET", f"/api/users/presence/{user['_id']}", watcher_token), 200)
        assert presence["online"] is True
        second.close()
        offline = watcher_client.next("presence:update", lambda p: p["userId"] == user["_id"])
        assert offline["online"] is False and offline["lastSeen"]
        presence = expect(api(watcher_session, "GET", f"/api/users/presence/{user['_id']}", watcher_token), 200)
        assert presence["online"] is False and presence["lastSeen"] == offline["lastSeen"]
        stranger_client.nothing("presence:update", lambda p: p["userId"] == user["_id"], within=0.2)
    finally:
        watcher_client.close()
        stranger_client.close()


def test_a_client_that_vanishes_without_a_closing_handshake_goes_offline_at_once(server):
    """A client whose TCP connection ends with no WebSocket close frame (its process died) is noticed when the
    connection ends, not at the next ping 25 s later."""
    watcher_session, watcher_token, _ = register(server, "watcher")
    _, user_token, user = register(server, "vanishing")
    create_chat(watcher_session, watcher_token, [user["_id"]])
    watcher_client = Client(server, watcher_token)
    try:
        raw = RawSocket(server.url, {"token": user_token})
        assert watcher_client.next("presence:update", lambda p: p["userId"] == user["_id"])["online"] is True
        raw.ws.sock.shutdown(socket.SHUT_RDWR)
        raw.ws.sock.close()
        assert watcher_client.next("presence:update", lambda p: p["userId"] == user["_id"])["online"] is False
    finally:
        watcher_client.close()


def test_a_socket_over_its_event_rate_is_refused_then_disconnected(server):
    """100 events per 10 s per socket; each one over is refused (ack and `error` event); more than 50 refusals in
    10 s disconnect the socket. Other sockets of the same user are not affected."""
    _, token, _ = register(server, "spammer")
    spammer, calm = Client(server, token), Client(server, token)
    try:
        started = time.monotonic()
        allowed = 0
        while True:
            answer = spammer.call("auth:hello", {})
            if "user" not in answer:
                break
            allowed += 1
            assert allowed < 300, "never limited"
        # A burst of 100, and one more for each 100 ms that passed (a sliding limit).
        assert 100 <= allowed <= 100 + (time.monotonic() - started) * 10 + 1
        assert answer["ok"] is False and answer["error"]["code"] == "RATE_LIMITED"
        assert spammer.next("error")["code"] == "RATE_LIMITED"
        assert "user" in calm.call("auth:hello", {}), "the limit is the socket's, not the user's"
        for _ in range(120):
            if not spammer.sio.connected:
                break
            try:
                spammer.call("auth:hello", {})
            except socketio.exceptions.TimeoutError:
                break
        deadline = time.monotonic() + WAIT
        while spammer.sio.connected and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not spammer.sio.connected
    finally:
        spammer.close()
        calm.close()


def test_a_user_holds_at_most_twenty_sockets_on_an_instance(server):
    _, token, _ = register(server, "many")
    clients = [Client(server, token) for _ in range(20)]
    try:
        refusals = []
        extra = socketio.Client(reconnection=False)
        extra.on("connect_error", lambda data: refusals.append(data))
        with pytest.raises(socketio.exceptions.ConnectionError):
            extra.connect(server.url, transports=["websocket"], auth={"token": token}, wait_timeout=WAIT)
        assert refusals and refusals[0]["data"] == {"code": "RATE_LIMITED"}
        clients.pop().close()
        time.sleep(0.3)
        clients.append(Client(server, token))  # a place is free again
    finally:
        for client in clients:
            client.close()


def assert_recovers_missed_messages(drop_on, come_back_on) -> None:
    """Bob's socket on `drop_on` sees a message live, drops, misses three, and comes back on `come_back_on` with his
    session: the same sid and pid, the three in order, then live messages again."""
    alice_session, alice_token, alice = register(drop_on, "alice")
    _, bob_token, bob = register(drop_on, "bob")
    chat = create_chat(alice_session, alice_token, [bob["_id"]])
    raw = RawSocket(drop_on.url, {"token": bob_token, "recover": True})
    assert raw.session["pid"]
    first = send(alice_session, alice_token, chat["_id"], "seen live")
    live = raw.next("message:new")
    assert live[0]["_id"] == first["_id"] and isinstance(live[1], str)
    raw.drop()
    time.sleep(0.3)
    missed = [send(alice_session, alice_token, chat["_id"], f"missed {n}")["_id"] for n in range(3)]

    back = RawSocket(come_back_on.url, {"token": bob_token, "pid": raw.session["pid"], "offset": raw.offset})
    assert back.session == raw.session
    assert [back.next("message:new")[0]["_id"] for _ in missed] == missed
    later = send(alice_session, alice_token, chat["_id"], "after")
    assert back.next("message:new")[0]["_id"] == later["_id"]
    back.drop()


def test_a_dropped_socket_recovers_its_missed_events(server):
    assert_recovers_missed_messages(server, server)


def test_recovery_checks_the_token_and_the_user(server):
    alice_session, alice_token, alice = register(server, "alice")
    _, mallory_token, mallory = register(server, "mallory")
    chat = create_chat(alice_session, alice_token, [mallory["_id"]])
    raw = RawSocket(server.url, {"token": alice_token, "recover": True})
    send(alice_session, alice_token, chat["_id"], "for the offset")
    raw.next("message:new")
    raw.drop()
    time.sleep(0.3)
    # Another user's token with Alice's pid: refused, and Alice's session is not handed over.
    ws = websocket.create_connection(server.url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket", timeout=WAIT)
    assert ws.recv().startswith("0{")
    ws.send("40" + json.dumps({"token": mallory_token, "pid": raw.session["pid"], "offset": raw.offset}))
    refusal = ws.recv()
    assert refusal.startswith("44{") and json.loads(refusal[2:])["data"] == {"code": "UNAUTHORIZED"}
    ws.close()
    # Taken by that attempt, the session is gone: Alice herself starts a new one.
    again = RawSocket(server.url, {"token": alice_token, "pid": raw.session["pid"], "offset": raw.offset})
    assert again.session["sid"] != raw.session["sid"]
    again.drop()


def test_a_message_that_reaches_a_socket_is_delivered_once(pair):
    alice_session, alice_token, alice, alice_client = pair["alice"]
    bob_session, bob_token, bob, bob_client = pair["bob"]
    chat = pair["chat"]
    second_bob = Client(pair["server"], bob_token)  # two sockets of Bob: still one delivery
    try:
        sent = [alice_client.call("message:send", {"chatId": chat["_id"], "body": f"m{n}", "tempId": str(uuid.uuid4())})["message"]
                for n in range(3)]
        ids = {m["_id"] for m in sent}
        receipted: set[str] = set()
        while receipted != ids:
            receipt = alice_client.next("receipt:delivered")
            assert receipt["chatId"] == chat["_id"] and receipt["userId"] == bob["_id"]
            assert not receipted & set(receipt["messageIds"]), "each message once"
            receipted |= set(receipt["messageIds"])
        alice_client.nothing("receipt:delivered")
        bob_client.nothing("receipt:delivered")  # the sender hears it, not the recipient
        page = expect(api(alice_session, "GET", f"/api/messages/{chat['_id']}", alice_token), 200)
        assert {m["status"] for m in page["messages"] if m["_id"] in ids} == {"delivered"}
    finally:
        second_bob.close()
    # Bob offline: stored, but delivered to nobody.
    bob_client.close()
    second_bob.close()
    time.sleep(0.3)
    offline = alice_client.call("message:send", {"chatId": chat["_id"], "body": "later", "tempId": str(uuid.uuid4())})["message"]
    alice_client.nothing("receipt:delivered", within=0.6)
    page = expect(api(alice_session, "GET", f"/api/messages/{chat['_id']}", alice_token), 200)
    assert next(m for m in page["messages"] if m["_id"] == offline["_id"])["status"] == "sent"


def test_a_group_message_is_receipted_once_when_every_member_has_it(server):
    alice_session, alice_token, alice = register(server, "alice")
    _, bob_token, bob = register(server, "bob")
    _, carol_token, carol = register(server, "carol")
    group = create_chat(alice_session, alice_token, [bob["_id"], carol["_id"]], type_="group", title="three")
    alice_client, bob_client = Client(server, alice_token), Client(server, bob_token)
    carol_client = None
    try:
        # Carol is offline: the message reaches Bob only, so it is not delivered, and Alice hears nothing.
        first = alice_client.call("message:send", {"chatId": group["_id"], "body": "one", "tempId": str(uuid.uuid4())})["message"]
        bob_client.next("message:new")
        alice_client.nothing("receipt:delivered", within=0.6)
        page = expect(api(alice_session, "GET", f"/api/messages/{group['_id']}", alice_token), 200)
        assert next(m for m in page["messages"] if m["_id"] == first["_id"])["status"] == "sent"
        # Both online: one receipt, naming a member, once the message reached them both.
        carol_client = Client(server, carol_token)
        second = alice_client.call("message:send", {"chatId": group["_id"], "body": "two", "tempId": str(uuid.uuid4())})["message"]
        receipt = alice_client.next("receipt:delivered")
        assert receipt["chatId"] == group["_id"] and receipt["messageIds"] == [second["_id"]]
        assert receipt["userId"] in (bob["_id"], carol["_id"])
        alice_client.nothing("receipt:delivered", within=0.6)
        page = expect(api(alice_session, "GET", f"/api/messages/{group['_id']}", alice_token), 200)
        assert next(m for m in page["messages"] if m["_id"] == second["_id"])["status"] == "delivered"
    finally:
        for client in (alice_client, bob_client, carol_client):
            if client:
                client.close()
